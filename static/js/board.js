// Veilig op Pad: the office's live board (templates/escalation/_board_shell.html).
// htmx refreshes #board-live every 2 seconds. This file makes sure the board can never go
// quietly stale and that an open alarm is heard:
// - Watchdog: every poll is checked; when none succeeded for STALE_MS (network down, server
//   down, 5xx, a hanging request) or the session ended (401/403), a loud banner says since
//   when the board has not updated, the tab title changes and the board sounds.
// - Sound: each open, unacknowledged alarm sounds every SOUND_EVERY_MS until someone
//   acknowledges it. The device remembers whether sound is wanted (localStorage: a
//   preference, nothing personal); when the browser wants a click first, a banner says so.
// - Acknowledge and resolve swap the board in place (no reload: the sound keeps working).
// - A new alarm while the tab is in the background shows a desktop notification.
// - 15 minutes before the session's absolute limit the board offers to sign in again.
(function () {
  "use strict";
  const KEY = "vop-board-sound";
  const STALE_MS = 6000; // three polls missed: well inside the 10 s the office may wait
  const SOUND_EVERY_MS = 3000;
  const WARN_SESSION_MS = 15 * 60 * 1000;
  const state = {
    sounds: 0, // how many alarm sounds played (the browser tests count them)
    lastOk: Date.now(),
    failure: null, // {kind, status} of the last failed poll
    stale: false,
    known: null, // alarm ids already seen
    lastSound: 0,
    offset: 0, // server clock minus this device's clock
    audio: null,
  };
  window.vopBoard = state;
  let page = null; // the [data-board] element with the texts
  let title = document.title;

  function live() {
    return document.querySelector("[data-board-live]");
  }

  function list(name) {
    const node = live();
    const value = node ? node.dataset[name] : "";
    return value ? value.split(",").filter(Boolean) : [];
  }

  function fill(template, values) {
    return Object.keys(values).reduce((text, k) => text.split("{" + k + "}").join(values[k]), template || "");
  }

  function clock(ms) {
    return new Date(ms).toLocaleTimeString("nl-NL", { timeZone: "Europe/Amsterdam", hour12: false });
  }

  function span(seconds) {
    const s = Math.max(0, Math.round(seconds));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const pad = (n) => String(n).padStart(2, "0");
    return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
  }

  // ---- sound ---------------------------------------------------------------------------
  function wanted() {
    return localStorage.getItem(KEY) !== "off";
  }

  function ensureAudio() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!state.audio && Context) {
      state.audio = new Context();
      state.audio.addEventListener("statechange", showSound);
    }
    return state.audio;
  }

  function unlock() {
    if (!wanted()) return;
    const audio = ensureAudio();
    if (audio && audio.state === "suspended") audio.resume().then(showSound, showSound);
  }

  function showSound() {
    const blocked = document.querySelector("[data-sound-blocked]");
    const muted = document.querySelector("[data-sound-muted]");
    const button = document.querySelector("[data-sound-toggle]");
    const on = wanted();
    const running = Boolean(state.audio && state.audio.state === "running");
    if (blocked) blocked.hidden = !on || running;
    if (muted) muted.hidden = on;
    if (button) {
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.textContent = on ? button.dataset.textOn : button.dataset.textOff;
    }
  }

  function tone(at, frequency, length) {
    const audio = state.audio;
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = "square";
    osc.frequency.value = frequency;
    gain.gain.value = 0.2;
    osc.connect(gain).connect(audio.destination);
    osc.start(audio.currentTime + at);
    osc.stop(audio.currentTime + at + length);
  }

  // Panic and duress: fast and high; a missed check-out: two tones; a stale board: low.
  function sound(kind) {
    if (!wanted() || !state.audio || state.audio.state !== "running") return;
    if (kind === "stale") [0, 0.6].forEach((at) => tone(at, 330, 0.5));
    else if (kind === "urgent") [0, 0.2, 0.4, 0.6].forEach((at) => tone(at, 1040, 0.15));
    else [0, 0.35].forEach((at) => tone(at, 880, 0.25));
    state.sounds += 1;
    state.lastSound = Date.now();
  }

  function soundKind() {
    if (state.stale) return "stale";
    const kinds = list("openKinds");
    if (kinds.some((k) => k === "panic" || k === "duress")) return "urgent";
    if (kinds.length) return "alarm";
    const node = live();
    return node && node.dataset.degraded === "1" ? "stale" : null;
  }

  // ---- the watchdog --------------------------------------------------------------------
  function loginUrl() {
    const base = page ? page.dataset.loginUrl : "/login";
    return base + "?next=" + encodeURIComponent(location.pathname);
  }

  function reasonText(failure) {
    if (!failure || !page) return page ? page.dataset.textNetwork : "";
    const status = String(failure.status || "");
    if (failure.kind === "session") return page.dataset.textSession;
    if (failure.kind === "forbidden") return fill(page.dataset.textForbidden, { status });
    if (failure.kind === "server") return fill(page.dataset.textServer, { status });
    return page.dataset.textNetwork;
  }

  function showWatchdog() {
    const banner = document.querySelector("[data-watchdog]");
    if (!banner || !page) return;
    banner.hidden = !state.stale;
    if (!state.stale) return;
    banner.querySelector("[data-watchdog-title]").textContent = fill(page.dataset.textStale, {
      t: clock(state.lastOk),
    });
    banner.querySelector("[data-watchdog-reason]").textContent = reasonText(state.failure);
    const login = banner.querySelector("[data-watchdog-login]");
    const signedOut = state.failure && (state.failure.kind === "session" || state.failure.kind === "forbidden");
    login.hidden = !signedOut;
    login.href = loginUrl();
  }

  function showTitle() {
    const node = live();
    let prefix = "";
    if (state.stale) prefix = "⚠ " + page.dataset.textTitleStale;
    else if (node && node.dataset.degraded === "1") prefix = "⚠ " + page.dataset.textTitleDegraded;
    else if (list("openIds").length) prefix = `(${list("openIds").length}) ${page.dataset.textTitleAlarm}`;
    document.title = prefix ? `${prefix} · ${title}` : title;
  }

  function failed(kind, status) {
    state.failure = { kind, status };
    if (kind === "session" || kind === "forbidden") state.stale = true; // no use waiting
    tick();
  }

  function succeeded() {
    state.lastOk = Date.now();
    state.failure = null;
    state.stale = false;
    const node = live();
    if (node && node.dataset.serverNow) state.offset = Date.parse(node.dataset.serverNow) - Date.now();
    refreshToken(node && node.dataset.csrfToken);
    newAlarms();
    tick();
  }

  function isPoll(event) {
    const elt = event.detail && event.detail.elt;
    return elt && elt.id === "board-live" && event.detail.requestConfig && event.detail.requestConfig.verb === "get";
  }

  document.addEventListener("htmx:afterRequest", (event) => {
    if (!isPoll(event)) return;
    const xhr = event.detail.xhr;
    const status = xhr ? xhr.status : 0;
    if (status === 200 && xhr.responseText.includes("data-board-live")) return; // afterSettle
    if (status === 401) return failed("session", status);
    if (status === 403) return failed("forbidden", status);
    if (status === 200) return failed("session", status); // a login page instead of the board
    if (status === 0) return failed("network", status);
    failed("server", status);
  });
  document.addEventListener("htmx:sendError", (event) => isPoll(event) && failed("network", 0));
  document.addEventListener("htmx:timeout", (event) => isPoll(event) && failed("network", 0));

  // An answer to acknowledge/resolve that refuses (409: someone else was first; 422: the
  // form is incomplete) still carries the board and its message: show it.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const status = event.detail.xhr.status;
    const target = event.detail.target;
    const inBoard = target && (target.id === "board-live" || target.hasAttribute("data-session-answer"));
    if (inBoard && [409, 422, 429].includes(status)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSettle", (event) => {
    if (event.detail.target && event.detail.target.id === "board-live") {
      if (event.detail.xhr && event.detail.xhr.status !== 200 && isPoll(event)) return;
      succeeded();
    }
    const renewed = document.querySelector("[data-renewed]");
    if (renewed) {
      refreshToken(renewed.dataset.csrfToken);
      renewed.removeAttribute("data-renewed");
    }
  });

  // ---- the session, the CSRF token -----------------------------------------------------
  function refreshToken(token) {
    if (!token) return;
    const meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) meta.content = token;
    document.querySelectorAll('input[name="csrf_token"]').forEach((input) => {
      input.value = token;
    });
  }

  function showSession() {
    const box = document.querySelector("[data-session-warning]");
    const node = live();
    if (!box || !node || !node.dataset.sessionEnds) return;
    const ends = Date.parse(node.dataset.sessionEnds);
    const left = ends - (Date.now() + state.offset);
    const warn = left < WARN_SESSION_MS && left > 0;
    if (!warn) {
      if (!box.hidden) box.querySelector("[data-session-answer]").textContent = "";
      box.hidden = true;
      return;
    }
    box.hidden = false;
    box.querySelector("[data-session-text]").textContent = fill(page.dataset.textSessionEnds, {
      t: clock(ends - state.offset).slice(0, 5),
      left: span(left / 1000),
    });
  }

  // ---- live clocks, new alarms ---------------------------------------------------------
  function showClocks() {
    const moment = Date.now() + state.offset;
    document.querySelectorAll("[data-since]").forEach((node) => {
      const text = span((moment - Date.parse(node.dataset.since)) / 1000);
      node.textContent = node.dataset.textAgo ? fill(node.dataset.textAgo, { t: text }) : text;
    });
    document.querySelectorAll("[data-until]").forEach((node) => {
      const text = span((Date.parse(node.dataset.until) - moment) / 1000);
      node.textContent = node.dataset.textIn ? fill(node.dataset.textIn, { t: text }) : text;
    });
  }

  function notify(id) {
    const card = document.getElementById("alarm-" + id);
    if (!card || document.visibilityState !== "hidden" || !window.Notification) return;
    if (Notification.permission !== "granted" || !navigator.serviceWorker) return;
    const kind = card.dataset.alarmKind === "overdue" ? "alarm" : card.dataset.alarmKind;
    const link = card.querySelector("a[href*='/alarmen/']");
    const where = card.querySelector(".esc-facts dd");
    navigator.serviceWorker.ready.then((registration) =>
      registration.showNotification(card.querySelector(".esc-alarm__title").textContent, {
        body: where ? where.textContent : "",
        tag: `vop-${kind}-${id}`, // the same tag as the push for this alarm: shown once
        requireInteraction: true,
        data: { url: link ? link.getAttribute("href") : location.pathname },
      }),
    );
  }

  function newAlarms() {
    const ids = list("alarmIds");
    const fresh = state.known === null ? [] : ids.filter((id) => !state.known.includes(id));
    state.known = ids;
    fresh.forEach(notify);
    if (fresh.length) state.lastSound = 0; // a new alarm sounds at once
  }

  function tick() {
    if (!page) return;
    if (!state.stale && Date.now() - state.lastOk > STALE_MS) {
      state.stale = true;
      if (!state.failure) state.failure = { kind: "network", status: 0 }; // no answer at all
    }
    const kind = soundKind();
    if (kind && Date.now() - state.lastSound >= SOUND_EVERY_MS) sound(kind);
    showWatchdog();
    showTitle();
    showSession();
    showClocks();
  }

  // ---- start ---------------------------------------------------------------------------
  document.addEventListener("click", (event) => {
    const toggle = event.target.closest && event.target.closest("[data-sound-toggle]");
    if (toggle) {
      localStorage.setItem(KEY, wanted() ? "off" : "on");
      if (wanted()) unlock();
      showSound();
    }
  });
  // Any click or key on the page is the gesture the browser needs before it plays sound.
  ["pointerdown", "keydown"].forEach((name) => document.addEventListener(name, unlock, true));
  document.addEventListener("visibilitychange", tick);

  document.addEventListener("DOMContentLoaded", () => {
    page = document.querySelector("[data-board]");
    if (!page) return;
    title = document.title;
    if (wanted()) ensureAudio();
    succeeded();
    showSound();
    setInterval(tick, 1000);
  });
})();
