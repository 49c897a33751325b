/* A small calendar beside every date field marked data-calendar="day" or "moment" (and the
   filters' .day-input). Typing stays the main way in: the field accepts 31/12/2569 14:30 with or
   without the calendar. The calendar writes what a person would type: day/month/year, the year in
   the Buddhist era on Thai pages, and for "moment" fields the time from its own time box.

   Keyboard: the button opens it with the focus on the chosen (or today's) day; arrows move a day
   or a week, Page Up/Down a month (with Shift a year), Home/End the week's ends, Enter or Space
   chooses, Escape closes and gives the focus back to the button. No inline script or style (the
   page's CSP forbids both): classes only, positions from static/css/calendar.css.

   Month and weekday names live here, as in the chart scripts: they are the calendar's own
   vocabulary, the same as monitor.localtime's. */
(function () {
  "use strict";
  var lang = (document.documentElement.getAttribute("lang") || "th").slice(0, 2);
  var TH = lang === "th";
  var YEAR_OFFSET = TH ? 543 : 0;
  var MONTHS = TH
    ? ["มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม",
       "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม"]
    : ["January", "February", "March", "April", "May", "June", "July", "August", "September",
       "October", "November", "December"];
  // Weeks start on Sunday, as Thai wall calendars do.
  var DAYS = TH ? ["อา", "จ", "อ", "พ", "พฤ", "ศ", "ส"] : ["Su", "Mo", "Tu", "We", "Th", "Fr", "Sa"];
  var WORDS = TH
    ? { open: "เลือกจากปฏิทิน", prev: "เดือนก่อนหน้า", next: "เดือนถัดไป", today: "วันนี้",
        close: "ปิด", time: "เวลา", era: "พ.ศ." }
    : { open: "Choose from a calendar", prev: "Previous month", next: "Next month",
        today: "Today", close: "Close", time: "Time", era: "" };
  var TYPED = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2}))?\s*$/;
  var ISO = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[T\s]+(\d{1,2}):(\d{2}))?/;

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  // A typed value → {y (common era), m (0-11), d, time}; null when it is not a date.
  function read(text) {
    var m = TYPED.exec(text || "");
    var y, mo, d, hh, mm;
    if (m) { d = +m[1]; mo = +m[2]; y = +m[3]; hh = m[4]; mm = m[5]; }
    else if ((m = ISO.exec(text || ""))) { y = +m[1]; mo = +m[2]; d = +m[3]; hh = m[4]; mm = m[5]; }
    else { return null; }
    if (y > 2400) { y -= 543; }  // a Buddhist-era year, as monitor.localtime reads it
    if (mo < 1 || mo > 12 || d < 1 || d > 31) { return null; }
    return { y: y, m: mo - 1, d: d, time: hh ? pad(+hh) + ":" + mm : "" };
  }

  function write(y, m, d, time) {
    var text = pad(d) + "/" + pad(m + 1) + "/" + (y + YEAR_OFFSET);
    return time ? text + " " + time : text;
  }

  function daysIn(y, m) { return new Date(y, m + 1, 0).getDate(); }

  // A calendar drawn with lines (an emoji needs a font the office PC may not have).
  function icon() {
    var NS = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 20 20");
    svg.setAttribute("width", "20");
    svg.setAttribute("height", "20");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("class", "calendar-icon");
    [["rect", { x: 2.5, y: 4, width: 15, height: 13.5, rx: 2 }],
     ["line", { x1: 2.5, y1: 8.5, x2: 17.5, y2: 8.5 }],
     ["line", { x1: 6.5, y1: 2, x2: 6.5, y2: 6 }],
     ["line", { x1: 13.5, y1: 2, x2: 13.5, y2: 6 }],
     ["rect", { x: 5.5, y: 11, width: 3, height: 3 }]].forEach(function (part) {
      var el = document.createElementNS(NS, part[0]);
      Object.keys(part[1]).forEach(function (k) { el.setAttribute(k, String(part[1][k])); });
      svg.appendChild(el);
    });
    return svg;
  }

  function enhance(input, kind) {
    if (input.getAttribute("data-calendar-ready")) { return; }
    input.setAttribute("data-calendar-ready", "1");
    var wrap = document.createElement("span");
    wrap.className = "calendar-wrap";
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "calendar-button";
    button.setAttribute("aria-label", WORDS.open);
    button.setAttribute("aria-haspopup", "dialog");
    button.setAttribute("aria-expanded", "false");
    button.title = WORDS.open;
    button.appendChild(icon());
    wrap.appendChild(button);

    var box = null;
    var shown = null;  // {y, m}: the month on show
    var focus = null;  // {y, m, d}: the day with the keyboard focus

    function close(giveBack) {
      if (!box) { return; }
      box.parentNode.removeChild(box);
      box = null;
      button.setAttribute("aria-expanded", "false");
      document.removeEventListener("mousedown", outside, true);
      if (giveBack) { button.focus(); }
    }

    function outside(event) {
      if (box && !wrap.contains(event.target)) { close(false); }
    }

    function choose(y, m, d) {
      var time = "";
      if (kind === "moment") {
        var typed = box.querySelector(".calendar-time input").value.trim();
        time = /^\d{1,2}:\d{2}$/.test(typed) ? typed : "00:00";
      }
      input.value = write(y, m, d, time);
      input.dispatchEvent(new Event("input", { bubbles: true }));
      input.dispatchEvent(new Event("change", { bubbles: true }));
      close(true);
    }

    function move(days) {
      var date = new Date(focus.y, focus.m, focus.d + days);
      focus = { y: date.getFullYear(), m: date.getMonth(), d: date.getDate() };
      shown = { y: focus.y, m: focus.m };
      render(true);
    }

    function moveMonths(n) {
      var date = new Date(focus.y, focus.m + n, 1);
      var y = date.getFullYear();
      var m = date.getMonth();
      focus = { y: y, m: m, d: Math.min(focus.d, daysIn(y, m)) };
      shown = { y: y, m: m };
      render(true);
    }

    function keydown(event) {
      var k = event.key;
      if (k === "Escape") { event.preventDefault(); close(true); return; }
      if (!event.target.classList.contains("calendar-day")) { return; }
      var moves = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 };
      if (k in moves) { event.preventDefault(); move(moves[k]); }
      else if (k === "PageUp" || k === "PageDown") {
        event.preventDefault();
        moveMonths((k === "PageUp" ? -1 : 1) * (event.shiftKey ? 12 : 1));
      } else if (k === "Home") {
        event.preventDefault();
        move(-new Date(focus.y, focus.m, focus.d).getDay());
      } else if (k === "End") {
        event.preventDefault();
        move(6 - new Date(focus.y, focus.m, focus.d).getDay());
      }
    }

    function headButton(cls, label, text, onClick) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = cls;
      b.setAttribute("aria-label", label);
      b.title = label;
      b.textContent = text;
      b.addEventListener("click", onClick);
      return b;
    }

    function render(moveFocus) {
      var time = box.querySelector(".calendar-time input");
      var keep = time ? time.value : null;
      var grid = box.querySelector(".calendar-grid");
      var title = box.querySelector(".calendar-title");
      title.textContent = MONTHS[shown.m] + " " + (WORDS.era ? WORDS.era + " " : "") +
        (shown.y + YEAR_OFFSET);
      grid.innerHTML = "";
      var head = document.createElement("tr");
      DAYS.forEach(function (name) {
        var th = document.createElement("th");
        th.scope = "col";
        th.textContent = name;
        head.appendChild(th);
      });
      var thead = document.createElement("thead");
      thead.appendChild(head);
      grid.appendChild(thead);
      var body = document.createElement("tbody");
      var first = new Date(shown.y, shown.m, 1).getDay();
      var count = daysIn(shown.y, shown.m);
      var picked = read(input.value);
      var now = new Date();
      var row = null;
      var target = null;
      for (var cell = 0; cell < first + count; cell++) {
        if (cell % 7 === 0) { row = document.createElement("tr"); body.appendChild(row); }
        var td = document.createElement("td");
        if (cell >= first) {
          var d = cell - first + 1;
          var b = document.createElement("button");
          b.type = "button";
          b.className = "calendar-day";
          b.textContent = String(d);
          b.setAttribute("aria-label", d + " " + MONTHS[shown.m] + " " + (shown.y + YEAR_OFFSET));
          b.setAttribute("data-day", String(d));
          var isFocus = focus.y === shown.y && focus.m === shown.m && focus.d === d;
          b.tabIndex = isFocus ? 0 : -1;
          if (isFocus) { target = b; }
          if (picked && picked.y === shown.y && picked.m === shown.m && picked.d === d) {
            b.classList.add("chosen");
            b.setAttribute("aria-pressed", "true");
          }
          if (now.getFullYear() === shown.y && now.getMonth() === shown.m && now.getDate() === d) {
            b.classList.add("today");
            b.setAttribute("aria-current", "date");
          }
          b.addEventListener("click", (function (day) {
            return function () { choose(shown.y, shown.m, day); };
          })(d));
          td.appendChild(b);
        }
        row.appendChild(td);
      }
      grid.appendChild(body);
      if (keep !== null && time) { time.value = keep; }
      if (moveFocus && target) { target.focus(); }
    }

    function open() {
      if (box) { close(true); return; }
      var picked = read(input.value);
      var today = new Date();
      focus = picked
        ? { y: picked.y, m: picked.m, d: Math.min(picked.d, daysIn(picked.y, picked.m)) }
        : { y: today.getFullYear(), m: today.getMonth(), d: today.getDate() };
      shown = { y: focus.y, m: focus.m };
      box = document.createElement("div");
      box.className = "calendar-popup";
      box.setAttribute("role", "dialog");
      box.setAttribute("aria-label", WORDS.open);
      var head = document.createElement("div");
      head.className = "calendar-head";
      head.appendChild(headButton("calendar-prev", WORDS.prev, "‹", function () { moveMonths(-1); }));
      var title = document.createElement("span");
      title.className = "calendar-title";
      title.setAttribute("aria-live", "polite");
      head.appendChild(title);
      head.appendChild(headButton("calendar-next", WORDS.next, "›", function () { moveMonths(1); }));
      box.appendChild(head);
      var grid = document.createElement("table");
      grid.className = "calendar-grid";
      grid.setAttribute("role", "grid");
      box.appendChild(grid);
      var foot = document.createElement("div");
      foot.className = "calendar-foot";
      if (kind === "moment") {
        var label = document.createElement("label");
        label.className = "calendar-time";
        label.textContent = WORDS.time + " ";
        var time = document.createElement("input");
        time.type = "text";
        time.inputMode = "numeric";
        time.autocomplete = "off";
        time.maxLength = 5;
        time.placeholder = "14:30";
        time.value = (picked && picked.time) || "08:00";
        // Enter in the time box chooses the focused day instead of sending the form.
        time.addEventListener("keydown", function (event) {
          if (event.key === "Enter") { event.preventDefault(); choose(focus.y, focus.m, focus.d); }
        });
        label.appendChild(time);
        foot.appendChild(label);
      }
      foot.appendChild(headButton("calendar-today button small", WORDS.today, WORDS.today,
        function () {
          var t = new Date();
          choose(t.getFullYear(), t.getMonth(), t.getDate());
        }));
      foot.appendChild(headButton("calendar-close button small", WORDS.close, WORDS.close,
        function () { close(true); }));
      box.appendChild(foot);
      box.addEventListener("keydown", keydown);
      wrap.appendChild(box);
      button.setAttribute("aria-expanded", "true");
      document.addEventListener("mousedown", outside, true);
      render(true);
    }

    button.addEventListener("click", open);
  }

  function start() {
    var fields = document.querySelectorAll("input[data-calendar], input.day-input");
    for (var i = 0; i < fields.length; i++) {
      enhance(fields[i], fields[i].getAttribute("data-calendar") || "day");
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
