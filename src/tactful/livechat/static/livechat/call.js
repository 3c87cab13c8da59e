/*
 * Tactful video calls: the browser side of one call, shared by the agent's ticket page (a
 * plain <script>) and the visitor's widget (inlined into widget.js, so nothing leaks into the
 * embedding page). Media goes browser to browser over WebRTC; the desk only relays the
 * signalling over the chat socket.
 *
 * The agent's browser always makes the SDP offer and the visitor's always answers (whoever
 * asked for the call), so the two never offer at once. Both sides open audio and video
 * transceivers from the start: turning the camera off or sharing the screen swaps the track
 * being sent (replaceTrack) and needs no new negotiation. When the connection drops (a
 * network blip), the agent's side restarts ICE; the visitor's side asks it to.
 */
const TactfulCall = (() => {
  "use strict";

  const RESTART_AFTER_MS = 2500; // "disconnected" this long: restart ICE
  const MAX_RESTARTS = 3; // restarts in a row without reconnecting: the call has failed

  /**
   * The user's camera and microphone, with a problem code instead of an exception:
   * "denied" (the browser or the user refused), "no_camera" (sound only), "no_devices"
   * (neither: the call goes on, receiving only), "unsupported".
   */
  const localMedia = async (wantVideo) => {
    const devices = navigator.mediaDevices;
    if (!devices || typeof devices.getUserMedia !== "function" || typeof RTCPeerConnection === "undefined") {
      return { stream: null, problem: "unsupported" };
    }
    const denied = (error) => error && (error.name === "NotAllowedError" || error.name === "SecurityError");
    try {
      return { stream: await devices.getUserMedia({ audio: true, video: Boolean(wantVideo) }), problem: null };
    } catch (error) {
      if (denied(error)) return { stream: null, problem: "denied" };
    }
    if (wantVideo) {
      try {
        return { stream: await devices.getUserMedia({ audio: true, video: false }), problem: "no_camera" };
      } catch (error) {
        if (denied(error)) return { stream: null, problem: "denied" };
      }
    }
    return { stream: null, problem: "no_devices" };
  };

  /** Calls back once, at the first frame the video element shows (and marks the moment). */
  const watchFirstFrame = (video, callback) => {
    let done = false;
    const fire = () => {
      if (done) return;
      done = true;
      try {
        performance.mark("tactful-call-first-remote-frame");
      } catch (error) {
        /* marks are for measuring only */
      }
      callback();
    };
    if (typeof video.requestVideoFrameCallback === "function") video.requestVideoFrameCallback(fire);
    else video.addEventListener("loadeddata", fire, { once: true });
  };

  /**
   * One peer connection. Options: role ("offerer" on the agent's side, "answerer" on the
   * visitor's), iceServers, stream (local media or null), send(signal), onRemoteStream(stream),
   * onState("connected" | "reconnecting" | "failed").
   */
  const create = ({ role, iceServers, stream, send, onRemoteStream, onState }) => {
    const pc = new RTCPeerConnection({ iceServers: iceServers || [] });
    const remote = new MediaStream();
    const audioTrack = (stream && stream.getAudioTracks()[0]) || null;
    const cameraTrack = (stream && stream.getVideoTracks()[0]) || null;
    let screenTrack = null;
    let remoteReady = false;
    let pendingCandidates = [];
    let disconnectTimer = null;
    let restarts = 0;
    let closed = false;
    let onScreenEnded = null;

    if (role === "offerer") {
      pc.addTransceiver(audioTrack || "audio", { direction: "sendrecv" });
      pc.addTransceiver(cameraTrack || "video", { direction: "sendrecv" });
    }

    const transceiverOf = (kind) =>
      pc.getTransceivers().find((t) => t.receiver && t.receiver.track && t.receiver.track.kind === kind) || null;

    pc.addEventListener("track", (event) => {
      if (!remote.getTracks().includes(event.track)) remote.addTrack(event.track);
      onRemoteStream(remote);
    });
    pc.addEventListener("icecandidate", (event) => {
      // No end-of-candidates marker: browsers do without it, and it saves a message.
      if (event.candidate && event.candidate.candidate) send({ kind: "candidate", candidate: event.candidate.toJSON() });
    });

    const offer = async (restart) => {
      if (closed) return;
      // A restart offer lost with a dropped socket leaves us waiting for an answer: take it back.
      if (restart && pc.signalingState === "have-local-offer") await pc.setLocalDescription({ type: "rollback" });
      if (pc.signalingState !== "stable") return;
      const description = await pc.createOffer(restart ? { iceRestart: true } : {});
      await pc.setLocalDescription(description);
      send({ kind: "description", description: { type: description.type, sdp: description.sdp }, restart: Boolean(restart) });
    };

    const restart = () => {
      if (closed) return;
      restarts += 1;
      if (restarts > MAX_RESTARTS) {
        onState("failed");
        return;
      }
      if (role === "offerer") offer(true).catch(() => onState("failed"));
      else send({ kind: "restart" });
    };

    pc.addEventListener("iceconnectionstatechange", () => {
      const state = pc.iceConnectionState;
      if (state === "connected" || state === "completed") {
        clearTimeout(disconnectTimer);
        disconnectTimer = null;
        restarts = 0;
        onState("connected");
      } else if (state === "disconnected") {
        onState("reconnecting");
        clearTimeout(disconnectTimer);
        disconnectTimer = setTimeout(() => {
          if (pc.iceConnectionState === "disconnected") restart();
        }, RESTART_AFTER_MS);
      } else if (state === "failed") {
        onState("reconnecting");
        restart();
      }
    });

    const flushCandidates = async () => {
      const queued = pendingCandidates;
      pendingCandidates = [];
      for (const candidate of queued) await pc.addIceCandidate(candidate).catch(() => {});
    };

    const answer = async (description) => {
      await pc.setRemoteDescription(description);
      // Send what we have on both transceivers, and keep them open for a later screen share.
      for (const kind of ["audio", "video"]) {
        const transceiver = transceiverOf(kind);
        if (!transceiver) continue;
        transceiver.direction = "sendrecv";
        const track = kind === "audio" ? audioTrack : screenTrack || cameraTrack;
        if (track && transceiver.sender.track !== track) await transceiver.sender.replaceTrack(track);
      }
      const reply = await pc.createAnswer();
      await pc.setLocalDescription(reply);
      remoteReady = true;
      await flushCandidates();
      send({ kind: "description", description: { type: reply.type, sdp: reply.sdp } });
    };

    /** A signal relayed from the other side. */
    const handle = async (signal) => {
      if (closed || !signal) return;
      if (signal.kind === "description") {
        const description = signal.description;
        if (description.type === "offer" && role === "answerer") await answer(description);
        else if (description.type === "answer" && role === "offerer") {
          await pc.setRemoteDescription(description);
          remoteReady = true;
          await flushCandidates();
        }
      } else if (signal.kind === "candidate" && signal.candidate) {
        if (remoteReady && pc.remoteDescription) await pc.addIceCandidate(signal.candidate).catch(() => {});
        else pendingCandidates.push(signal.candidate);
      } else if (signal.kind === "restart" && role === "offerer") {
        await offer(true);
      }
    };

    const videoSender = () => {
      const transceiver = transceiverOf("video");
      return transceiver ? transceiver.sender : null;
    };

    const stopScreen = async () => {
      if (!screenTrack) return;
      const track = screenTrack;
      screenTrack = null;
      track.stop();
      const sender = videoSender();
      if (sender) await sender.replaceTrack(cameraTrack);
      if (onScreenEnded) onScreenEnded();
    };

    return {
      pc,
      handle,
      /** The agent's side opens the negotiation. */
      start: () => offer(false),
      hasAudio: () => Boolean(audioTrack),
      hasCamera: () => Boolean(cameraTrack),
      setMuted: (muted) => {
        if (audioTrack) audioTrack.enabled = !muted;
      },
      setCamera: (on) => {
        if (cameraTrack) cameraTrack.enabled = Boolean(on);
      },
      /** "Show me what you see": the screen replaces the camera until sharing stops. */
      shareScreen: async (ended) => {
        const devices = navigator.mediaDevices;
        if (!devices || typeof devices.getDisplayMedia !== "function") throw new Error("unsupported");
        const display = await devices.getDisplayMedia({ video: true, audio: false });
        const track = display.getVideoTracks()[0];
        const sender = videoSender();
        if (!track || !sender) throw new Error("unsupported");
        await sender.replaceTrack(track);
        screenTrack = track;
        onScreenEnded = ended;
        // The browser's own "Stop sharing" button ends the track.
        track.addEventListener("ended", () => stopScreen());
      },
      stopScreen,
      sharing: () => Boolean(screenTrack),
      /** New ICE servers (fresh TURN credentials after a rejoin), for the next restart. */
      setIceServers: (servers) => {
        try {
          pc.setConfiguration({ ...pc.getConfiguration(), iceServers: servers || [] });
        } catch (error) {
          /* the old ones stay in use */
        }
      },
      restart: () => {
        restarts = 0;
        restart();
      },
      connected: () => ["connected", "completed"].includes(pc.iceConnectionState),
      close: () => {
        closed = true;
        clearTimeout(disconnectTimer);
        if (screenTrack) screenTrack.stop();
        for (const track of stream ? stream.getTracks() : []) track.stop();
        pc.close();
      },
    };
  };

  const RING_MS = 45000; // an offer still unanswered after this is given up

  /**
   * One side's call flow over the chat socket, for a UI. Options: side ("agent" | "visitor"),
   * video (offer video, not sound only), sendFrame(frame) → whether it left, and ui with:
   * status(key), invite(frame | null), stage(on), local(stream), remote(stream),
   * remoteMedia({muted, camera, screen}), problem(key), controls({muted, camera, sharing}),
   * ended(reason, {call, answered}).
   * The UI calls offer(), accept(), decline(), hangup(), toggleMute(), toggleCamera(),
   * toggleScreen(); the socket code hands every call.* frame (and call errors) to onFrame(),
   * and calls rejoin() when its socket is back.
   */
  const controller = ({ side, sendFrame, ui, video = true }) => {
    let callId = null;
    let invite = null;
    let media = null; // {stream, problem}
    let peer = null;
    let iceServers = [];
    let waiting = []; // signals that came before the peer connection
    let reported = false;
    let ringTimer = null;
    const state = { muted: false, camera: true, sharing: false };

    const send = (type, extra) => sendFrame({ type, call: callId, ...(extra || {}) });
    const controls = () => ui.controls({ ...state, camera: state.camera && Boolean(peer && peer.hasCamera()) });

    const teardown = (reason) => {
      const ended = { call: callId, answered: peer !== null };
      clearTimeout(ringTimer);
      if (peer) peer.close();
      else if (media && media.stream) for (const track of media.stream.getTracks()) track.stop();
      peer = null;
      media = null;
      waiting = [];
      reported = false;
      callId = null;
      invite = null;
      state.muted = false;
      state.camera = true;
      state.sharing = false;
      ui.invite(null);
      ui.stage(false);
      ui.status("");
      if (reason) ui.ended(reason, ended);
    };

    const getMedia = async () => {
      media = await localMedia(video);
      if (media.problem) ui.problem(media.problem);
      if (media.stream) ui.local(media.stream);
      return media;
    };

    const connect = () => {
      if (peer || callId === null) return;
      peer = create({
        role: side === "agent" ? "offerer" : "answerer",
        iceServers,
        stream: media ? media.stream : null,
        send: (signal) => send("call.signal", { signal }),
        onRemoteStream: (stream) => ui.remote(stream),
        onState: (connection) => {
          if (connection === "connected") {
            ui.status("connected");
            if (!reported) {
              reported = true;
              send("call.connected");
            }
          } else if (connection === "reconnecting") ui.status("reconnecting");
          else if (connection === "failed") hangup("failed");
        },
      });
      ui.stage(true);
      ui.status("connecting");
      controls();
      for (const signal of waiting) peer.handle(signal).catch(() => {});
      waiting = [];
      if (side === "agent") peer.start().catch(() => hangup("failed"));
    };

    const offer = async (extra) => {
      if (callId !== null || invite) return;
      ui.problem("");
      await getMedia();
      if (media.problem === "unsupported") return;
      sendFrame({ type: "call.offer", video, ...(extra || {}) });
      ui.status("ringing");
      ui.stage(true);
    };

    const accept = async (extra) => {
      if (!invite) return;
      const id = invite.call;
      ui.invite(null);
      ui.problem("");
      try {
        performance.mark("tactful-call-accepted");
      } catch (error) {
        /* measuring only */
      }
      await getMedia();
      if (media.problem === "unsupported") {
        invite = null;
        sendFrame({ type: "call.decline", call: id });
        return;
      }
      callId = id;
      invite = null;
      send("call.accept", extra);
      ui.stage(true);
      ui.status("connecting");
    };

    const decline = () => {
      if (!invite) return;
      sendFrame({ type: "call.decline", call: invite.call });
      invite = null;
      ui.invite(null);
    };

    const hangup = (reason) => {
      if (callId === null) return;
      send("call.hangup", reason ? { reason } : {});
      teardown("ended");
    };

    const onFrame = (frame) => {
      const mine = frame.call !== undefined && frame.call === callId;
      switch (frame.type) {
        case "call.invite":
          if (callId !== null || invite) return true; // busy: the desk rings others too
          invite = frame;
          ui.invite(frame);
          return true;
        case "call.ringing":
          callId = frame.call;
          iceServers = frame.ice_servers || [];
          clearTimeout(ringTimer);
          ringTimer = setTimeout(() => {
            if (peer === null && callId === frame.call) {
              send("call.hangup", { reason: "unanswered" });
              teardown("unanswered");
            }
          }, RING_MS);
          return true;
        case "call.accepted":
          if (!mine) return true;
          clearTimeout(ringTimer);
          iceServers = frame.ice_servers || iceServers;
          connect();
          return true;
        case "call.signal":
          if (!mine) return true;
          if (peer) peer.handle(frame.signal).catch(() => {});
          else waiting.push(frame.signal);
          return true;
        case "call.media":
          if (mine) ui.remoteMedia(frame);
          return true;
        case "call.peer":
          if (!mine) return true;
          if (!frame.online) {
            ui.status("peer_away");
            return true;
          }
          // Whatever was sent while the other side was away is lost: negotiate again.
          if (peer && side === "agent") peer.restart();
          ui.status(peer && peer.connected() ? "connected" : "connecting");
          return true;
        case "call.rejoined":
          if (!mine) return true;
          iceServers = frame.ice_servers || iceServers;
          if (peer) peer.setIceServers(iceServers);
          return true;
        case "call.declined":
          if (mine) teardown("declined");
          return true;
        case "call.ended":
          if (mine) teardown(frame.by === side ? "" : "ended");
          else if (invite && invite.call === frame.call) {
            invite = null;
            ui.invite(null);
          }
          return true;
        case "call.closed":
          if (invite && invite.call === frame.call) {
            invite = null;
            ui.invite(null);
          }
          return true;
        case "error":
          if (frame.call === undefined || (frame.call !== callId && frame.call !== null)) return false;
          if (["call_over", "call_unknown"].includes(frame.code) && callId !== null) teardown("ended");
          else if (["call_busy", "calls_off", "visitor_away", "no_chat", "no_conversation"].includes(frame.code)) {
            teardown("");
            ui.problem(frame.code);
          }
          return true;
        default:
          return false;
      }
    };

    return {
      offer,
      accept,
      decline,
      hangup,
      onFrame,
      active: () => callId !== null,
      rejoin: () => {
        if (callId !== null && peer) send("call.rejoin");
      },
      toggleMute: () => {
        if (!peer) return;
        state.muted = !state.muted;
        peer.setMuted(state.muted);
        send("call.media", { muted: state.muted, camera: state.camera, screen: state.sharing });
        controls();
      },
      toggleCamera: () => {
        if (!peer || !peer.hasCamera()) return;
        state.camera = !state.camera;
        peer.setCamera(state.camera);
        send("call.media", { muted: state.muted, camera: state.camera, screen: state.sharing });
        controls();
      },
      toggleScreen: async () => {
        if (!peer) return;
        if (state.sharing) {
          await peer.stopScreen();
          return;
        }
        try {
          await peer.shareScreen(() => {
            state.sharing = false;
            send("call.media", { muted: state.muted, camera: state.camera, screen: false });
            controls();
          });
        } catch (error) {
          ui.problem("share_failed");
          return;
        }
        state.sharing = true;
        send("call.media", { muted: state.muted, camera: state.camera, screen: true });
        controls();
      },
    };
  };

  return { localMedia, create, watchFirstFrame, controller };
})();
