/*
 * semsearch related-questions widget. On any page:
 *
 *   <div data-semsearch-related="QUESTION_ID"></div>
 *   <script src="https://HOST/widget.js" async></script>
 *
 * Optional attributes on the div:
 *   data-semsearch-link="https://site/question/{id}"  where items link to ({id} is replaced;
 *                                                      default: this server's /q/{id} page)
 *   data-semsearch-limit="5"                          how many questions (1 to 20)
 *   data-semsearch-label="Questions liées"            the list's accessible name
 *
 * It renders a plain <ul class="semsearch-related"> for the host to style; each item that is a
 * close precedent has a marker, <span class="semsearch-related__closeness
 * semsearch-related__closeness--same-question">même question</span> (or --closely-related,
 * --same-topic), unstyled like the rest. It never throws
 * into the host page: when the API is down or the id unknown it renders nothing and sets
 * data-semsearch-state="error" on the div ("empty" when there is nothing related).
 * Pages that add divs later call window.SemsearchWidget.scan().
 */
(function () {
  "use strict";

  var TIMEOUT_MS = 8000;
  var LABELS = { "same question": "même question", "closely related": "étroitement liée", "same topic": "même sujet" };

  function scriptBase() {
    try {
      var script = document.currentScript;
      if (!script) {
        var candidates = document.querySelectorAll("script[src*='widget.js']");
        script = candidates[candidates.length - 1];
      }
      // The API is wherever this script came from, e.g. https://host/widget.js -> https://host/
      return new URL(".", script ? script.src : location.href).href;
    } catch (e) {
      return location.origin + "/";
    }
  }

  var BASE = scriptBase();

  function shortDate(iso) {
    var p = (iso || "").split("-");
    return p.length === 3 ? p[2] + "/" + p[1] + "/" + p[0] : iso || "";
  }

  function linkFor(pattern, id) {
    var url = new URL(pattern.split("{id}").join(encodeURIComponent(id)), location.href);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : "#";
  }

  function span(className, text) {
    var node = document.createElement("span");
    node.className = className;
    node.textContent = text;
    return node;
  }

  function item(hit, pattern) {
    var li = document.createElement("li");
    li.className = "semsearch-related__item";
    var a = document.createElement("a");
    a.className = "semsearch-related__link";
    a.href = linkFor(pattern, hit.id);
    a.textContent = hit.title;
    li.appendChild(a);
    var meta = document.createElement("span");
    meta.className = "semsearch-related__meta";
    var parts = [];
    if (hit.date_asked) {
      var time = document.createElement("time");
      time.dateTime = hit.date_asked;
      time.textContent = shortDate(hit.date_asked);
      meta.appendChild(time);
    }
    if (hit.author) parts.push(hit.author);
    if (hit.addressee) parts.push("→ " + hit.addressee);
    if (parts.length) meta.appendChild(document.createTextNode((hit.date_asked ? ", " : "") + parts.join(" ")));
    meta.appendChild(document.createTextNode(" — "));
    meta.appendChild(span("semsearch-related__status semsearch-related__status--" +
      (hit.answered ? "answered" : "unanswered"), hit.answered ? "répondue" : "sans réponse"));
    if (LABELS[hit.closeness]) {
      li.appendChild(document.createTextNode(" "));
      li.appendChild(span("semsearch-related__closeness semsearch-related__closeness--" +
        hit.closeness.replace(/ /g, "-"), LABELS[hit.closeness]));
    }
    li.appendChild(document.createTextNode(" "));
    li.appendChild(meta);
    return li;
  }

  function render(container) {
    var id = container.getAttribute("data-semsearch-related");
    if (!id) return;
    var limit = Math.min(20, Math.max(1, parseInt(container.getAttribute("data-semsearch-limit"), 10) || 5));
    var pattern = container.getAttribute("data-semsearch-link") || BASE + "q/{id}";
    var label = container.getAttribute("data-semsearch-label") || "Questions liées";
    container.setAttribute("data-semsearch-state", "loading");
    container.setAttribute("aria-busy", "true");
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller && setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    var url = BASE + "questions/" + encodeURIComponent(id) + "/related?limit=" + limit;
    fetch(url, { credentials: "omit", signal: controller ? controller.signal : undefined })
      .then(function (response) {
        if (!response.ok) throw new Error("semsearch: " + response.status);
        return response.json();
      })
      .then(function (body) {
        var results = (body && body.results) || [];
        var list = document.createElement("ul");
        list.className = "semsearch-related";
        list.setAttribute("aria-label", label);
        results.forEach(function (hit) { list.appendChild(item(hit, pattern)); });
        container.replaceChildren ? container.replaceChildren() : (container.textContent = "");
        if (results.length) container.appendChild(list);
        container.setAttribute("data-semsearch-state", results.length ? "done" : "empty");
      })
      .catch(function () {
        container.setAttribute("data-semsearch-state", "error");
      })
      .then(function () {
        if (timer) clearTimeout(timer);
        container.removeAttribute("aria-busy");
      });
  }

  function scan() {
    try {
      var containers = document.querySelectorAll("[data-semsearch-related]:not([data-semsearch-state])");
      Array.prototype.forEach.call(containers, function (container) {
        try {
          render(container);
        } catch (e) {
          container.setAttribute("data-semsearch-state", "error");
        }
      });
    } catch (e) {
      // Never break the host page.
    }
  }

  try {
    window.SemsearchWidget = { scan: scan };
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", scan);
    } else {
      scan();
    }
  } catch (e) {
    // Never break the host page.
  }
})();
