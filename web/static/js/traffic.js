/* Device page, SNMP section: traffic in/out of one port over 24 h / 7 d / 30 d with uPlot, from
   /devices/<id>/traffic. Runs on DOMContentLoaded: uPlot's own deferred script comes later in
   the page. Times are Bangkok time; Buddhist-era years in Thai. */
(function () {
  "use strict";
  function start() {
    var box = document.getElementById("traffic-chart");
    if (!box || typeof uPlot === "undefined") { return; }
    var buttons = document.querySelectorAll("#traffic-ranges button");
    var port = document.getElementById("traffic-port");
    var lang = box.getAttribute("data-lang") || "th";
    var plot = null;
    var range = "24h";
    var token = 0;
    // Bangkok time, month names and the Buddhist era: shared with the other charts.
    var time = window.ictmonChartTime(lang);
    var AXIS_FONT = time.AXIS_FONT, full = time.full, xLabels = time.xLabels;
    function rate(v) {
      if (v == null) { return "—"; }
      var units = [["Gbit/s", 1e9], ["Mbit/s", 1e6], ["kbit/s", 1e3]];
      for (var i = 0; i < units.length; i++) {
        if (Math.abs(v) >= units[i][1]) { return (v / units[i][1]).toFixed(1) + " " + units[i][0]; }
      }
      return v.toFixed(0) + " bit/s";
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
      if (!data.t.length) { message("empty"); return; }
      if (plot) { plot.destroy(); plot = null; }
      box.innerHTML = "";
      var styles = getComputedStyle(document.documentElement);
      var inColor = styles.getPropertyValue("--chart-in").trim() || "#2e7d32";
      var outColor = styles.getPropertyValue("--chart-out").trim() || "#2563eb";
      var opts = {
        width: Math.max(box.clientWidth, 280), height: 260, tzDate: time.bkk,
        cursor: {drag: {x: true, y: false}},
        scales: {x: {time: true}, y: {range: function (u, min, max) { return [0, Math.max(max || 0, 1000) * 1.15]; }}},
        series: [
          {label: box.getAttribute("data-label-time"), value: function (u, ts) { return full(ts); }},
          {label: box.getAttribute("data-label-in"), stroke: inColor, fill: inColor + "22", width: 1.5,
           value: function (u, v) { return rate(v); }},
          {label: box.getAttribute("data-label-out"), stroke: outColor, width: 1.5,
           value: function (u, v) { return rate(v); }}
        ],
        axes: [
          {values: xLabels, space: 60, font: AXIS_FONT},
          {font: AXIS_FONT, size: 90, values: function (u, vals) { return vals.map(rate); }}
        ]
      };
      plot = new uPlot(opts, [data.t, data.in_bps, data.out_bps], box);
    }
    function load() {
      var mine = ++token;
      for (var i = 0; i < buttons.length; i++) {
        var on = buttons[i].getAttribute("data-range") === range;
        buttons[i].classList.toggle("active", on);
        buttons[i].setAttribute("aria-pressed", on ? "true" : "false");
      }
      if (!port || !port.value) { message("empty"); return; }
      if (!plot) { message("loading"); }
      var url = box.getAttribute("data-url") + "?range=" + encodeURIComponent(range) +
        "&if=" + encodeURIComponent(port.value);
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
    if (port) { port.addEventListener("change", load); }
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
