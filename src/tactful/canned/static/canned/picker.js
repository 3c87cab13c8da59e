/* Canned-response picker: insert a rendered template at the cursor of the reply box.
 *
 * The list itself comes from the server (htmx); this script only handles "Insert": it fetches
 * the rendered text, puts it where the cursor is, fires an `input` event so the live review
 * runs again, records the response id in the hidden `canned_ids` input, and keeps a short
 * "Fill in {{ … }} before sending" note visible while variables remain unfilled.
 */
(function () {
  "use strict";

  var UNFILLED = /\{\{\s*([^{}\s][^{}]{0,80}?)\s*\}\}/g;

  function replyBox() {
    return document.getElementById("id_reply_body");
  }

  function unfilledNames(text) {
    var names = [];
    var match;
    UNFILLED.lastIndex = 0;
    while ((match = UNFILLED.exec(text)) !== null) {
      var name = "{{ " + match[1].trim() + " }}";
      if (names.indexOf(name) === -1) names.push(name);
    }
    return names;
  }

  function showUnfilled(picker) {
    var note = picker.querySelector(".canned-unfilled");
    var box = replyBox();
    if (!note || !box) return;
    var names = unfilledNames(box.value);
    if (names.length === 0) {
      note.hidden = true;
      note.textContent = "";
      box.classList.remove("canned-has-unfilled");
      return;
    }
    note.textContent = picker.dataset.fillMessage.replace("%(names)s", names.slice(0, 5).join(", "));
    note.hidden = false;
    box.classList.add("canned-has-unfilled");
  }

  function rememberResponse(picker, responseId) {
    // The reply form's one hidden input, whichever picker inserted the text (the reply box's or
    // the hand-over panel's boundary list).
    var input =
      picker.querySelector("input[name=canned_ids]") || document.getElementById("id_canned_ids");
    if (!input) return;
    var ids = input.value ? input.value.split(",") : [];
    if (ids.indexOf(String(responseId)) === -1) ids.push(String(responseId));
    input.value = ids.join(",");
  }

  function insertAtCursor(box, text) {
    var start = typeof box.selectionStart === "number" ? box.selectionStart : box.value.length;
    var end = typeof box.selectionEnd === "number" ? box.selectionEnd : start;
    var before = box.value.slice(0, start);
    var after = box.value.slice(end);
    // Keep the template apart from what the agent already wrote around the cursor.
    var prefix = before && !/\s$/.test(before) ? "\n\n" : "";
    var suffix = after && !/^\s/.test(after) ? "\n\n" : "";
    box.value = before + prefix + text + suffix + after;
    var insertedFrom = before.length + prefix.length;
    var insertedTo = insertedFrom + text.length;
    box.focus();
    // Select the first variable still to fill, so typing replaces it; else put the cursor after.
    UNFILLED.lastIndex = 0;
    var first = UNFILLED.exec(text);
    if (first) {
      box.setSelectionRange(insertedFrom + first.index, insertedFrom + first.index + first[0].length);
    } else {
      box.setSelectionRange(insertedTo, insertedTo);
    }
    box.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function insert(picker, button) {
    var box = replyBox();
    if (!box) return;
    var url = picker.dataset.renderUrl.replace(/\/0\/$/, "/" + encodeURIComponent(button.dataset.variantId) + "/");
    button.disabled = true;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        insertAtCursor(box, data.text);
        rememberResponse(picker, data.response_id);
        showUnfilled(picker);
      })
      .catch(function () {
        var note = picker.querySelector(".canned-unfilled");
        if (note) {
          note.textContent = picker.dataset.errorMessage;
          note.hidden = false;
        }
      })
      .finally(function () {
        button.disabled = false;
      });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".canned-insert") : null;
    if (!button) return;
    var picker = button.closest(".canned-picker");
    if (!picker) return;
    event.preventDefault();
    insert(picker, button);
  });

  document.addEventListener("input", function (event) {
    if (!event.target || event.target.id !== "id_reply_body") return;
    var picker = document.getElementById("canned-picker");
    if (picker) showUnfilled(picker);
  });
})();
