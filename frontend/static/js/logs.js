// The log viewer (components.LogView): logs open at their end, follow it
// while the run is live, search in page, and a line link opens at its line.
//   [data-log]          a log's lines (.ln, each with its anchor)
//   [data-log-tools]    the search box, match count, next/previous, the
//                       "only matching lines" and "follow" switches
//   [data-log-root]     what live updates replace; tools sit outside it
(function () {
  "use strict";

  var query = "", current = -1;

  function tools() { return document.querySelector("[data-log-tools]"); }
  function boxes() { return document.querySelectorAll("[data-log]"); }

  function following() {
    var f = document.querySelector("[data-log-follow]");
    return f !== null && f.checked;
  }

  // targetLine is the line the address points at, if it is in a log.
  function targetLine() {
    if (location.hash.length < 2) return null;
    var el = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    return el && el.classList.contains("ln") ? el : null;
  }

  function toEnd(box) { box.scrollTop = box.scrollHeight; }

  // search marks the lines holding the query and counts them.
  function search() {
    var hits = [], q = query.toLowerCase();
    boxes().forEach(function (box) {
      box.classList.toggle("only-hits", q !== "" && onlyHits());
      box.querySelectorAll(".ln").forEach(function (ln) {
        var text = ln.querySelector(".ln-x");
        var hit = q !== "" && text !== null && text.textContent.toLowerCase().indexOf(q) >= 0;
        ln.classList.toggle("hit", hit);
        ln.classList.remove("cur");
        if (hit) hits.push(ln);
      });
    });
    var count = document.querySelector("[data-log-count]");
    if (count) {
      count.textContent = q === "" ? "" : hits.length === 0 ? "no match" : hits.length === 1 ? "1 match" : hits.length + " matches";
    }
    return hits;
  }

  function onlyHits() {
    var o = document.querySelector("[data-log-only]");
    return o !== null && o.checked;
  }

  // step moves to the next (+1) or previous (-1) match.
  function step(dir) {
    var hits = search();
    if (hits.length === 0) return;
    current = (current + dir + hits.length) % hits.length;
    var ln = hits[current];
    ln.classList.add("cur");
    var box = ln.closest("[data-log]");
    if (box) box.scrollTop = ln.offsetTop - box.clientHeight / 2;
    var count = document.querySelector("[data-log-count]");
    if (count) count.textContent = (current + 1) + " of " + hits.length;
  }

  // Where each log was scrolled to, by page and try (-1: at its end), so
  // a live update, which replaces the logs, keeps a reader's place.
  var positions = {}, handledHash = "";

  function key(box) {
    var log = box.closest("[data-task]");
    return location.pathname + " " + (log ? log.dataset.task + "." + log.dataset.try : "");
  }

  document.addEventListener("scroll", function (e) {
    var box = e.target;
    if (!box.matches || !box.matches("[data-log]")) return;
    var atEnd = box.scrollTop + box.clientHeight >= box.scrollHeight - 4;
    positions[key(box)] = atEnd ? -1 : box.scrollTop;
  }, true);

  // settle runs on load and after each live update. A log opens at its
  // end, or at the line the address names; after an update it stays where
  // the reader left it, or at its end when it was there or follow is on.
  function settle() {
    var target = null;
    if (location.hash !== handledHash) {
      target = targetLine();
      if (target) handledHash = location.hash;
    }
    boxes().forEach(function (box) {
      var at = positions[key(box)];
      if (target && box.contains(target)) {
        box.scrollTop = target.offsetTop - box.clientHeight / 3;
      } else if (at === undefined || at === -1 || following()) {
        toEnd(box);
      } else {
        box.scrollTop = at;
      }
    });
    if (target) target.scrollIntoView({ block: "center" });
    if (query !== "") search();
  }

  function wire() {
    var t = tools();
    if (!t || t.dataset.wired) return;
    t.dataset.wired = "1";
    var input = t.querySelector("[data-log-search]");
    if (input) {
      input.value = query;
      input.addEventListener("input", function () { query = input.value; current = -1; search(); });
      input.addEventListener("keydown", function (e) {
        if (e.key === "Enter") { e.preventDefault(); step(e.shiftKey ? -1 : 1); }
      });
    }
    var next = t.querySelector("[data-log-next]"), prev = t.querySelector("[data-log-prev]");
    if (next) next.addEventListener("click", function () { step(1); });
    if (prev) prev.addEventListener("click", function () { step(-1); });
    var only = t.querySelector("[data-log-only]");
    if (only) only.addEventListener("change", search);
    var follow = t.querySelector("[data-log-follow]");
    if (follow) follow.addEventListener("change", function () { if (follow.checked) boxes().forEach(toEnd); });
  }

  document.addEventListener("DOMContentLoaded", function () { wire(); settle(); });
  // A live update replaces the logs (or, when the run ends, the whole
  // live part, tools included).
  // htmx fires htmx:load for each element swapped in: settle once.
  var pending = false;
  document.addEventListener("htmx:load", function (e) {
    var el = e.target;
    if (pending || !el.closest || !(el.closest("#logs") || el.querySelector("[data-log]"))) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; wire(); settle(); });
  });
  window.addEventListener("hashchange", settle);
})();
