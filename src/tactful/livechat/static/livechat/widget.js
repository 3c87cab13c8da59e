/*
 * Tactful live chat widget. Embed with one tag on any site:
 *   <script src="https://DESK/chat/widget.js" data-team="TEAM_SLUG" async></script>
 * Optional: data-lang="en|es|ru" (default: the browser's language).
 *
 * Everything lives in a Shadow DOM under a <tactful-chat> element, so the page's CSS cannot
 * break the widget and the widget's CSS cannot leak into the page. Text from visitors and
 * agents is only ever set with textContent. Messages get a UUID made here and stay in an
 * outbox (localStorage) until the desk acknowledges them, so a reload or a dropped connection
 * loses nothing and a resend is stored once. Video calls (call.js, inlined below by the desk)
 * go browser to browser; the desk relays their signalling over the same socket.
 */
(() => {
  "use strict";

  /*CALL_CORE*/

  const STRINGS = /*STRINGS*/{};
  const MAX_CHARS = /*MAX_CHARS*/2000;
  const PING_EVERY_MS = 25000;
  const TYPING_EVERY_MS = 3000;
  const MAX_BACKOFF_MS = 30000;

  const script =
    document.currentScript ||
    document.querySelector('script[data-team][src*="/chat/widget.js"]');
  if (!script) return;
  // Styles the widget adds carry its script tag's nonce: a page whose CSP allows styles by
  // nonce gives the tag one (docs/security.md); browsers hide it from getAttribute.
  const NONCE = script.nonce || "";
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
    .typing { color: #6b7385; font-size: 12px; font-style: italic; margin: 0; padding: 0 12px 6px; }
    .msg { max-width: 85%; padding: 7px 10px; border-radius: 10px; white-space: pre-wrap;
      overflow-wrap: anywhere; }
    .msg .meta { display: block; font-size: 11px; color: #6b7385; margin-bottom: 2px; }
    .from-visitor { align-self: flex-end; background: #2f6fde; color: #fff; }
    .from-visitor .meta { color: #dbe6fb; }
    .from-agent { align-self: flex-start; background: #fff; border: 1px solid #dfe3ea; }
    .pending { opacity: .65; }
    .failed { background: #fde0dc; color: #7a1d16; }
    .survey { margin-top: 8px; display: flex; flex-direction: column; gap: 6px; }
    .survey .choices { display: flex; flex-wrap: wrap; gap: 4px; }
    .survey .choices button { border: 1px solid #cfd5df; background: #fff; border-radius: 6px; padding: 4px 8px; cursor: pointer; font-size: 12.5px; }
    .survey .choices button[aria-pressed="true"] { border-color: #2f6fde; background: #e8f0ff; font-weight: 600; }
    .survey textarea { border: 1px solid #cfd5df; border-radius: 6px; padding: 6px; min-height: 48px; resize: vertical; }
    .survey .done { color: #1b5e2b; font-weight: 600; }
    .survey .problem { color: #7a1d16; }
    .composer { display: flex; gap: 6px; padding: 8px; border-top: 1px solid #dfe3ea; background: #fff; }
    .composer textarea { flex: 1; resize: none; border: 1px solid #cfd5df; border-radius: 6px;
      padding: 7px 8px; height: 40px; max-height: 120px; background: #fff; }
    .composer button { align-self: flex-end; }
    .call-button { background: transparent; border: 0; color: #fff; cursor: pointer; padding: 2px 4px;
      display: flex; align-items: center; }
    .call { padding: 8px 10px; border-bottom: 1px solid #dfe3ea; display: flex; flex-direction: column;
      gap: 6px; background: #fff; }
    .call-row { display: flex; gap: 6px; flex-wrap: wrap; align-items: center; }
    .call-row p { margin: 0; flex: 1 1 100%; }
    .call-consent { display: flex; gap: 6px; align-items: flex-start; font-size: 12.5px; }
    .call-status { font-size: 12.5px; color: #4a5263; margin: 0; }
    .call-problem { font-size: 12.5px; color: #7a1d16; background: #fde0dc; margin: 0; padding: 5px 8px;
      border-radius: 6px; }
    .videos { position: relative; background: #10131a; border-radius: 8px; overflow: hidden; height: 180px; }
    .videos .remote { width: 100%; height: 100%; object-fit: contain; display: block; }
    .videos .local { position: absolute; right: 6px; bottom: 6px; width: 30%; border: 2px solid #fff;
      border-radius: 6px; background: #333; transform: scaleX(-1); }
    .videos .remote-state { position: absolute; left: 6px; top: 6px; margin: 0; padding: 2px 8px;
      border-radius: 10px; background: rgba(0,0,0,.6); color: #fff; font-size: 12px; }
    .controls { display: flex; gap: 4px; flex-wrap: wrap; }
    .controls button { border: 1px solid #cfd5df; background: #fff; border-radius: 6px; padding: 4px 6px;
      cursor: pointer; font-size: 12px; }
    .panel.in-call { height: 600px; }
    .controls button[aria-pressed="true"] { background: #fde0dc; }
    .controls .hangup { background: #c8372d; border-color: #a22b22; color: #fff; }
    .secondary { background: #fff; border: 1px solid #cfd5df; border-radius: 6px; padding: 8px 12px; cursor: pointer; }
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

  const cameraIcon = () => {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "20");
    svg.setAttribute("height", "20");
    svg.setAttribute("aria-hidden", "true");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", "M4 6h11a2 2 0 0 1 2 2v1.5l4-2.5v10l-4-2.5V16a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2z");
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
  const callButton = make("button", { class: "call-button", type: "button", "aria-label": t("call_start"), title: t("call_start"), hidden: true }, [cameraIcon()]);
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
  const typingNote = make("p", { class: "typing", role: "status", hidden: true });
  const textarea = make("textarea", { name: "body", rows: "1", maxlength: String(MAX_CHARS), placeholder: t("placeholder"), "aria-label": t("placeholder") });
  const composer = make("form", { class: "composer", hidden: true }, [
    textarea,
    make("button", { class: "primary", type: "submit", text: t("send") }),
  ]);
  // --- the call area: an offer (with the recording question), an invitation, the call -------
  const consentBox = make("input", { type: "checkbox", name: "recording" });
  const consent = make("label", { class: "call-consent", hidden: true }, [consentBox, document.createTextNode(t("call_recording"))]);
  const consentHint = make("p", { class: "hint", text: t("call_recording_hint"), hidden: true });
  const inviteText = make("p", {});
  const acceptButton = make("button", { class: "primary accept", type: "button", text: t("call_accept") });
  const declineButton = make("button", { class: "secondary decline", type: "button", text: t("call_decline") });
  const goButton = make("button", { class: "primary", type: "button", text: t("call_go") });
  const cancelButton = make("button", { class: "secondary", type: "button", text: t("call_cancel") });
  const askRow = make("div", { class: "call-row", hidden: true }, [goButton, cancelButton]);
  const inviteRow = make("div", { class: "call-row", hidden: true }, [inviteText, acceptButton, declineButton]);
  const remoteVideo = make("video", { class: "remote", autoplay: "", playsinline: "" });
  const localVideo = make("video", { class: "local", autoplay: "", playsinline: "" });
  localVideo.muted = true; // never play yourself back
  const remoteState = make("p", { class: "remote-state", hidden: true });
  const muteButton = make("button", { type: "button", class: "mute", "aria-pressed": "false", text: t("call_mute") });
  const cameraButton = make("button", { type: "button", class: "camera", "aria-pressed": "false", text: t("call_camera_off") });
  const shareButton = make("button", { type: "button", class: "share", "aria-pressed": "false", text: t("call_share") });
  const hangupButton = make("button", { type: "button", class: "hangup", text: t("call_hangup") });
  const stage = make("div", { class: "stage", hidden: true }, [
    make("div", { class: "videos" }, [remoteVideo, localVideo, remoteState]),
    make("div", { class: "controls" }, [muteButton, cameraButton, shareButton, hangupButton]),
  ]);
  const callStatus = make("p", { class: "call-status", role: "status" });
  const callProblem = make("p", { class: "call-problem", role: "alert", hidden: true });
  const callArea = make("section", { class: "call", hidden: true, "aria-label": t("call_start") }, [
    inviteRow,
    consent,
    consentHint,
    askRow,
    stage,
    callStatus,
    callProblem,
  ]);
  const panel = make("div", { class: "panel", role: "dialog", "aria-label": t("title"), hidden: true }, [
    make("div", { class: "head" }, [make("h2", { text: t("title") }), status, callButton, closeButton]),
    notice,
    callArea,
    intro,
    log,
    typingNote,
    composer,
  ]);
  const style = document.createElement("style");
  style.textContent = CSS;
  style.nonce = NONCE;
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

  // The satisfaction survey Tactful sends when the conversation is solved: answered inline,
  // through the survey's own signed endpoint (no cookies; the link is the permission).
  const surveyPrompt = (survey) => {
    const box = make("div", { class: "survey" });
    const question = make("strong", { text: String(survey.question || "") });
    const choices = make("div", { class: "choices", role: "group", "aria-label": String(survey.question || "") });
    const comment = make("textarea", { maxlength: "2000", placeholder: String(survey.comment || ""), "aria-label": String(survey.comment || ""), hidden: true });
    const send = make("button", { class: "primary", type: "button", text: String(survey.send || t("send")), hidden: true });
    const status = make("span", { role: "status" });
    let chosen = null;
    for (const choice of Array.isArray(survey.choices) ? survey.choices : []) {
      const button = make("button", { type: "button", "aria-pressed": "false", "data-rating": String(choice.value), text: String(choice.label) });
      button.addEventListener("click", () => {
        chosen = choice.value;
        for (const other of choices.children) other.setAttribute("aria-pressed", String(other === button));
        comment.hidden = false;
        send.hidden = false;
      });
      choices.appendChild(button);
    }
    send.addEventListener("click", async () => {
      if (chosen === null || typeof survey.answer !== "string") return;
      send.disabled = true;
      status.className = "";
      status.textContent = t("sending");
      try {
        const response = await fetch(survey.answer, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ rating: chosen, comment: comment.value.trim(), via: "chat" }),
          credentials: "omit",
        });
        const answer = await response.json().catch(() => ({}));
        if (response.ok) {
          status.className = "done";
          status.textContent = String(survey.thanks || "");
        } else {
          status.className = "problem";
          status.textContent = String(answer.detail || t("error"));
        }
      } catch (error) {
        status.className = "problem";
        status.textContent = t("error");
      }
      send.disabled = false;
    });
    box.append(question, choices, comment, send, status);
    return box;
  };

  const showMessage = (message) => {
    if (!message || typeof message !== "object" || rendered.has(message.id)) return;
    const pending = message.client_id && pendingNodes.get(message.client_id);
    const node = bubble(message.from, message.author, String(message.body || ""), formatTime(message.at));
    if (message.survey && typeof message.survey === "object") {
      // The text carries the links for other channels; the widget asks with buttons instead.
      node.querySelector(".body").remove();
      node.appendChild(surveyPrompt(message.survey));
    }
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

  // --- video calls ---------------------------------------------------------------------------
  const PROBLEMS = { call_busy: "call_busy", calls_off: "call_unavailable", no_conversation: "call_write_first" };
  let callPolicy = { enabled: false, visitors_may_call: false, recording: false };
  let invited = null;
  const refreshCallArea = () => {
    const busy = !stage.hidden || !inviteRow.hidden || !askRow.hidden;
    callArea.hidden = !busy && !callStatus.textContent && callProblem.hidden;
    callButton.hidden = !(ready && callPolicy.visitors_may_call) || busy;
  };
  const showCallProblem = (key) => {
    callProblem.textContent = key ? t(PROBLEMS[key] || `call_${key}`) : "";
    callProblem.hidden = !key;
    refreshCallArea();
  };
  const askConsent = (on) => {
    consent.hidden = !on;
    consentHint.hidden = !on;
    consentBox.checked = false; // never ticked for the visitor
  };
  const call = TactfulCall.controller({
    side: "visitor",
    sendFrame: (frame) => sendFrame(frame),
    ui: {
      status: (key) => {
        callStatus.textContent = key ? t(`call_${key}`) : "";
        refreshCallArea();
      },
      invite: (frame) => {
        invited = frame;
        inviteRow.hidden = !frame;
        if (frame) {
          inviteText.textContent = t("call_invite", { name: frame.name || t("support") });
          askConsent(Boolean(frame.recording));
          setOpen(true);
        } else if (askRow.hidden) askConsent(false);
        refreshCallArea();
      },
      stage: (on) => {
        stage.hidden = !on;
        panel.classList.toggle("in-call", on);
        if (on) askConsent(false);
        else {
          remoteVideo.srcObject = null;
          remoteVideo.classList.remove("live");
          localVideo.srcObject = null;
          remoteState.hidden = true;
        }
        refreshCallArea();
      },
      local: (stream) => {
        localVideo.srcObject = stream;
      },
      remote: (stream) => {
        if (remoteVideo.srcObject !== stream) {
          remoteVideo.srcObject = stream;
          TactfulCall.watchFirstFrame(remoteVideo, () => remoteVideo.classList.add("live"));
        }
      },
      remoteMedia: (media) => {
        const notes = [];
        if (media.muted) notes.push(t("call_remote_muted"));
        if (media.camera === false) notes.push(t("call_remote_camera_off"));
        remoteState.textContent = notes.join(" · ");
        remoteState.hidden = notes.length === 0;
      },
      problem: showCallProblem,
      controls: ({ muted, camera, sharing }) => {
        muteButton.setAttribute("aria-pressed", String(muted));
        muteButton.textContent = t(muted ? "call_unmute" : "call_mute");
        cameraButton.setAttribute("aria-pressed", String(!camera));
        cameraButton.textContent = t(camera ? "call_camera_off" : "call_camera_on");
        shareButton.setAttribute("aria-pressed", String(sharing));
        shareButton.textContent = t(sharing ? "call_stop_share" : "call_share");
      },
      ended: (reason) => {
        callStatus.textContent = t(`call_${reason}`);
        refreshCallArea();
      },
    },
  });
  callButton.addEventListener("click", () => {
    showCallProblem("");
    if (callPolicy.recording) {
      // Ask first, on screen; nothing is recorded unless the box is ticked.
      askConsent(true);
      askRow.hidden = false;
      refreshCallArea();
    } else call.offer();
  });
  goButton.addEventListener("click", () => {
    askRow.hidden = true;
    call.offer({ recording: consentBox.checked });
    askConsent(false);
  });
  cancelButton.addEventListener("click", () => {
    askRow.hidden = true;
    askConsent(false);
    refreshCallArea();
  });
  acceptButton.addEventListener("click", () => {
    const recording = Boolean(invited && invited.recording) && consentBox.checked;
    call.accept(invited && invited.recording ? { recording } : {});
  });
  declineButton.addEventListener("click", () => call.decline());
  hangupButton.addEventListener("click", () => call.hangup());
  muteButton.addEventListener("click", () => call.toggleMute());
  cameraButton.addEventListener("click", () => call.toggleCamera());
  shareButton.addEventListener("click", () => call.toggleScreen());
  window.addEventListener("pagehide", () => call.hangup());

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

  // "Ana is typing…": shown while the agent's notices keep coming, gone with their message.
  let typingTimer = null;
  const hideTyping = () => {
    clearTimeout(typingTimer);
    typingNote.hidden = true;
  };
  const showTyping = (name) => {
    typingNote.textContent = name ? t("agent_typing", { name: String(name).slice(0, 60) }) : t("support_typing");
    typingNote.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, 6000);
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
    callPolicy = frame.calls && typeof frame.calls === "object" ? frame.calls : callPolicy;
    if (call.active()) call.rejoin(); // back after a blip: the call's signalling follows
    else if (frame.invite) call.onFrame(frame.invite);
    refreshCallArea();
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
      // The visitor's and address's limits say when to try again; the connection's own does not.
      flushLater(Math.min(60000, (Number(frame.retry_after) || 3) * 1000));
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
    if (typeof frame.type === "string" && frame.type.startsWith("call.")) call.onFrame(frame);
    else if (frame.type === "error" && "call" in frame && call.onFrame(frame)) return;
    else if (frame.type === "session") onSession(frame);
    else if (frame.type === "ack") {
      state.outbox = state.outbox.filter((item) => item.id !== frame.id);
      save();
      showMessage(frame.message);
    } else if (frame.type === "message") {
      if (frame.message && frame.message.from === "agent") hideTyping();
      showMessage(frame.message);
    } else if (frame.type === "typing") showTyping(frame.name);
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
    css.nonce = NONCE;
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
