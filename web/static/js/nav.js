/* The top navigation folds behind a "menu" button on narrow screens. Without this script the
   button stays hidden and every link shows (the bar wraps), so nothing depends on it.
   "/" anywhere outside a text field puts the cursor in the search box (as GitHub and Gmail do). */
(function () {
  "use strict";
  var box = document.getElementById("global-search");
  if (box) {
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      var typing = target && (target.isContentEditable ||
        /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
      if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        box.focus();
      }
    });
  }
  var toggle = document.getElementById("nav-toggle");
  var bar = toggle && toggle.closest(".topbar");
  if (!toggle || !bar) { return; }
  bar.classList.add("nav-ready");
  toggle.hidden = false;
  toggle.addEventListener("click", function () {
    var open = bar.classList.toggle("nav-open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
})();
