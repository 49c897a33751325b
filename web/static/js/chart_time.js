/* The device page's charts (latency, traffic, health) share how they write time: Bangkok wall
   clock whatever the browser's zone, Thai or English month names, Buddhist-era years in Thai.
   window.ictmonChartTime(lang) gives the helpers; loaded before the chart scripts (no inline
   script: the CSP allows none). uPlot is only needed when a helper is called. */
(function () {
  "use strict";
  var MONTHS = {
    th: ["ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค."],
    en: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
  };
  window.ictmonChartTime = function (lang) {
    var months = lang === "th" ? MONTHS.th : MONTHS.en;
    var yearOffset = lang === "th" ? 543 : 0;  // Buddhist era in Thai

    // Bangkok wall-clock time of a unix timestamp, whatever the browser's own time zone.
    function bkk(ts) { return uPlot.tzDate(new Date(ts * 1e3), "Asia/Bangkok"); }
    function pad(n) { return n < 10 ? "0" + n : String(n); }
    function hm(d) { return pad(d.getHours()) + ":" + pad(d.getMinutes()); }
    function day(d) { return d.getDate() + " " + months[d.getMonth()]; }
    function full(ts) {
      if (ts == null) { return "—"; }
      var d = bkk(ts);
      return day(d) + " " + (d.getFullYear() + yearOffset) + " " + hm(d);
    }
    // Axis labels: 24-hour times with the date under midnight for short ranges, dates for long.
    function xLabels(u, splits, axisIdx, space, incr) {
      return splits.map(function (ts, i) {
        var d = bkk(ts);
        if (incr >= 86400) { return day(d); }
        var midnight = d.getHours() === 0 && d.getMinutes() === 0;
        return (i === 0 || midnight) ? hm(d) + "\n" + day(d) : hm(d);
      });
    }
    return {
      AXIS_FONT: "13px Sarabun, sans-serif",  // the canvas needs a font with Thai glyphs
      bkk: bkk,
      hm: hm,
      day: day,
      full: full,
      xLabels: xLabels
    };
  };
})();
