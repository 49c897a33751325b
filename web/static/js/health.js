/* Device page: CPU, memory, temperature and UPS values over 24 h / 7 d / 30 d with uPlot, from
   /devices/<id>/health. Percentages on the left axis, °C on the right; only the series the
   device reports are drawn. Times are Bangkok time; Buddhist-era years in Thai. Same pattern as
   traffic.js, times through chart_time.js (no inline script: the CSP allows none). */
(function () {
  "use strict";
  var SERIES = [
    // name, scale, colour
    ["cpu_pct", "%", "#2563eb"],
    ["memory_pct", "%", "#7c3aed"],
    ["ups_charge_pct", "%", "#2e7d32"],
    ["ups_on_battery_pct", "%", "#d97706"],
    ["temperature_c", "C", "#dc2626"]
  ];
  function start() {
    var box = document.getElementById("health-chart");
    if (!box || typeof uPlot === "undefined") { return; }
    var buttons = document.querySelectorAll("#health-ranges button");
    var lang = box.getAttribute("data-lang") || "th";
    var plot = null;
    var range = "24h";
    var token = 0;
    // Bangkok time, month names and the Buddhist era: shared with the other charts.
    var time = window.ictmonChartTime(lang);
    var AXIS_FONT = time.AXIS_FONT, full = time.full, xLabels = time.xLabels;
    function fmt(unit) {
      return function (u, v) { return v == null ? "—" : v.toFixed(0) + (unit === "C" ? " °C" : "%"); };
    }
    function message(key) {
      if (plot) { plot.destroy(); plot = null; }
      box.innerHTML = "";
      var p = document.createElement("p");
      p.className = "chart-message";
      p.textContent = box.getAttribute("data-msg-" + key);
      box.appendChild(p);
    }
    function draw(data) {
      var shown = SERIES.filter(function (s) { return data.shown.indexOf(s[0]) >= 0; });
      if (!data.t.length || !shown.length) { message("empty"); return; }
      if (plot) { plot.destroy(); plot = null; }
      box.innerHTML = "";
      var series = [{label: box.getAttribute("data-label-time"), value: function (u, ts) { return full(ts); }}];
      var columns = [data.t];
      var hasPct = false, hasC = false;
      shown.forEach(function (s) {
        series.push({label: box.getAttribute("data-label-" + s[0]), scale: s[1], stroke: s[2],
                     width: 1.5, spanGaps: false, value: fmt(s[1])});
        columns.push(data[s[0]]);
        if (s[1] === "C") { hasC = true; } else { hasPct = true; }
      });
      var axes = [{values: xLabels, space: 60, font: AXIS_FONT}];
      if (hasPct) {
        axes.push({scale: "%", font: AXIS_FONT, size: 55,
                   values: function (u, vals) { return vals.map(function (v) { return v + "%"; }); }});
      }
      if (hasC) {
        axes.push({scale: "C", side: hasPct ? 1 : 3, font: AXIS_FONT, size: 60,
                   grid: {show: !hasPct},
                   values: function (u, vals) { return vals.map(function (v) { return v + " °C"; }); }});
      }
      var opts = {
        width: Math.max(box.clientWidth, 280), height: 260, tzDate: time.bkk,
        cursor: {drag: {x: true, y: false}},
        scales: {x: {time: true}, "%": {range: [0, 100]},
                 C: {range: function (u, min, max) { return [Math.min(0, min || 0), Math.max(max || 0, 50) * 1.15]; }}},
        series: series,
        axes: axes
      };
      plot = new uPlot(opts, columns, box);
    }
    function load() {
      var mine = ++token;
      for (var i = 0; i < buttons.length; i++) {
        var on = buttons[i].getAttribute("data-range") === range;
        buttons[i].classList.toggle("active", on);
        buttons[i].setAttribute("aria-pressed", on ? "true" : "false");
      }
      if (!plot) { message("loading"); }
      var url = box.getAttribute("data-url") + "?range=" + encodeURIComponent(range);
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
        .then(function (data) { if (mine === token) { draw(data); } })
        .catch(function () { if (mine === token) { message("error"); } });
    }
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].addEventListener("click", function (event) {
        range = event.currentTarget.getAttribute("data-range");
        load();
      });
    }
    window.addEventListener("resize", function () {
      if (plot) { plot.setSize({width: Math.max(box.clientWidth, 280), height: 260}); }
    });
    load();
  }
  // Deferred scripts run in page order before DOMContentLoaded; uPlot's comes after this one.
  if (typeof uPlot === "undefined") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
