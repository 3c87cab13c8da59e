/* Suggested articles in the reply box: "Insert link" / "Insert summary" put the article's text
 * where the cursor is, apart from what the agent wrote around it, and fire an `input` event so
 * the coach reviews the draft again. The list itself comes from the server (htmx). */
(function () {
  "use strict";

  function insertAtCursor(box, text) {
    var start = typeof box.selectionStart === "number" ? box.selectionStart : box.value.length;
    var end = typeof box.selectionEnd === "number" ? box.selectionEnd : start;
    var before = box.value.slice(0, start);
    var after = box.value.slice(end);
    var prefix = before && !/\s$/.test(before) ? "\n\n" : "";
    var suffix = after && !/^\s/.test(after) ? "\n\n" : "";
    box.value = before + prefix + text + suffix + after;
    var caret = before.length + prefix.length + text.length;
    box.focus();
    box.setSelectionRange(caret, caret);
    box.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-kb-insert]") : null;
    if (!button) return;
    event.preventDefault();
    var box = document.getElementById("id_reply_body");
    if (box) insertAtCursor(box, button.getAttribute("data-kb-insert") || "");
  });
})();
