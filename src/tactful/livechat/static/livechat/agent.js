/*
 * The chat pane on a chat ticket's page: follows the visitor in real time over
 * /chat/ws/agent/<ticket>/ (session cookie, same origin) and sends quick replies through the
 * same service as the reply form; video calls with the visitor go over the same socket
 * (call.js). Text is only ever set with textContent.
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
  let visitorOnline = false;
  let everConnected = false;

  // --- video calls ---------------------------------------------------------------------------
  const callBox = pane.querySelector("#livechat-call");
  const callText = JSON.parse(document.getElementById("livechat-call-text").textContent);
  const $ = (selector) => callBox.querySelector(selector);
  const callStart = $(".call-start");
  const callStatus = $(".call-status");
  const inviteBox = $(".call-invite");
  const stage = $(".call-stage");
  const remoteVideo = $(".call-remote");
  const localVideo = $(".call-local");
  const remoteState = $(".call-remote-state");
  const problemNode = $(".call-problem");
  const muteButton = $(".call-mute");
  const cameraButton = $(".call-camera");
  const noteForm = $(".call-note");
  const noteBody = $("#call-note-body");
  const notedNode = $(".call-noted");
  let noteCall = null;
  let inCall = false;

  const sendFrame = (frame) => {
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(frame));
    return true;
  };
  const showProblem = (key) => {
    problemNode.textContent = key ? callText[key] || key : "";
    problemNode.hidden = !key;
  };
  const refreshStart = () => {
    callStart.disabled = inCall || !visitorOnline || refused;
  };
  const call = TactfulCall.controller({
    side: "agent",
    sendFrame,
    ui: {
      status: (key) => {
        callStatus.textContent = key ? callText[key] || "" : "";
        callStatus.dataset.state = key || "";
      },
      invite: (frame) => {
        inviteBox.hidden = !frame;
        if (frame) $(".call-invite-text").textContent = callText.invite;
      },
      stage: (on) => {
        inCall = on;
        stage.hidden = !on;
        refreshStart();
        if (on) {
          noteForm.hidden = true;
          notedNode.hidden = true;
        } else {
          remoteVideo.srcObject = null;
          remoteVideo.classList.remove("live");
          localVideo.srcObject = null;
          remoteState.hidden = true;
        }
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
        if (media.screen) notes.push(callText.remote_screen);
        if (media.muted) notes.push(callText.remote_muted);
        if (media.camera === false && !media.screen) notes.push(callText.remote_camera_off);
        remoteState.textContent = notes.join(" · ");
        remoteState.hidden = notes.length === 0;
        stage.dataset.remoteScreen = media.screen ? "yes" : "no";
      },
      problem: showProblem,
      controls: ({ muted, camera }) => {
        muteButton.setAttribute("aria-pressed", String(muted));
        muteButton.textContent = muted ? callText.unmute : callText.mute;
        cameraButton.setAttribute("aria-pressed", String(!camera));
        cameraButton.textContent = camera ? callText.camera_off : callText.camera_on;
      },
      ended: (reason, ended) => {
        if (reason && reason !== "ended") showProblem(reason);
        else callStatus.textContent = callText.ended;
        if (ended.answered && ended.call !== null) {
          // The notes are the only record of what was said: ask for them at once.
          noteCall = ended.call;
          noteForm.hidden = false;
          noteBody.focus();
        }
      },
    },
  });

  callStart.addEventListener("click", () => call.offer());
  $(".call-accept").addEventListener("click", () => call.accept());
  $(".call-decline").addEventListener("click", () => call.decline());
  $(".call-hangup").addEventListener("click", () => call.hangup());
  muteButton.addEventListener("click", () => call.toggleMute());
  cameraButton.addEventListener("click", () => call.toggleCamera());
  noteForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = noteBody.value.trim();
    if (!body || noteCall === null) return;
    if (sendFrame({ type: "call.note", call: noteCall, body })) noteBody.disabled = true;
  });
  $(".call-note-skip").addEventListener("click", () => {
    noteForm.hidden = true;
    noteCall = null;
  });
  window.addEventListener("pagehide", () => call.hangup());

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
    if (frame.type.startsWith("call.")) {
      if (frame.type === "call.noted") {
        noteForm.hidden = true;
        noteBody.disabled = false;
        noteBody.value = "";
        noteCall = null;
        notedNode.hidden = false;
      } else call.onFrame(frame);
      return;
    }
    if (frame.type === "error" && frame.call !== undefined) {
      if (!call.onFrame(frame)) {
        // A step the call flow does not own (the notes): say what the desk said.
        noteBody.disabled = false;
        problemNode.textContent = String(frame.detail || frame.code);
        problemNode.hidden = false;
      }
      return;
    }
    if (frame.type === "state") {
      attempts = 0;
      visitorNode.textContent = frame.visitor || "";
      visitorOnline = Boolean(frame.online) && !frame.converted;
      if (frame.converted) setStatus("email", pane.dataset.byEmail);
      else setStatus(frame.online ? "online" : "offline", frame.online ? pane.dataset.online : pane.dataset.offline);
      callBox.hidden = !(frame.session && frame.calls && frame.calls.enabled);
      refreshStart();
      if (frame.invite) call.onFrame(frame.invite);
      // What was said before this page opened (and while the socket was away): shown once each.
      for (const message of Array.isArray(frame.history) ? frame.history : []) show(message);
      if (everConnected) call.rejoin(); // the socket came back: so does the call's signalling
      everConnected = true;
    } else if (frame.type === "presence") {
      if (statusNode.dataset.state !== "email" || frame.online) {
        setStatus(frame.online ? "online" : "offline", frame.online ? pane.dataset.online : pane.dataset.offline);
      }
      visitorOnline = Boolean(frame.online);
      refreshStart();
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
  // The visitor sees "typing…": one notice every two seconds at most (the server throttles too).
  let lastTyping = 0;
  textarea.addEventListener("input", () => {
    const now = Date.now();
    if (now - lastTyping < 2000 || !textarea.value.trim()) return;
    lastTyping = now;
    sendFrame({ type: "typing" });
  });
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  });
  connect();
})();
