/* The network map: draws /map/data.json with Cytoscape.js (vendored) as a tree from the roots,
   coloured by state, and refreshes it every ping interval without reloading the page. A device
   opens its page when tapped; a school (one node at district level) opens that school's map.
   Names come from the JSON and are drawn on the canvas as text, never as markup.
   `window.ictmonMap` lets the browser tests read what is drawn. */
(function () {
  "use strict";
  var box = document.getElementById("map");
  if (!box || typeof window.cytoscape !== "function") { return; }
  var src = box.getAttribute("data-src");
  var seconds = parseInt(box.getAttribute("data-refresh-seconds"), 10) || 60;
  var deviceHref = box.getAttribute("data-device-href");
  var siteHref = box.getAttribute("data-site-href");
  var problem = document.getElementById("map-problem");
  var empty = document.getElementById("map-empty");
  var picker = document.getElementById("map-site");
  var PROBLEM_STATES = ["down", "unreachable", "unknown", "maintenance"];
  var cy = null;
  var shape = "";
  var timer = null;
  var inFlight = false;
  var api = {refreshes: 0, data: null, cy: function () { return cy; }};
  window.ictmonMap = api;

  function stateLabel(state) {
    return box.getAttribute("data-label-" + state) || state;
  }

  function nodeText(n) {
    if (!n.counts) { return n.label; }
    // The school's code only (its name is in the site picker and on its own map): a district's
    // schools sit side by side.
    var lines = [n.site];
    var bad = [];
    for (var i = 0; i < PROBLEM_STATES.length; i++) {
      var count = n.counts[PROBLEM_STATES[i]];
      if (count) { bad.push(stateLabel(PROBLEM_STATES[i]) + " " + count); }
    }
    if (n.router_state && n.router_state !== "up") {
      lines.push(box.getAttribute("data-label-router") + ": " + stateLabel(n.router_state));
    }
    if (bad.length) { lines.push(bad.join(" · ")); }
    return lines.join("\n");
  }

  function edgeText(e) {
    var parts = [];
    if (e.source_port || e.target_port) {
      parts.push((e.source_port || "?") + " ↔ " + (e.target_port || "?"));
    }
    if (typeof e.utilisation_pct === "number") {
      parts.push(Math.round(e.utilisation_pct) + "%");
    }
    return parts.join(" · ");
  }

  function classesOf(item, isNode) {
    var names = [];
    if (isNode) {
      names.push(item.counts ? "site" : "device");
      if (item.external) { names.push("external"); }
    } else {
      names.push(item.kind);
      if (item.suspect) { names.push("suspect"); }
    }
    if (item.cut) { names.push("cut"); }
    return names.join(" ");
  }

  function elements(data) {
    var out = [];
    var crowded = data.edges.length > 60 ? " crowded" : "";
    data.nodes.forEach(function (n) {
      var d = Object.assign({}, n, {text: nodeText(n)});
      out.push({group: "nodes", data: d, classes: classesOf(n, true)});
    });
    data.edges.forEach(function (e) {
      var d = Object.assign({}, e, {text: edgeText(e)});
      out.push({group: "edges", data: d, classes: classesOf(e, false) + crowded});
    });
    return out;
  }

  function shapeOf(data) {
    var ids = data.nodes.map(function (n) { return n.id; });
    ids = ids.concat(data.edges.map(function (e) { return e.id; }));
    return ids.sort().join(",");
  }

  function roots(data) {
    // The tops of the parent tree: nodes no parent link points to.
    var below = {};
    data.edges.forEach(function (e) {
      if (e.kind !== "physical") { below[e.target] = true; }
    });
    return data.nodes.filter(function (n) { return !below[n.id]; })
      .map(function (n) { return "#" + CSS.escape(n.id); }).join(",");
  }

  var STYLE = [
    {selector: "node", style: {
      "background-color": "data(colour)", "label": "data(text)", "text-wrap": "wrap",
      "text-max-width": "160px", "font-size": 11, "text-valign": "bottom", "text-margin-y": 4,
      "width": 26, "height": 26, "border-width": 2, "border-color": "#ffffff",
      "min-zoomed-font-size": 6, "color": "#1f2933",
      "font-family": "Sarabun, Tahoma, sans-serif"}},
    {selector: "node.site", style: {"shape": "round-rectangle", "width": 40, "height": 28}},
    {selector: "node.external", style: {"border-style": "dashed", "border-color": "#66727f",
      "opacity": 0.75}},
    {selector: "node.cut", style: {"opacity": 0.45}},
    {selector: "node:selected", style: {"border-color": "#2563eb", "border-width": 4}},
    {selector: "edge", style: {
      "width": 2, "curve-style": "bezier", "line-color": "#1f2933", "label": "data(text)",
      "font-size": 9, "text-rotation": "autorotate", "min-zoomed-font-size": 8,
      "color": "#46505a", "text-background-color": "#ffffff", "text-background-opacity": 0.8}},
    {selector: "edge.both", style: {"width": 3}},
    {selector: "edge.parent", style: {"line-style": "dashed", "line-color": "#9aa5b1"}},
    {selector: "edge.physical", style: {"line-color": "#b45f06"}},
    {selector: "edge.suspect", style: {"line-style": "dashed", "line-color": "#c62828", "width": 3}},
    {selector: "edge.cut", style: {"opacity": 0.35}},
    // Many links (a district's schools): thin lines, ports only when zoomed in on one.
    {selector: "edge.crowded", style: {"width": 1, "label": "", "opacity": 0.6}}
  ];

  function layout(data) {
    // A district's schools in one row would be a line too long to read: in rings round the
    // office instead (still breadth-first from the roots).
    var wide = data.level === "district" && data.nodes.length > 40;
    return {name: "breadthfirst", directed: true, roots: roots(data) || undefined,
            circle: wide, spacingFactor: wide ? 2.5 : 1.15, animate: false, fit: true,
            padding: 24};
  }

  function draw(data) {
    var newShape = shapeOf(data);
    if (empty) { empty.hidden = data.nodes.length > 0; }
    if (cy === null) {
      cy = window.cytoscape({
        container: box, elements: elements(data), style: STYLE, layout: layout(data),
        wheelSensitivity: 0.3, minZoom: 0.05, maxZoom: 4,
        textureOnViewport: data.nodes.length > 800, hideEdgesOnViewport: data.nodes.length > 800
      });
      cy.on("tap", "node", function (event) {
        var d = event.target.data();
        if (d.device_id) {
          window.location.assign(deviceHref + d.device_id);
        } else if (d.site) {
          window.location.assign(siteHref + encodeURIComponent(d.site));
        }
      });
    } else if (newShape === shape) {
      // Same nodes and links: new states and rates in place; the drawing does not move.
      cy.batch(function () {
        elements(data).forEach(function (el) {
          var found = cy.getElementById(el.data.id);
          found.data(el.data);
          found.classes(el.classes);
        });
      });
    } else {
      cy.batch(function () {
        cy.elements().remove();
        cy.add(elements(data));
      });
      cy.layout(layout(data)).run();
    }
    shape = newShape;
    api.data = data;
    api.refreshes += 1;
    box.setAttribute("data-refreshed-at", String(Date.now()));
  }

  function showProblem(kind) {
    if (!problem) { return; }
    if (!kind) { problem.hidden = true; return; }
    problem.textContent = problem.getAttribute("data-" + kind);
    problem.hidden = false;
  }

  function schedule() {
    if (timer !== null) { window.clearTimeout(timer); }
    timer = window.setTimeout(refresh, seconds * 1000);
  }

  function refresh() {
    timer = null;
    if (inFlight) { return; }
    if (document.hidden) { schedule(); return; }
    inFlight = true;
    fetch(src, {credentials: "same-origin", headers: {"X-Requested-With": "fetch",
                "Accept": "application/json"}, cache: "no-store"})
      .then(function (response) {
        if (response.status === 401 || response.redirected) {
          showProblem("expired");
          return null;
        }
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        if (data === null) { return; }
        draw(data);
        showProblem(null);
        schedule();
      })
      .catch(function () {
        showProblem("failed");
        schedule();
      })
      .finally(function () { inFlight = false; });
  }

  if (picker) {
    picker.addEventListener("change", function () {
      window.location.assign(picker.value ? siteHref + encodeURIComponent(picker.value)
                                          : picker.form.getAttribute("action"));
    });
  }
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && timer === null && !inFlight) { refresh(); }
  });
  // Labels are drawn on a canvas, which takes whatever font is loaded when it draws: load the
  // Thai font first, or school names come out as empty boxes.
  if (document.fonts && document.fonts.load) {
    document.fonts.load("11px Sarabun", "\u0e01").then(refresh, refresh);
  } else {
    refresh();
  }
}());
