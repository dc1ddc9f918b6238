// The answer-times page (/answer-times): per minister or portfolio, the median days to an answer
// as an SVG bar chart, and every figure in a table. Text from the API only enters as text nodes.
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var FIELDS = ["by", "session", "from", "to", "assembly"];
  var ROW = 46;  // height of one bar with its label above, in pixels (the chart is drawn 1:1)
  var LABEL_CHARS = 60;

  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (name) { node.setAttribute(name, String(attrs[name])); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function percent(share) {
    return share === null ? "—" : Math.round(100 * share) + " %";
  }

  function days(value) {
    return value === null ? "—" : (Math.round(value * 10) / 10).toLocaleString("fr-BE") + " j";
  }

  function short(text) {
    return text.length > LABEL_CHARS ? text.slice(0, LABEL_CHARS - 1) + "…" : text;
  }

  // Horizontal bars, a row per addressee, the label above its bar so that a phone's width is
  // enough; drawn at the container's width, so the text keeps its size on every screen.
  function chart(rows, width) {
    var dated = rows.filter(function (r) { return r.median_days !== null; });
    var height = 28 + dated.length * ROW;
    var top = Math.max(60, Math.max.apply(null, dated.map(function (r) { return r.median_days; })));
    var room = Math.max(80, width - 70);
    var x = function (value) { return (value / top) * room; };
    var root = svg("svg", { viewBox: "0 0 " + width + " " + height, width: width, height: height, role: "img",
      "aria-labelledby": "chart-title", class: "chart" });
    root.append(svg("title", { id: "chart-title" }, "Délai médian de réponse, en jours, par " +
      (rows.by === "portfolio" ? "portefeuille" : "ministre")));
    [30, 60].forEach(function (mark) {  // the two delays the table counts late answers at
      root.append(svg("line", { x1: x(mark), x2: x(mark), y1: 16, y2: height, class: "chart__mark" }),
        svg("text", { x: x(mark), y: 12, "text-anchor": "middle", class: "chart__axis" }, mark + " j"));
    });
    dated.forEach(function (r, i) {
      var y = 28 + i * ROW;
      var group = svg("g", { class: "chart__row" });
      group.append(svg("title", {}, r.addressee + " : " + days(r.median_days) + " (médiane de " +
        r.dated_answers + " réponses)"));
      group.append(svg("text", { x: 0, y: y + 12, class: "chart__label" }, short(r.addressee)),
        svg("rect", { x: 0, y: y + 18, width: Math.max(2, x(r.median_days)), height: 16, class: "chart__bar" }),
        svg("text", { x: x(r.median_days) + 6, y: y + 31, class: "chart__value" }, days(r.median_days)));
      root.append(group);
    });
    return root;
  }

  function table(el, body) {
    var head = el("tr", null);
    [body.by === "portfolio" ? "Portefeuille" : "Ministre", "Posées", "Répondues", "Délai médian",
      "Sans réponse à 30 j", "Sans réponse à 60 j"].forEach(function (h) { head.append(el("th", { scope: "col" }, h)); });
    var rows = el("tbody", null);
    body.rows.forEach(function (r) {
      var name = el("th", { scope: "row" }, r.addressee);
      if (r.also.length) name.append(el("span", { class: "answer-times__also" }, r.also.map(short).join(" ; ")));
      rows.append(el("tr", null, name, el("td", null, String(r.asked)), el("td", null, String(r.answered)),
        el("td", null, days(r.median_days)), el("td", null, percent(r.unanswered_after_30)),
        el("td", null, percent(r.unanswered_after_60))));
    });
    return el("div", { class: "table-scroll" }, el("table", { class: "answer-times" }, el("thead", null, head), rows));
  }

  function filters(el, params) {
    var form = el("form", { class: "filters__grid answer-times__form", method: "get", action: "/answer-times" },
      el("label", null, "Par", el("select", { name: "by" },
        el("option", { value: "addressee" }, "ministre"), el("option", { value: "portfolio" }, "portefeuille"))),
      el("label", null, "Session", el("input", { name: "session", type: "text", placeholder: "2023-2024" })),
      el("label", null, "Posées à partir du", el("input", { name: "from", type: "date" })),
      el("label", null, "Posées jusqu'au", el("input", { name: "to", type: "date" })),
      el("label", null, "Assemblée", el("input", { name: "assembly", type: "text" })),
      el("button", { type: "submit" }, "Afficher"));
    FIELDS.forEach(function (name) { form.elements[name].value = params.get(name) || (name === "by" ? "addressee" : ""); });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var next = new URLSearchParams();
      new FormData(form).forEach(function (value, name) { if (String(value).trim()) next.set(name, String(value).trim()); });
      location.assign("/answer-times?" + next.toString());
    });
    return form;
  }

  function render(page) {
    var el = page.el;
    var params = new URLSearchParams(location.search);
    var api = new URLSearchParams();
    FIELDS.forEach(function (name) { if (params.get(name)) api.set(name, params.get(name)); });
    document.title = "Délais de réponse — semsearch";
    page.say("Chargement…");
    page.getJson("/stats/addressees?" + api.toString()).then(function (body) {
      var figure = el("figure", { class: "chart-box" });
      var caption = el("figcaption", null, "Délai médian entre la question et la réponse (traits : 30 et 60 jours). " +
        "Les parts « sans réponse » comptent les questions posées depuis au moins 30 ou 60 jours au " +
        new Date(body.as_of + "T00:00:00Z").toLocaleDateString("fr-BE", { timeZone: "UTC" }) + ".");
      var rows = body.rows;
      rows.by = body.by;
      var draw = function () {
        var width = Math.max(280, Math.floor(figure.clientWidth || 600));
        figure.replaceChildren(chart(rows, width), caption);
      };
      page.say(rows.length ? "" : "Aucune question ne correspond.");
      page.view.replaceChildren(el("h1", null, "Délais de réponse"), filters(el, params), figure, table(el, body));
      draw();
      var timer = null;
      window.addEventListener("resize", function () { clearTimeout(timer); timer = setTimeout(draw, 150); });
    }).catch(function (error) {
      page.say("Erreur : " + error.message, true);
    });
  }

  window.SemsearchAnswerTimes = { render: render };
})();
