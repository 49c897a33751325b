/* Status page: refresh the summary and tiles in place every few seconds, filter tiles by name, and
   a "problems only" switch remembered in the browser's local storage. The server renders the
   fragment (and escapes everything in it); this script only swaps it in, with the page title and
   the logo's dot that the fragment carries as data attributes. */
(function () {
  "use strict";
  var overview = document.getElementById("overview");
  if (!overview) { return; }
  var problem = document.getElementById("refresh-problem");
  var filter = document.getElementById("site-filter");
  var problemsOnly = document.getElementById("problems-only");
  var STORE_KEY = "ictmon.problemsOnly";
  var seconds = parseInt(overview.getAttribute("data-refresh-seconds"), 10) || 15;
  var src = overview.getAttribute("data-src");
  var timer = null;
  var inFlight = false;

  function remembered() {
    try { return window.localStorage.getItem(STORE_KEY) === "1"; } catch (e) { return false; }
  }

  function remember(on) {
    try { window.localStorage.setItem(STORE_KEY, on ? "1" : "0"); } catch (e) { /* private mode */ }
  }

  function applyFilter() {
    var words = (filter && filter.value || "").trim().toLowerCase();
    var onlyProblems = problemsOnly !== null && problemsOnly.checked;
    var tiles = overview.querySelectorAll(".tile");
    var shown = 0;
    for (var i = 0; i < tiles.length; i++) {
      var text = tiles[i].getAttribute("data-filter") || "";
      var fine = tiles[i].getAttribute("data-level") === "ok";
      tiles[i].hidden = (words !== "" && text.indexOf(words) === -1) || (onlyProblems && fine);
      if (!tiles[i].hidden) { shown++; }
    }
    var none = document.getElementById("no-problems");
    if (none) { none.hidden = !(onlyProblems && words === "" && shown === 0); }
  }

  function applyFrame() {
    var summary = overview.querySelector(".summary");
    if (!summary) { return; }
    var title = summary.getAttribute("data-title");
    if (title) { document.title = title; }
    var mark = document.getElementById("brand-mark");
    var worst = summary.getAttribute("data-worst");
    if (mark && worst) {
      mark.className = mark.className.replace(/\bstate-[a-z]+\b/g, "").trim() + " state-" + worst;
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
        applyFrame();
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
  if (problemsOnly) {
    problemsOnly.checked = remembered();
    problemsOnly.addEventListener("change", function () {
      remember(problemsOnly.checked);
      applyFilter();
    });
  }
  applyFilter();
  start();
})();
