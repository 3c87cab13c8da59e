/*
 * Tactful live chat widget. Embed with one tag on any site:
 *   <script src="https://DESK/chat/widget.js" data-team="TEAM_SLUG" async></script>
 * Optional: data-lang="en|es|ru" (default: the browser's language).
 *
 * Everything lives in a Shadow DOM under a <tactful-chat> element, so the page's CSS cannot
 * break the widget and the widget's CSS cannot leak into the page. Text from visitors and
 * agents is only ever set with textContent. Messages get a UUID made here and stay in an
 * outbox (localStorage) until the desk acknowledges them, so a reload or a dropped connection
 * loses nothing and a resend is stored once.
 */
(() => {
  "use strict";

  const STRINGS = /*STRINGS*/{};
  const MAX_CHARS = /*MAX_CHARS*/2000;
  const PING_EVERY_MS = 25000;
  const TYPING_EVERY_MS = 3000;
  const MAX_BACKOFF_MS = 30000;

  const script =
    document.currentScript ||
    document.querySelector('script[data-team][src*="/chat/widget.js"]');
  if (!script) return;
  const team = script.getAttribute("data-team") || "";
  const loaded = (window.__tactfulChat = window.__tactfulChat || {});
  if (!team || loaded[team]) return;
  loaded[team] = true;

  const desk = new URL(script.src, location.href);
  const socketUrl = `${desk.protocol === "https:" ? "wss:" : "ws:"}//${desk.host}/chat/ws/visitor/`;

  const pickLanguage = (value) => {
    const primary = String(value || "").toLowerCase().split(/[-_]/)[0];
    return STRINGS[primary] ? primary : "en";
  };
  const lang = pickLanguage(script.getAttribute("data-lang") || navigator.language);
  const t = (key, vars) => {
    let text = (STRINGS[lang] && STRINGS[lang][key]) || (STRINGS.en && STRINGS.en[key]) || key;
    for (const [name, value] of Object.entries(vars || {})) text = text.replace(`{${name}}`, () => value);
    return text;
  };

  // --- saved state: token, visitor details, unacknowledged messages ----------------------------
  const storageKey = `tactful-chat:${desk.host}:${team}`;
  const load = () => {
    try {
      const value = JSON.parse(window.localStorage.getItem(storageKey) || "{}");
      return value && typeof value === "object" ? value : {};
    } catch (error) {
      return {};
    }
  };
  const state = load();
  if (!Array.isArray(state.outbox)) state.outbox = [];
  const save = () => {
    try {
      window.localStorage.setItem(storageKey, JSON.stringify(state));
    } catch (error) {
      /* private mode or full storage: the chat still works for this page view */
    }
  };

  const uuid = () => {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      try {
        return window.crypto.randomUUID();
      } catch (error) {
        /* insecure context: fall through */
      }
    }
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };

  // --- DOM (inside a shadow root) -----------------------------------------------------------
  const CSS = `
    :host { all: initial; }
    *, *::before, *::after { box-sizing: border-box; }
    .root { position: fixed; right: 20px; bottom: 20px; z-index: 2147483647;
      font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2330; }
    button, input, textarea { font: inherit; color: inherit; margin: 0; }
    .launcher { width: 56px; height: 56px; border-radius: 50%; border: 0; cursor: pointer;
      background: #2f6fde; color: #fff; box-shadow: 0 4px 14px rgba(0,0,0,.25); font-size: 26px;
      display: flex; align-items: center; justify-content: center; position: relative; }
    .launcher:focus-visible, button:focus-visible, input:focus-visible, textarea:focus-visible {
      outline: 3px solid #9cc0ff; outline-offset: 2px; }
    .unread { position: absolute; top: 4px; right: 4px; width: 12px; height: 12px;
      border-radius: 50%; background: #c8372d; border: 2px solid #fff; }
    .panel { position: absolute; right: 0; bottom: 68px; width: 340px;
      max-width: calc(100vw - 40px); height: 480px; max-height: calc(100vh - 110px);
      display: flex; flex-direction: column; background: #fff; border-radius: 12px;
      box-shadow: 0 10px 30px rgba(0,0,0,.25); overflow: hidden; }
    [hidden] { display: none !important; }
    .head { background: #2f6fde; color: #fff; padding: 10px 12px; display: flex;
      align-items: center; gap: 8px; }
    .head h2 { font-size: 15px; margin: 0; flex: 1; font-weight: 600; }
    .status { font-size: 12px; opacity: .9; }
    .close { background: transparent; border: 0; color: #fff; font-size: 20px; cursor: pointer;
      line-height: 1; padding: 2px 6px; }
    .notice { margin: 0; padding: 6px 12px; font-size: 12.5px; background: #fff7e0; color: #5c4500; }
    .intro { padding: 14px 12px; display: flex; flex-direction: column; gap: 8px; overflow: auto; }
    .intro p { margin: 0; }
    .intro label { display: flex; flex-direction: column; gap: 3px; font-size: 12.5px; color: #4a5263; }
    .intro input { border: 1px solid #cfd5df; border-radius: 6px; padding: 7px 8px; background: #fff; }
    .hint { font-size: 12px; color: #6b7385; }
    .primary { background: #2f6fde; color: #fff; border: 0; border-radius: 6px; padding: 8px 12px;
      cursor: pointer; font-weight: 600; }
    .log { list-style: none; margin: 0; padding: 12px; flex: 1; overflow-y: auto; display: flex;
      flex-direction: column; gap: 8px; background: #f6f7f9; }
    .empty { color: #6b7385; font-size: 13px; text-align: center; margin: auto 0; }
    .msg { max-width: 85%; padding: 7px 10px; border-radius: 10px; white-space: pre-wrap;
      overflow-wrap: anywhere; }
    .msg .meta { display: block; font-size: 11px; color: #6b7385; margin-bottom: 2px; }
    .from-visitor { align-self: flex-end; background: #2f6fde; color: #fff; }
    .from-visitor .meta { color: #dbe6fb; }
    .from-agent { align-self: flex-start; background: #fff; border: 1px solid #dfe3ea; }
    .pending { opacity: .65; }
    .failed { background: #fde0dc; color: #7a1d16; }
    .composer { display: flex; gap: 6px; padding: 8px; border-top: 1px solid #dfe3ea; background: #fff; }
    .composer textarea { flex: 1; resize: none; border: 1px solid #cfd5df; border-radius: 6px;
      padding: 7px 8px; height: 40px; max-height: 120px; background: #fff; }
    .composer button { align-self: flex-end; }
  `;

  const make = (tag, props, children) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else if (key === "hidden") node.hidden = Boolean(value);
      else node.setAttribute(key, value);
    }
    for (const child of children || []) node.appendChild(child);
    return node;
  };

  const bubbleIcon = () => {
    // Drawn, not an emoji: pages and systems without an emoji font show it the same.
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "26");
    svg.setAttribute("height", "26");
    svg.setAttribute("aria-hidden", "true");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H10l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z");
    svg.appendChild(path);
    return svg;
  };

  const host = document.createElement("tactful-chat");
  // Inline !important beats any page rule that targets the host element itself.
  host.style.setProperty("all", "initial", "important");
  host.style.setProperty("display", "block", "important");
  host.setAttribute("data-team", team);
  const shadow = host.attachShadow({ mode: "open" });

  const unreadDot = make("span", { class: "unread", hidden: true, "aria-hidden": "true" });
  const launcher = make("button", { class: "launcher", type: "button", "aria-label": t("open"), title: t("title"), "aria-expanded": "false" }, [
    bubbleIcon(),
    unreadDot,
  ]);
  const status = make("span", { class: "status", role: "status" });
  const closeButton = make("button", { class: "close", type: "button", "aria-label": t("close"), text: "\u00D7" });
  const notice = make("p", { class: "notice", hidden: true, role: "alert" });
  const nameInput = make("input", { name: "name", type: "text", maxlength: "200", autocomplete: "name" });
  const emailInput = make("input", { name: "email", type: "email", maxlength: "254", autocomplete: "email" });
  const intro = make("form", { class: "intro", novalidate: "" }, [
    make("p", { text: t("intro") }),
    make("label", {}, [document.createTextNode(t("name")), nameInput]),
    make("label", {}, [document.createTextNode(t("email")), emailInput]),
    make("button", { class: "primary", type: "submit", text: t("start") }),
    make("p", { class: "hint", text: t("anonymous") }),
  ]);
  const log = make("ol", { class: "log", "aria-live": "polite", hidden: true });
  const emptyNote = make("li", { class: "empty", text: t("empty") });
  const textarea = make("textarea", { name: "body", rows: "1", maxlength: String(MAX_CHARS), placeholder: t("placeholder"), "aria-label": t("placeholder") });
  const composer = make("form", { class: "composer", hidden: true }, [
    textarea,
    make("button", { class: "primary", type: "submit", text: t("send") }),
  ]);
  const panel = make("div", { class: "panel", role: "dialog", "aria-label": t("title"), hidden: true }, [
    make("div", { class: "head" }, [make("h2", { text: t("title") }), status, closeButton]),
    notice,
    intro,
    log,
    composer,
  ]);
  const style = document.createElement("style");
  style.textContent = CSS;
  shadow.appendChild(style);
  shadow.appendChild(make("div", { class: "root", lang }, [panel, launcher]));

  const showNotice = (text) => {
    notice.textContent = text || "";
    notice.hidden = !text;
  };
  const setStatus = (key) => {
    status.textContent = key ? t(key) : "";
  };

  // --- the conversation ---------------------------------------------------------------------
  const rendered = new Map(); // server message id -> element
  const pendingNodes = new Map(); // client id -> element

  const formatTime = (iso) => {
    const date = iso ? new Date(iso) : new Date();
    return Number.isNaN(date.getTime()) ? "" : date.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
  };

  const bubble = (from, author, body, when) => {
    const who = from === "visitor" ? t("you") : author || t("support");
    return make("li", { class: `msg from-${from}` }, [
      make("span", { class: "meta", text: `${who} · ${when}` }),
      make("span", { class: "body", text: body }),
    ]);
  };

  const append = (node) => {
    if (emptyNote.parentNode) emptyNote.remove();
    log.appendChild(node);
    log.scrollTop = log.scrollHeight;
  };

  const showMessage = (message) => {
    if (!message || typeof message !== "object" || rendered.has(message.id)) return;
    const pending = message.client_id && pendingNodes.get(message.client_id);
    const node = bubble(message.from, message.author, String(message.body || ""), formatTime(message.at));
    if (pending) {
      pending.replaceWith(node);
      pendingNodes.delete(message.client_id);
    } else {
      append(node);
    }
    rendered.set(message.id, node);
    if (message.from === "agent" && panel.hidden) unreadDot.hidden = false;
  };

  const showPending = (item) => {
    if (pendingNodes.has(item.id)) return;
    const node = bubble("visitor", "", item.body, t("sending"));
    node.classList.add("pending");
    pendingNodes.set(item.id, node);
    append(node);
  };

  const resetLog = () => {
    rendered.clear();
    pendingNodes.clear();
    log.replaceChildren(emptyNote);
  };

  // --- the socket ---------------------------------------------------------------------------
  let socket = null;
  let ready = false; // the desk knows our session on this socket
  let attempts = 0;
  let reconnectTimer = null;
  let pingTimer = null;
  let flushTimer = null;
  let lastTyping = 0;
  let startRequest = null; // {name, email} waiting to be sent
  let unavailable = false;

  const sendFrame = (frame) => {
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(frame));
    return true;
  };

  const flushOutbox = () => {
    if (!ready) return;
    for (const item of state.outbox) sendFrame({ type: "message", id: item.id, body: item.body });
  };

  const flushLater = (ms) => {
    clearTimeout(flushTimer);
    flushTimer = setTimeout(flushOutbox, ms);
  };

  const wanted = () => !unavailable && Boolean(state.token || startRequest);

  const scheduleReconnect = () => {
    if (!wanted() || reconnectTimer) return;
    const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempts) * (0.75 + Math.random() * 0.5);
    attempts += 1;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      connect();
    }, delay);
  };

  const onSession = (frame) => {
    if (typeof frame.token === "string") state.token = frame.token;
    state.session = frame.session;
    state.email = frame.email || "";
    save();
    ready = true;
    attempts = 0;
    startRequest = null;
    setStatus("connected");
    intro.hidden = true;
    log.hidden = false;
    composer.hidden = false;
    resetLog();
    for (const message of Array.isArray(frame.history) ? frame.history : []) showMessage(message);
    for (const item of state.outbox) showPending(item);
    showNotice(state.email ? t("by_email", { email: state.email }) : t("come_back"));
    flushOutbox();
  };

  const onError = (frame) => {
    const code = frame.code;
    if (code === "session_unknown") {
      // The desk no longer knows this chat: start a new one (unsent messages are kept).
      delete state.token;
      save();
      ready = false;
      intro.hidden = false;
      log.hidden = true;
      composer.hidden = true;
      if (startRequest) sendFrame({ type: "start", team, lang, ...startRequest });
      return;
    }
    if (code === "unknown_team") {
      unavailable = true;
      showNotice(t("unavailable"));
      return;
    }
    if (code === "invalid" && frame.id) {
      // This message can never be stored (too long, empty…): drop it from the outbox.
      state.outbox = state.outbox.filter((item) => item.id !== frame.id);
      save();
      const node = pendingNodes.get(frame.id);
      if (node) {
        node.classList.remove("pending");
        node.classList.add("failed");
        node.querySelector(".meta").textContent = t("rejected");
        pendingNodes.delete(frame.id);
      }
      return;
    }
    if (code === "invalid") {
      showNotice(frame.field === "email" ? t("invalid_email") : String(frame.detail || t("error")));
      startRequest = null;
      return;
    }
    if (code === "rate_limited") {
      showNotice(t("slow_down"));
      flushLater(3000);
      return;
    }
    if (code === "server_error") {
      showNotice(t("error"));
      flushLater(5000);
    }
  };

  const onFrame = (event) => {
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch (error) {
      return;
    }
    if (!frame || typeof frame !== "object") return;
    if (frame.type === "session") onSession(frame);
    else if (frame.type === "ack") {
      state.outbox = state.outbox.filter((item) => item.id !== frame.id);
      save();
      showMessage(frame.message);
    } else if (frame.type === "message") showMessage(frame.message);
    else if (frame.type === "error") onError(frame);
  };

  const connect = () => {
    if (socket || !wanted()) return;
    setStatus(attempts ? "reconnecting" : "connecting");
    let ws;
    try {
      ws = new WebSocket(socketUrl);
    } catch (error) {
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.addEventListener("open", () => {
      if (state.token) sendFrame({ type: "resume", team, token: state.token });
      else if (startRequest) sendFrame({ type: "start", team, lang, ...startRequest });
      clearInterval(pingTimer);
      pingTimer = setInterval(() => sendFrame({ type: "ping" }), PING_EVERY_MS);
    });
    ws.addEventListener("message", onFrame);
    ws.addEventListener("close", (event) => {
      if (socket === ws) socket = null;
      ready = false;
      clearInterval(pingTimer);
      if (event.code === 4404) {
        unavailable = true;
        showNotice(t("unavailable"));
        setStatus("");
        return;
      }
      setStatus("reconnecting");
      scheduleReconnect();
    });
  };

  // --- user actions -------------------------------------------------------------------------
  const setOpen = (open) => {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    launcher.setAttribute("aria-label", open ? t("close") : t("open"));
    if (open) {
      unreadDot.hidden = true;
      (state.token ? textarea : nameInput).focus();
    }
  };
  launcher.addEventListener("click", () => setOpen(panel.hidden));
  closeButton.addEventListener("click", () => setOpen(false));

  intro.addEventListener("submit", (event) => {
    event.preventDefault();
    if (unavailable) return;
    const email = emailInput.value.trim();
    if (email && !emailInput.checkValidity()) {
      showNotice(t("invalid_email"));
      return;
    }
    showNotice("");
    startRequest = { name: nameInput.value.trim(), email };
    if (socket && socket.readyState === WebSocket.OPEN) sendFrame({ type: "start", team, lang, ...startRequest });
    else connect();
  });

  const send = () => {
    const body = textarea.value.trim();
    if (!body) return;
    if (body.length > MAX_CHARS) {
      showNotice(t("too_long", { max: String(MAX_CHARS) }));
      return;
    }
    const item = { id: uuid(), body };
    state.outbox.push(item);
    save();
    textarea.value = "";
    showPending(item);
    if (ready) sendFrame({ type: "message", id: item.id, body: item.body });
    else connect();
  };
  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  });
  textarea.addEventListener("input", () => {
    const now = Date.now();
    if (ready && now - lastTyping > TYPING_EVERY_MS) {
      lastTyping = now;
      sendFrame({ type: "typing" });
    }
  });

  // --- help-center articles while the visitor types their first message ---------------------
  // Self-contained: the desk suggests articles (/help/suggest/) before a conversation exists,
  // in the desk's own words and language, drawn with textContent only; the session's key comes
  // back with each answer and a beacon reports that the visitor wrote anyway (deflection).
  (() => {
    const SUGGEST_URL = `${desk.origin}/help/suggest/`;
    const box = make("div", { class: "kb", hidden: true, "aria-live": "polite" });
    const css = document.createElement("style");
    css.textContent = `
      .kb { padding: 8px 12px; background: #eef6ff; border-top: 1px solid #dfe3ea; font-size: 13px;
        max-height: 40%; overflow-y: auto; }
      .kb p { margin: 0 0 4px; font-weight: 600; }
      .kb ul { margin: 0; padding-left: 18px; }
      .kb li { margin: 2px 0; }
      .kb a { color: #1f56b8; }
      .kb span { display: block; color: #4a5263; font-size: 12px; }`;
    shadow.appendChild(css);
    panel.insertBefore(box, composer);
    let key = "";
    let timer = null;
    let asked = "";
    let sequence = 0;
    const before = () => rendered.size === 0 && pendingNodes.size === 0;
    const draw = (answer) => {
      const found = Array.isArray(answer.articles) ? answer.articles : [];
      box.replaceChildren();
      box.hidden = !found.length;
      if (!found.length) return;
      const list = make("ul", {});
      for (const article of found) {
        list.appendChild(
          make("li", {}, [
            make("a", { href: String(article.url || ""), target: "_blank", rel: "noopener", text: String(article.title || "") }),
            make("span", { text: String(article.summary || "") }),
          ]),
        );
      }
      box.append(make("p", { text: String(answer.heading || "") }), list);
    };
    const ask = () => {
      const text = textarea.value.trim();
      if (!before() || text.length < 8 || text === asked) return;
      asked = text;
      const mine = ++sequence;
      const query = new URLSearchParams({ q: text.slice(0, 2000), lang, team, surface: "widget", key });
      fetch(`${SUGGEST_URL}?${query}`, { credentials: "omit" })
        .then((response) => (response.ok ? response.json() : null))
        .then((answer) => {
          if (!answer || mine !== sequence || !before()) return;
          if (answer.key) key = String(answer.key);
          draw(answer);
        })
        .catch(() => {
          /* suggestions help; they never get in the way */
        });
    };
    textarea.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(ask, 350);
    });
    const wrote = () => {
      if (box.hidden && !key) return;
      box.hidden = true;
      if (key && navigator.sendBeacon) navigator.sendBeacon(`${SUGGEST_URL}${key}/wrote/`);
      key = "";
    };
    composer.addEventListener("submit", wrote);
    textarea.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) wrote();
    });
  })();

  const mount = () => {
    document.body.appendChild(host);
    resetLog();
    if (state.token) {
      // Show the conversation's unsent messages at once, even before the desk answers.
      intro.hidden = true;
      log.hidden = false;
      composer.hidden = false;
      for (const item of state.outbox) showPending(item);
    }
    // A returning visitor reconnects at once: answers that came while away show up.
    if (state.token) connect();
  };
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
