// Panels that open scrolled to their end: the grid's newest runs are on
// the right, so a grid wider than the screen opens showing them.
(function () {
  "use strict";

  function scrollIn(root) {
    if (!root.querySelectorAll) return;
    root.querySelectorAll("[data-scroll-end]").forEach(function (el) {
      el.scrollLeft = el.scrollWidth;
    });
  }

  document.addEventListener("DOMContentLoaded", function () { scrollIn(document); });
  document.addEventListener("htmx:load", function (e) { scrollIn(e.target); });
})();
