/* The contact form suggests help-center articles as the customer types the message, before a
 * ticket exists. Articles come from /help/suggest/ (JSON) and are drawn with textContent only;
 * the session's key comes back with each answer, and sending the form anyway is reported with
 * a beacon, so the desk can count what suggestions spared (deflection).
 *
 * Markup: <div data-kb-suggest data-url="/help/suggest/" data-team="slug" data-lang="es"
 *              data-for="id_message" data-surface="form"></div> */
(function () {
  "use strict";

  var MIN_CHARS = 8;
  var DELAY_MS = 350;

  function start(box) {
    var field = document.getElementById(box.getAttribute("data-for"));
    if (!field) return;
    var url = box.getAttribute("data-url");
    var key = "";
    var timer = null;
    var lastAsked = "";
    var sequence = 0;

    function draw(answer) {
      box.replaceChildren();
      var articles = Array.isArray(answer.articles) ? answer.articles : [];
      if (!articles.length) {
        box.hidden = true;
        return;
      }
      var heading = document.createElement("p");
      heading.className = "kb-suggest-heading";
      heading.textContent = String(answer.heading || "");
      var list = document.createElement("ul");
      list.className = "kb-suggest-list";
      articles.forEach(function (article) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = String(article.url || "");
        link.target = "_blank";
        link.rel = "noopener";
        link.textContent = String(article.title || "");
        var summary = document.createElement("span");
        summary.className = "muted";
        summary.textContent = String(article.summary || "");
        item.append(link, document.createElement("br"), summary);
        list.appendChild(item);
      });
      box.append(heading, list);
      box.hidden = false;
    }

    function ask() {
      var text = field.value.trim();
      if (text.length < MIN_CHARS || text === lastAsked) return;
      lastAsked = text;
      var mine = ++sequence;
      var params = new URLSearchParams({
        q: text.slice(0, 2000),
        lang: box.getAttribute("data-lang") || "",
        team: box.getAttribute("data-team") || "",
        surface: box.getAttribute("data-surface") || "form",
        key: key,
      });
      fetch(url + "?" + params.toString(), { credentials: "omit" })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (answer) {
          if (!answer || mine !== sequence) return;
          if (answer.key) key = String(answer.key);
          draw(answer);
        })
        .catch(function () {
          /* suggestions are a help, never in the way */
        });
    }

    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, DELAY_MS);
    });
    if (field.form) {
      field.form.addEventListener("submit", function () {
        if (key && navigator.sendBeacon) navigator.sendBeacon(url + key + "/wrote/");
      });
    }
  }

  function init() {
    document.querySelectorAll("[data-kb-suggest]").forEach(start);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
