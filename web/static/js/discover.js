/* /manage/discover: the site's address ranges fill the ranges field when a site is chosen, and a
   running run's page asks for its status every few seconds (a bounded number of times) and
   reloads once the proposal is there. Without this script the page still works: the ranges are
   typed, and the run page has a refresh link. */
(function () {
  "use strict";
  var site = document.getElementById("discover-site");
  var ranges = document.getElementById("discover-ranges");
  if (site && ranges) {
    var filled = ranges.value;
    site.addEventListener("change", function () {
      var option = site.options[site.selectedIndex];
      var own = option ? option.getAttribute("data-ranges") || "" : "";
      if (ranges.value === filled) {
        ranges.value = own;
        filled = own;
      }
    });
  }
  var box = document.getElementById("discover-running");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var every = Math.max(1, parseInt(box.getAttribute("data-poll-seconds"), 10) || 2) * 1000;
  var left = Math.max(1, parseInt(box.getAttribute("data-poll-limit"), 10) || 120);
  function ask() {
    left -= 1;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (status && !status.running) {
          window.location.reload();
        } else if (left > 0) {
          window.setTimeout(ask, every);
        }
      })
      .catch(function () { if (left > 0) { window.setTimeout(ask, every); } });
  }
  window.setTimeout(ask, every);
})();
