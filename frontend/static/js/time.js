// Times in the reader's zone. The server writes every <time data-t> in its
// own zone; this rewrites them in the browser's, names that zone wherever
// [data-zone] asks, and keeps relative times ("3 min ago") current.
// A filter's hidden input[data-zone-input] gets the browser's zone.
//   data-t="abs"  2026-12-03 09:32:32, the browser's zone
//   data-t="rel"  3 min ago / in 5 min, the exact time on hover
//   data-t="zone" left as written (a DAG's own zone); the hover gains the
//                 browser's time
//   data-t="clock" 09:32:32.123, the browser's zone: a log line's time,
//                 written cheaply since a log shows thousands
// A tooltip that names a time ("… · started 2026-12-03 09:32:32 UTC · …")
// carries it in data-at, and the text written for it in data-at-text.
(function () {
  "use strict";

  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "local time";
  var parts = new Intl.DateTimeFormat("en-US", {
    year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
    hourCycle: "h23", timeZoneName: "short"
  });

  // full writes d as "2026-12-03 09:32:32" and its zone's short name.
  function full(d) {
    var p = {};
    parts.formatToParts(d).forEach(function (x) { p[x.type] = x.value; });
    return {
      text: p.year + "-" + p.month + "-" + p.day + " " + p.hour + ":" + p.minute + ":" + p.second,
      zone: p.timeZoneName || zone
    };
  }

  // relative says how far d is from now, coarsely, as the server does.
  function relative(d) {
    var s = (d.getTime() - Date.now()) / 1000, past = s < 0, a = Math.abs(s);
    var words;
    if (a < 60) return past ? "just now" : "in under a minute";
    if (a < 3600) words = Math.floor(a / 60) + (past ? 0 : 1) + " min";
    else if (a < 48 * 3600) words = Math.floor(a / 3600) + " h";
    else words = Math.floor(a / 86400) + " days";
    return past ? words + " ago" : "in " + words;
  }

  function pad(n, w) { n = String(n); while (n.length < w) n = "0" + n; return n; }

  function render(el) {
    var d = new Date(el.getAttribute("datetime"));
    if (isNaN(d.getTime())) return;
    if (el.getAttribute("data-t") === "clock") {
      el.textContent = pad(d.getHours(), 2) + ":" + pad(d.getMinutes(), 2) + ":" + pad(d.getSeconds(), 2) + "." + pad(d.getMilliseconds(), 3);
      return;
    }
    var f = full(d), exact = f.text + " " + f.zone + " (" + zone + ")";
    switch (el.getAttribute("data-t")) {
      case "abs":
        el.textContent = f.text;
        el.title = exact + " · " + relative(d);
        break;
      case "rel":
        el.textContent = relative(d);
        el.title = exact;
        break;
      case "zone":
        el.title = "your time: " + exact;
        break;
    }
  }

  // retitle rewrites the time inside el's tooltip in the browser's zone.
  function retitle(el) {
    var d = new Date(el.getAttribute("data-at")), was = el.getAttribute("data-at-text");
    if (isNaN(d.getTime()) || !was) return;
    var f = full(d);
    el.title = el.title.replace(was, f.text + " " + f.zone);
    el.setAttribute("data-at-text", f.text + " " + f.zone);
  }

  function renderIn(root) {
    if (!root.querySelectorAll) return;
    root.querySelectorAll("time[data-t]").forEach(render);
    root.querySelectorAll("[data-at]").forEach(retitle);
    root.querySelectorAll("[data-zone]").forEach(function (el) { el.textContent = zone; });
    // A filter's days are read in the browser's zone, unless its address
    // names one already (a shared link keeps the zone it was made in).
    if (zone !== "local time") {
      root.querySelectorAll("input[data-zone-input]").forEach(function (el) { if (!el.value) el.value = zone; });
    }
  }

  document.addEventListener("DOMContentLoaded", function () { renderIn(document); });
  // htmx swaps (boosted links, live run parts) bring new times.
  document.addEventListener("htmx:load", function (e) { renderIn(e.target); });
  setInterval(function () { document.querySelectorAll('time[data-t="rel"]').forEach(render); }, 30000);
})();
