/* Device page: latency (line, left axis) and packet loss (area, right axis) with uPlot, for
   24 h / 7 d / 30 d from /api/v1/devices/<id>/latency. Times on the axis are Bangkok time. */
(function () {
  "use strict";
  var box = document.getElementById("latency-chart");
  if (!box || typeof uPlot === "undefined") { return; }
  var buttons = document.querySelectorAll("#chart-ranges button");
  var lang = box.getAttribute("data-lang") || "th";
  var plot = null;
  var current = null;

  // Bangkok time, month names and the Buddhist era: shared with the other charts.
  var time = window.ictmonChartTime(lang);
  var AXIS_FONT = time.AXIS_FONT, full = time.full, xLabels = time.xLabels;

  function message(key) {
    if (plot) { plot.destroy(); plot = null; }
    box.innerHTML = "";
    var p = document.createElement("p");
    p.className = "chart-message";
    p.textContent = box.getAttribute("data-msg-" + key);
    box.appendChild(p);
  }

  function fmtMs(v) { return v == null ? "—" : (v < 100 ? v.toFixed(1) : v.toFixed(0)) + " ms"; }
  function fmtPct(v) { return v == null ? "—" : v.toFixed(v % 1 ? 1 : 0) + "%"; }

  function draw(data) {
    if (!data.t.length) { message("empty"); return; }
    if (plot) { plot.destroy(); plot = null; }
    box.innerHTML = "";
    var width = Math.max(box.clientWidth, 280);
    var styles = getComputedStyle(document.documentElement);
    var rttColor = styles.getPropertyValue("--chart-rtt").trim() || "#2563eb";
    var lossColor = styles.getPropertyValue("--chart-loss").trim() || "#dc2626";
    var opts = {
      width: width,
      height: 280,
      tzDate: time.bkk,
      cursor: {drag: {x: true, y: false}},
      scales: {x: {time: true}, ms: {auto: true, range: function (u, min, max) {
        return [0, Math.max(max || 0, 1) * 1.15]; }}, pct: {range: [0, 100]}},
      series: [
        {label: box.getAttribute("data-label-time"), value: function (u, ts) { return full(ts); }},
        {label: box.getAttribute("data-label-rtt"), scale: "ms", stroke: rttColor, width: 1.5,
         value: function (u, v) { return fmtMs(v); }, spanGaps: false},
        {label: box.getAttribute("data-label-loss"), scale: "pct", stroke: lossColor, width: 1,
         fill: lossColor + "33", paths: uPlot.paths.stepped({align: 1}),
         value: function (u, v) { return fmtPct(v); }}
      ],
      axes: [
        {values: xLabels, space: 60, font: AXIS_FONT},
        {scale: "ms", font: AXIS_FONT, values: function (u, vals) { return vals.map(function (v) { return v + " ms"; }); },
         size: 64},
        {scale: "pct", side: 1, grid: {show: false}, font: AXIS_FONT,
         values: function (u, vals) { return vals.map(function (v) { return v + "%"; }); }, size: 52}
      ]
    };
    plot = new uPlot(opts, [data.t, data.rtt_ms, data.loss_pct], box);
  }

  function load(range) {
    current = range;
    for (var i = 0; i < buttons.length; i++) {
      var on = buttons[i].getAttribute("data-range") === range;
      buttons[i].classList.toggle("active", on);
      buttons[i].setAttribute("aria-pressed", on ? "true" : "false");
    }
    if (!plot) { message("loading"); }
    var url = box.getAttribute("data-url") + "?range=" + encodeURIComponent(range);
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (data) {
        var fontReady = document.fonts && document.fonts.load
          ? document.fonts.load(AXIS_FONT).catch(function () { return null; }) : Promise.resolve();
        return fontReady.then(function () { if (current === range) { draw(data); } });
      })
      .catch(function () { message("error"); });
  }

  for (var i = 0; i < buttons.length; i++) {
    buttons[i].addEventListener("click", function (event) {
      load(event.currentTarget.getAttribute("data-range"));
    });
  }
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(function () {
      if (plot) { plot.setSize({width: Math.max(box.clientWidth, 280), height: 280}); }
    }, 150);
  });
  load("24h");
})();
