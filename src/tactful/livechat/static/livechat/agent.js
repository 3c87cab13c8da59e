/*
 * The chat pane on a chat ticket's page: follows the visitor in real time over
 * /chat/ws/agent/<ticket>/ (session cookie, same origin) and sends quick replies through the
 * same service as the reply form. Text is only ever set with textContent.
 */
(() => {
  "use strict";
  const pane = document.getElementById("livechat");
  if (!pane) return;
  const ticket = pane.dataset.ticket;
  const url = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/chat/ws/agent/${ticket}/`;
  const statusNode = pane.querySelector(".livechat-status");
  const visitorNode = pane.querySelector(".livechat-visitor");
  const log = pane.querySelector(".livechat-log");
  const empty = pane.querySelector(".livechat-empty");
  const typing = pane.querySelector(".livechat-typing");
  const form = pane.querySelector(".livechat-send");
  const textarea = pane.querySelector("#livechat-body");
  const errorNode = pane.querySelector(".livechat-error");
  const seen = new Set();
  let socket = null;
  let attempts = 0;
  let typingTimer = null;
  let refused = false;
  let opened = false;

  const setStatus = (state, text) => {
    statusNode.dataset.state = state;
    statusNode.textContent = text;
  };
  const showError = (text) => {
    errorNode.textContent = text || "";
    errorNode.hidden = !text;
  };

  const show = (message) => {
    if (!message || seen.has(message.id)) return;
    seen.add(message.id);
    empty.hidden = true;
    const item = document.createElement("li");
    item.className = `livechat-msg from-${message.from}`;
    const meta = document.createElement("span");
    meta.className = "meta";
    const who = message.from === "visitor" ? pane.dataset.visitor : message.author;
    const when = new Date(message.at);
    meta.textContent = `${who} · ${Number.isNaN(when.getTime()) ? "" : when.toLocaleTimeString()}`;
    const body = document.createElement("span");
    body.className = "body";
    body.textContent = String(message.body || "");
    item.append(meta, body);
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    if (message.from === "visitor") typing.hidden = true;
  };

  const onFrame = (event) => {
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch (error) {
      return;
    }
    if (frame.type === "state") {
      attempts = 0;
      visitorNode.textContent = frame.visitor || "";
      if (frame.converted) setStatus("email", pane.dataset.byEmail);
      else setStatus(frame.online ? "online" : "offline", frame.online ? pane.dataset.online : pane.dataset.offline);
    } else if (frame.type === "presence") {
      if (statusNode.dataset.state !== "email" || frame.online) {
        setStatus(frame.online ? "online" : "offline", frame.online ? pane.dataset.online : pane.dataset.offline);
      }
    } else if (frame.type === "message") {
      show(frame.message);
    } else if (frame.type === "typing") {
      typing.hidden = false;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => (typing.hidden = true), 5000);
    } else if (frame.type === "sent") {
      textarea.value = "";
      textarea.disabled = false;
      showError("");
    } else if (frame.type === "error") {
      textarea.disabled = false;
      showError(String(frame.detail || frame.code));
    }
  };

  const connect = () => {
    setStatus("connecting", attempts ? pane.dataset.lost : pane.dataset.connecting);
    const ws = new WebSocket(url);
    socket = ws;
    ws.addEventListener("open", () => {
      opened = true;
    });
    ws.addEventListener("message", onFrame);
    ws.addEventListener("close", (event) => {
      socket = null;
      textarea.disabled = false;
      // Refused at the handshake (not logged in, not allowed): no point in retrying.
      if (event.code === 4403 || (!opened && attempts >= 3)) {
        refused = true;
        setStatus("refused", pane.dataset.refused);
        return;
      }
      opened = false;
      attempts += 1;
      setStatus("connecting", pane.dataset.lost);
      setTimeout(connect, Math.min(30000, 1000 * 2 ** attempts));
    });
  };

  const send = () => {
    const body = textarea.value.trim();
    if (!body || !socket || socket.readyState !== WebSocket.OPEN || refused) return;
    textarea.disabled = true;
    socket.send(JSON.stringify({ type: "reply", body }));
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  });
  connect();
})();
