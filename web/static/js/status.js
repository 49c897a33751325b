/* Status page: refresh the summary and tiles in place every few seconds, and filter tiles by name.
   The server renders the fragment (and escapes everything in it); this script only swaps it in. */
(function () {
  "use strict";
  var overview = document.getElementById("overview");
  if (!overview) { return; }
  var problem = document.getElementById("refresh-problem");
  var filter = document.getElementById("site-filter");
  var seconds = parseInt(overview.getAttribute("data-refresh-seconds"), 10) || 15;
  var src = overview.getAttribute("data-src");
  var timer = null;
  var inFlight = false;

  function applyFilter() {
    var words = (filter && filter.value || "").trim().toLowerCase();
    var tiles = overview.querySelectorAll(".tile");
    for (var i = 0; i < tiles.length; i++) {
      var text = tiles[i].getAttribute("data-filter") || "";
      tiles[i].hidden = words !== "" && text.indexOf(words) === -1;
    }
  }

  function showProblem(kind) {
    if (!problem) { return; }
    if (!kind) { problem.hidden = true; return; }
    problem.textContent = problem.getAttribute("data-" + kind);
    problem.hidden = false;
  }

  function refresh() {
    if (inFlight || document.hidden) { return; }
    inFlight = true;
    fetch(src, {credentials: "same-origin", headers: {"X-Requested-With": "fetch"},
                cache: "no-store"})
      .then(function (response) {
        if (response.status === 401 || response.redirected) {
          showProblem("expired");
          stop();
          return null;
        }
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (html) {
        if (html === null) { return; }
        overview.innerHTML = html;
        overview.setAttribute("data-refreshed-at", String(Date.now()));
        applyFilter();
        showProblem(null);
      })
      .catch(function () { showProblem("failed"); })
      .then(function () { inFlight = false; });
  }

  function start() { if (timer === null) { timer = window.setInterval(refresh, seconds * 1000); } }
  function stop() { if (timer !== null) { window.clearInterval(timer); timer = null; } }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { refresh(); }
  });
  if (filter) { filter.addEventListener("input", applyFilter); }
  applyFilter();
  start();
})();
