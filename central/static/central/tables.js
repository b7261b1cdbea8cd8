// A table wider than the screen scrolls inside its own box (style.css, phones). A box that scrolls must be
// reachable by the keyboard to be scrolled without a mouse (WCAG 2.1.1): such a table takes the focus
// (tabindex 0) while it scrolls, and only then, so the desktop's tab order has no extra stops.
(function () {
  "use strict";
  function mark() {
    document.querySelectorAll("main table").forEach(function (table) {
      if (table.scrollWidth > table.clientWidth + 1) {
        table.tabIndex = 0;
      } else if (table.getAttribute("tabindex") === "0") {
        table.removeAttribute("tabindex");
      }
    });
  }
  mark();
  window.addEventListener("resize", mark);
})();
