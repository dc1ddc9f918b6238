// The search page and the detail view (/q/ID). Text from the API only ever enters the page
// as text nodes (never innerHTML), so a question can't inject markup.
(function () {
  "use strict";

  var PAGE_SIZE = 10;
  var EXPORT_SIZE = 100;
  var FILTERS = ["from", "to", "author", "addressee", "answered", "closeness"];
  // Routing weighs the precedents of any minister, answered or not: only the period applies
  // (filtering by minister or label would decide the answer).
  var ROUTE_FILTERS = ["from", "to"];
  // The precedent labels, closest first, as the page says them.
  var LABELS = { "same question": "même question", "closely related": "étroitement liée", "same topic": "même sujet" };
  // Too common to be worth marking in a passage.
  var STOPWORDS = new Set(("les des une est que qui pour par dans sur aux avec son ses ces cette " +
    "mais ont pas plus sont été vous nous leur leurs elle ils quel quelle quels quelles").split(" "));
  var KIND = { question: "Question", answer: "Réponse" };

  var view = document.getElementById("view");
  var notice = document.getElementById("notice");
  var statusLine = document.getElementById("status");
  var form = document.getElementById("search-form");

  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (attrs[name] !== null && attrs[name] !== undefined) node.setAttribute(name, attrs[name]);
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function say(text, isError) {
    statusLine.textContent = text;
    statusLine.classList.toggle("error", Boolean(isError));
  }

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  // Query words cut to five letters, as a crude stem: "primes" marks "prime" and "primes".
  function stems(query) {
    var found = fold(query).match(/[\p{L}\p{N}]+/gu) || [];
    return found.filter(function (w) { return w.length > 2 && !STOPWORDS.has(w); })
      .map(function (w) { return w.slice(0, 5); });
  }

  function highlight(text, wanted) {
    var fragment = document.createDocumentFragment();
    var last = 0;
    var words = /[\p{L}\p{N}]+/gu;
    var match;
    while ((match = words.exec(text)) !== null) {
      var word = fold(match[0]);
      if (word.length > 2 && wanted.some(function (s) { return word.startsWith(s); })) {
        fragment.append(text.slice(last, match.index), el("mark", null, match[0]));
        last = match.index + match[0].length;
      }
    }
    fragment.append(text.slice(last));
    return fragment;
  }

  function longDate(iso) {
    if (!iso) return "";
    var p = iso.split("-").map(Number);
    return new Intl.DateTimeFormat("fr-BE", { dateStyle: "long", timeZone: "UTC" })
      .format(new Date(Date.UTC(p[0], p[1] - 1, p[2])));
  }

  function safeUrl(url) {
    try {
      var parsed = new URL(url, location.href);
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  function getJson(path) {
    return fetch(path, { headers: { Accept: "application/json" } }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) throw new Error(body.detail || "erreur " + response.status);
        return body;
      });
    });
  }

  function metaLine(q) {
    var parts = [q.assembly];
    if (q.session) parts.push("session " + q.session);
    if (q.number) parts.push("n° " + q.number);
    if (q.date_asked) parts.push("posée le " + longDate(q.date_asked));
    var who = q.author || "";
    if (q.addressee) who += (who ? " → " : "à ") + q.addressee;
    if (who) parts.push(who);
    var answered = q.answered || (q.answer && q.answer.length > 0);
    var badge = el("span", { class: "badge" + (answered ? " answered" : "") },
      answered ? (q.date_answered ? "réponse du " + longDate(q.date_answered) : "avec réponse") : "sans réponse");
    return el("p", { class: "meta" }, parts.join(" · ") + " · ", badge);
  }

  function questionLink(id) {
    return "/q/" + encodeURIComponent(id);
  }

  function slug(label) {
    return label.replace(/ /g, "-");
  }

  // The precedent label, in French; "same question" is why a cabinet looks: it stands out.
  function closenessBadge(hit) {
    if (!hit.closeness || !LABELS[hit.closeness]) return null;
    var similarity = typeof hit.similarity === "number" ? " (similarité " + hit.similarity.toFixed(2) + ")" : "";
    return el("span", { class: "closeness closeness--" + slug(hit.closeness), title: "Proximité" + similarity },
      hit.closeness === "same question" ? "Déjà posée : « même question »" : "« " + LABELS[hit.closeness] + " »");
  }

  function renderHit(hit, wanted) {
    var passages = el("ul", { class: "passages" });
    hit.passages.forEach(function (p) {
      if (p.kind === "title") return;  // the heading above already shows it, marked
      var kind = KIND[p.kind] + ", § " + p.paragraph;
      passages.append(el("li", { class: "passage" }, el("span", { class: "passage__kind" }, kind),
        highlight(p.text, wanted)));
    });
    var same = hit.closeness === "same question";
    return el("li", { class: "result" + (same ? " result--same" : "") },
      el("article", null, closenessBadge(hit),
        el("h2", null, el("a", { href: questionLink(hit.id) }, highlight(hit.title, wanted))),
        metaLine(hit), passages));
  }

  function percent(share) {
    return Math.round(100 * share) + " %";
  }

  // "Which minister should this go to": one line above the results, the precedents on demand.
  function renderRoute(routing) {
    if (!routing.candidates.length) return null;
    var summary = el("summary", null, "À adresser à : ");
    routing.candidates.forEach(function (c, i) {
      summary.append(i ? " · " : "", el("strong", null, c.addressee), " (" + percent(c.share) + ")");
    });
    var list = el("ol", { class: "route__list" });
    routing.candidates.forEach(function (c) {
      var names = c.portfolio && c.names.length ? " — " + c.names.join(", ") : "";
      var precedents = el("ul", null);
      c.precedents.forEach(function (p) {
        precedents.append(el("li", null, el("a", { href: questionLink(p.id) }, p.title),
          p.date_asked ? " (" + longDate(p.date_asked) + ")" : ""));
      });
      list.append(el("li", null, el("strong", null, c.addressee), names + " : " + percent(c.share) +
        " des " + routing.evidence + " précédents les plus proches (" + c.questions + " questions)", precedents));
    });
    return el("details", { class: "route" }, summary, list);
  }

  function apiParams(params, names, extra) {
    var api = new URLSearchParams(extra);
    names.forEach(function (name) { if (params.get(name)) api.set(name, params.get(name)); });
    return api;
  }

  // Export the search (the first hundred results) and follow it in a feed reader.
  function renderTools(params, q) {
    var csv = apiParams(params, FILTERS, { q: q, limit: String(EXPORT_SIZE), format: "csv" });
    var jsonl = apiParams(params, FILTERS, { q: q, limit: String(EXPORT_SIZE), format: "jsonl" });
    var feed = apiParams(params, FILTERS.filter(function (n) { return n !== "closeness"; }),
      { q: q, closeness: params.get("closeness") || "same-topic" });
    var feedUrl = "/search.atom?" + feed.toString();
    var old = document.querySelector("link[rel=alternate][type='application/atom+xml']");
    if (old) old.remove();
    document.head.append(el("link", { rel: "alternate", type: "application/atom+xml", title: "semsearch : " + q, href: feedUrl }));
    return el("p", { class: "tools" },
      "Télécharger : ", el("a", { href: "/search?" + csv.toString(), download: "" }, "CSV"), " · ",
      el("a", { href: "/search?" + jsonl.toString(), download: "" }, "JSON Lines"), " · ",
      el("a", { href: feedUrl, class: "follow" }, "Suivre cette recherche (Atom)"));
  }

  // A server on an empty index answers, and says so here, with what builds one.
  function checkIndex() {
    return getJson("/stats").then(function (stats) {
      if (stats.questions > 0) return false;
      notice.replaceChildren("L'index est vide : aucune question à chercher. Construisez-le avec ",
        el("code", null, "semsearch index DOSSIER"), " (ou envoyez des questions à ",
        el("code", null, "POST /questions"), "), puis rechargez la page.");
      notice.hidden = false;
      return true;
    }).catch(function () { return false; });
  }

  function pageUrl(params, page) {
    var next = new URLSearchParams(params);
    if (page > 1) next.set("page", String(page)); else next.delete("page");
    return "/?" + next.toString();
  }

  function renderSearch(params) {
    var q = (params.get("q") || "").trim();
    form.elements.q.value = q;
    FILTERS.forEach(function (name) { form.elements[name].value = params.get(name) || ""; });
    if (FILTERS.some(function (name) { return params.get(name); })) form.querySelector("details").open = true;
    if (!q) {
      checkIndex();
      return;
    }
    var page = Math.max(1, parseInt(params.get("page") || "1", 10) || 1);
    var api = apiParams(params, FILTERS, { q: q, limit: String(PAGE_SIZE), offset: String((page - 1) * PAGE_SIZE) });
    document.title = q + " — semsearch";
    say("Recherche…");
    // The route is asked beside the search; a failure leaves the line out, not the results.
    var routed = page > 1 ? Promise.resolve(null) :
      getJson("/route?" + apiParams(params, ROUTE_FILTERS, { q: q }).toString()).catch(function () { return null; });
    Promise.all([getJson("/search?" + api.toString()), routed]).then(function (answers) {
      var body = answers[0];
      var wanted = stems(q);
      var first = body.offset + 1;
      var same = body.results.filter(function (h) { return h.closeness === "same question"; }).length;
      say(body.results.length
        ? "Questions " + first + " à " + (body.offset + body.results.length) + " (page " + page + ")" +
          (same ? " — déjà posée : " + same + " « même question »" : "")
        : page > 1 ? "Plus de résultats." : "Aucune question trouvée.");
      if (!body.results.length && page === 1) checkIndex();
      var list = el("ol", { class: "results", start: String(first) });
      body.results.forEach(function (hit) { list.append(renderHit(hit, wanted)); });
      var pager = el("nav", { class: "pager", "aria-label": "Pages de résultats" },
        page > 1 ? el("a", { href: pageUrl(params, page - 1), rel: "prev" }, "← Précédentes") : el("span"),
        body.next_offset !== null ? el("a", { href: pageUrl(params, page + 1), rel: "next" }, "Suivantes →") : null);
      view.replaceChildren(answers[1] ? renderRoute(answers[1]) || "" : "", renderTools(params, q), list, pager);
    }).catch(function (error) {
      say("Erreur : " + error.message, true);
    });
  }

  function paragraphs(texts) {
    return texts.map(function (t) { return el("p", null, t); });
  }

  function renderDetail(id) {
    form.elements.q.removeAttribute("autofocus");
    say("Chargement…");
    getJson("/questions/" + encodeURIComponent(id)).then(function (q) {
      document.title = q.title + " — semsearch";
      say("");
      var fromSearch = document.referrer && new URL(document.referrer).origin === location.origin &&
        new URL(document.referrer).pathname === "/";
      var back = el("a", { href: fromSearch ? document.referrer : "/" },
        fromSearch ? "← Retour aux résultats" : "← Nouvelle recherche");
      var facts = el("dl");
      [["Assemblée", q.assembly], ["Session", q.session], ["Numéro", q.number],
        ["Posée le", longDate(q.date_asked)], ["Auteur", q.author],
        ["Ministre", q.addressee ? q.addressee + (q.addressee_role ? ", " + q.addressee_role : "") : null],
        ["Réponse du", longDate(q.date_answered)], ["Répondue par", q.answered_by]]
        .forEach(function (row) { if (row[1]) facts.append(el("dt", null, row[0]), el("dd", null, row[1])); });
      var source = q.url && safeUrl(q.url);
      if (source) facts.append(el("dt", null, "Source"), el("dd", null, el("a", { href: source }, source)));
      var related = el("div", { "data-semsearch-related": q.id, "data-semsearch-limit": "5" });
      var article = el("article", { class: "detail" },
        el("p", null, back),
        el("h1", { tabindex: "-1" }, q.title),
        facts,
        el("section", { "aria-labelledby": "h-question" }, el("h2", { id: "h-question" }, "Question"),
          ...paragraphs(q.question)),
        el("section", { "aria-labelledby": "h-answer" }, el("h2", { id: "h-answer" }, "Réponse"),
          ...(q.answer.length ? paragraphs(q.answer) : [el("p", { class: "meta" }, "Pas encore de réponse.")])),
        el("section", { "aria-labelledby": "h-related" }, el("h2", { id: "h-related" }, "Questions liées"),
          related));
      view.replaceChildren(article);
      article.querySelector("h1").focus();
      if (window.SemsearchWidget) window.SemsearchWidget.scan();
    }).catch(function (error) {
      say("Erreur : " + error.message, true);
      view.replaceChildren(el("p", null, el("a", { href: "/" }, "← Nouvelle recherche")));
    });
  }

  form.addEventListener("submit", function (event) {
    // Leave empty filters out of the address, so it stays short and shareable.
    event.preventDefault();
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (String(value).trim()) params.set(name, String(value).trim());
    });
    location.assign("/?" + params.toString());
  });

  if (location.pathname === "/answer-times" && window.SemsearchAnswerTimes) {
    form.hidden = true;
    window.SemsearchAnswerTimes.render({ view: view, say: say, el: el, getJson: getJson, questionLink: questionLink });
  } else if (location.pathname.indexOf("/q/") === 0) {
    var id;
    try {
      id = decodeURIComponent(location.pathname.slice(3));
    } catch (e) {
      id = location.pathname.slice(3);
    }
    renderDetail(id);
  } else {
    renderSearch(new URLSearchParams(location.search));
  }
})();
