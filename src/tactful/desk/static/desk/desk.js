// The desk's small behaviours: the inbox's selection bar and the keyboard shortcuts. No
// framework; htmx swaps the list, so listeners are delegated from the document and survive
// every swap.
(function () {
  "use strict";

  // --- selecting tickets in the inbox ------------------------------------------------------
  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll('input[name="tickets"][form="bulk"]'));
  }

  function refreshBulk() {
    var form = document.querySelector("[data-bulk]");
    if (!form) return;
    var all = boxes();
    var picked = all.filter(function (box) { return box.checked; }).length;
    var count = form.querySelector("[data-bulk-count]");
    count.textContent = picked
      ? count.getAttribute("data-some").replace("%(n)s", String(picked))
      : count.getAttribute("data-none");
    form.classList.toggle("active", picked > 0);
    form.querySelector("[data-bulk-apply]").disabled = picked === 0;
    var master = document.querySelector("[data-bulk-all]");
    if (master) {
      master.checked = picked > 0 && picked === all.length;
      master.indeterminate = picked > 0 && picked < all.length;
    }
    all.forEach(function (box) {
      var row = box.closest("tr");
      if (row) row.classList.toggle("picked", box.checked);
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-bulk-all]")) {
      boxes().forEach(function (box) { box.checked = target.checked; });
      refreshBulk();
    } else if (target.matches && target.matches('input[name="tickets"]')) {
      refreshBulk();
    }
  });
  document.addEventListener("DOMContentLoaded", refreshBulk);
  document.addEventListener("htmx:afterSwap", refreshBulk);

  // --- keyboard shortcuts --------------------------------------------------------------------
  // Agents who answer hundreds of tickets a day live on the keyboard. A shortcut never fires
  // while the agent types in a field (or holds Ctrl/Alt/Cmd): "r" in a reply is a letter.
  var ORDER_KEY = "tactful.inbox.order";

  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    if (tag === "input") {
      // A ticked checkbox or a focused button is not typing: the shortcuts go on working.
      return !/^(checkbox|radio|button|submit|reset)$/.test(target.type);
    }
    return tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("tr.ticket-row"));
  }

  // The inbox remembers its order so that the ticket page can go to the next or previous one.
  function rememberOrder() {
    var numbers = rows().map(function (row) { return row.getAttribute("data-ticket"); });
    if (!numbers.length) return;
    try {
      sessionStorage.setItem(ORDER_KEY, JSON.stringify({ numbers: numbers, inbox: location.pathname + location.search }));
    } catch (e) { /* private mode: next/previous simply stay on the inbox */ }
  }

  function storedOrder() {
    try { return JSON.parse(sessionStorage.getItem(ORDER_KEY) || "null"); } catch (e) { return null; }
  }

  function moveInInbox(step) {
    var all = rows();
    if (!all.length) return;
    var current = all.findIndex(function (row) { return row.classList.contains("focused"); });
    var next = current < 0 ? (step > 0 ? 0 : all.length - 1) : Math.max(0, Math.min(all.length - 1, current + step));
    all.forEach(function (row) { row.classList.remove("focused"); row.removeAttribute("aria-current"); });
    all[next].classList.add("focused");
    all[next].setAttribute("aria-current", "true");
    var link = all[next].querySelector(".subject a");
    if (link) link.focus({ preventScroll: true });
    all[next].scrollIntoView({ block: "nearest" });
  }

  function focusedRow() {
    return document.querySelector("tr.ticket-row.focused");
  }

  function moveFromTicket(step) {
    var page = document.querySelector("[data-ticket-page]");
    var order = storedOrder();
    if (!page || !order) return;
    var index = order.numbers.indexOf(page.getAttribute("data-ticket-page"));
    var next = order.numbers[index + step];
    if (index >= 0 && next) location.href = "/tickets/" + next + "/";
  }

  function submitWith(selector, field, value) {
    var form = document.querySelector(selector);
    if (!form) return false;
    var input = form.querySelector('[name="' + field + '"]');
    if (!input) return false;
    input.value = value;
    if (input.value !== value) return false; // the option is not offered to this agent
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
    return true;
  }

  function focusField(selector) {
    var field = document.querySelector(selector);
    if (!field) return false;
    field.scrollIntoView({ block: "center" });
    field.focus();
    return true;
  }

  function toggleHelp() {
    var help = document.getElementById("shortcuts-help");
    if (!help) return;
    if (help.open) help.close(); else help.showModal();
  }

  var onInbox = {
    j: function () { moveInInbox(1); },
    k: function () { moveInInbox(-1); },
    o: function () { var row = focusedRow(); if (row) row.querySelector(".subject a").click(); },
    Enter: function () { var row = focusedRow(); if (row) row.querySelector(".subject a").click(); },
    x: function () {
      var row = focusedRow();
      var box = row && row.querySelector('input[name="tickets"]');
      if (box) { box.checked = !box.checked; refreshBulk(); }
    },
    "/": function () { focusField("#id_q"); },
  };

  var onTicket = {
    j: function () { moveFromTicket(1); },
    k: function () { moveFromTicket(-1); },
    r: function () { focusField("#id_reply_body"); },
    n: function () { focusField("#id_note_body"); },
    a: function () { submitWith("form[data-shortcut=assign]", "assignee", "me"); },
    s: function () { submitWith("form[data-shortcut=status]", "status", "solved"); },
    c: function () { focusField(".canned-search"); },
    "/": function () { focusField(".canned-search"); },
    u: function () {
      var order = storedOrder();
      location.href = order ? order.inbox : "/inbox/";
    },
  };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape" && typing(event.target)) { event.target.blur(); return; }
    if (typing(event.target)) return;
    if (event.key === "?") { event.preventDefault(); toggleHelp(); return; }
    var help = document.getElementById("shortcuts-help");
    if (help && help.open) return;
    var table = document.querySelector("[data-ticket-page]") ? onTicket : (rows().length ? onInbox : null);
    if (!table) return;
    // Enter on a focused link opens it already; only a focused row without link focus needs us.
    if (event.key === "Enter" && event.target.tagName && event.target.tagName.toLowerCase() === "a") return;
    var action = table[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-shortcuts-help]")) toggleHelp();
  });
  document.addEventListener("DOMContentLoaded", rememberOrder);
  document.addEventListener("htmx:afterSwap", rememberOrder);

  // Behaviour that templates once wrote inline (onchange=, onsubmit=, onclick=), which the
  // Content-Security-Policy forbids: data- attributes, handled here for every page.
  document.addEventListener("change", function (event) {
    var field = event.target.closest && event.target.closest("[data-autosubmit]");
    if (field && field.form) field.form.submit();
  });
  document.addEventListener("submit", function (event) {
    var ask = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (ask && !window.confirm(ask)) event.preventDefault();
  }, true);
  document.addEventListener("click", function (event) {
    var field = event.target.closest && event.target.closest("[data-select-on-click]");
    if (field && field.select) field.select();
  });
})();
