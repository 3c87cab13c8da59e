/* Live coaching on the ticket page (tactful.coaching).
 *
 * The review itself is declarative htmx (see coaching/_reply_coach.html): the reply textarea's
 * `input` events, debounced, post the draft; `hx-sync="this:replace"` aborts a review still in
 * flight when a newer one starts. This script adds what htmx does not do on its own:
 * - a refused draft (400: too long) or an unavailable coach (503) is swapped in, so the agent
 *   sees why;
 * - "Insert paraphrase" fetches the coach's paraphrase of the customer's latest message,
 *   puts it at the start of the draft and fires `input`, which re-reviews the draft.
 */
(function () {
  "use strict";

  window.tactfulHasDraft = function () {
    var box = document.getElementById("id_reply_body");
    return Boolean(box && box.value.trim());
  };

  // A draft already in the box when the page loads is reviewed at once. An event rather than an
  // htmx filter expression (load[…]), which htmx would have to eval: the CSP forbids eval.
  htmx.onLoad(function (element) {
    var coach = element.id === "reply-coach" ? element : element.querySelector("#reply-coach");
    if (coach && window.tactfulHasDraft()) htmx.trigger(coach, "tactful-draft");
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var status = event.detail.xhr.status;
    if (target && target.id === "reply-coach" && (status === 400 || status === 503)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-coach-paraphrase]");
    if (!button) {
      return;
    }
    event.preventDefault();
    var box = document.getElementById("reply-coach-box");
    var draft = document.getElementById("id_reply_body");
    var status = box.querySelector("[data-coach-status]");
    if (!draft) {
      return;
    }
    button.disabled = true;
    status.textContent = "";
    fetch(box.dataset.paraphraseUrl, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok, data: data };
        });
      })
      .then(function (answer) {
        if (!answer.ok) {
          status.textContent = answer.data.detail || "";
          return;
        }
        var rest = draft.value.replace(/^\s+/, "");
        draft.value = answer.data.text + (rest ? "\n\n" + rest : "");
        draft.focus();
        draft.setSelectionRange(answer.data.text.length, answer.data.text.length);
        draft.dispatchEvent(new Event("input", { bubbles: true }));
      })
      .catch(function () {
        status.textContent = button.dataset.failed || "";
      })
      .finally(function () {
        button.disabled = false;
      });
  });
})();
