// Veilig op Pad: the visit buttons (templates/escalation/_visit_actions.html).
// - Every visit-action form sends the phone's own time (`at`), so an action replayed later
//   keeps the moment it was tapped.
// - Check-in shares the location only when the worker ticked the box (consent).
// - The alarm button must be held for 2 seconds, so a pocket cannot trigger it; without
//   script the server asks for a confirmation instead.
// - Countdowns ([data-due]) tick every second, on the visit pages and the office board.
(function () {
  "use strict";
  if (window.vopPanic) return; // the fragment may be included once per visit on a page
  window.vopPanic = true;

  const HOLD_MS = 2000;

  function stamp(form) {
    form.querySelectorAll("[data-client-time]").forEach((input) => {
      input.value = new Date().toISOString();
    });
  }

  function send(form, submitter) {
    form.dataset.ready = "1";
    if (form.requestSubmit) {
      if (submitter) form.requestSubmit(submitter);
      else form.requestSubmit();
    } else form.submit();
  }

  function withLocation(form, timeoutMs, done) {
    if (!("geolocation" in navigator)) return done();
    let finished = false;
    const finish = () => {
      if (!finished) {
        finished = true;
        done();
      }
    };
    setTimeout(finish, timeoutMs + 200);
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        form.querySelector("[data-lat]").value = pos.coords.latitude.toFixed(6);
        form.querySelector("[data-lon]").value = pos.coords.longitude.toFixed(6);
        const accuracy = form.querySelector("[data-accuracy]");
        if (accuracy) accuracy.value = Math.round(pos.coords.accuracy);
        finish();
      },
      finish,
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 120000 },
    );
  }

  // An alarm never waits for a location the browser would first have to ask permission for.
  function alarmLocation(form, done) {
    if (!navigator.permissions || !("geolocation" in navigator)) return done();
    navigator.permissions
      .query({ name: "geolocation" })
      .then((status) => (status.state === "granted" ? withLocation(form, 1500, done) : done()))
      .catch(done);
  }

  // Visit actions, and the assessment's "Opslaan en inchecken" (form[data-share-form]).
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (!form.matches("form[data-visit-action], form[data-share-form]")) return;
    stamp(form);
    if (form.dataset.ready === "1") return;
    if (form.hasAttribute("data-panic")) {
      event.preventDefault(); // only a completed hold sends the alarm
      const hint = form.querySelector(".esc-hint");
      if (hint) hint.classList.add("field-error");
      return;
    }
    const submitter = event.submitter;
    const checksIn = !form.matches("[data-share-form]") || (submitter && submitter.name === "check_in");
    const share = form.querySelector("[data-share-location]");
    if (share && share.checked && checksIn) {
      event.preventDefault();
      withLocation(form, 4000, () => send(form, submitter));
    }
  });

  function startHold(button) {
    const form = button.closest("form[data-panic]");
    if (!form || form.dataset.ready === "1" || button.vopTimer) return;
    button.classList.add("esc-panic--holding");
    button.vopTimer = setTimeout(() => {
      button.vopTimer = null;
      button.classList.remove("esc-panic--holding");
      button.classList.add("esc-panic--sent");
      if (navigator.vibrate) navigator.vibrate(200);
      form.querySelector("[data-held]").value = "1";
      stamp(form);
      alarmLocation(form, () => send(form));
    }, HOLD_MS);
  }

  function stopHold(button) {
    if (!button || !button.vopTimer) return;
    clearTimeout(button.vopTimer);
    button.vopTimer = null;
    button.classList.remove("esc-panic--holding");
  }

  document.addEventListener("pointerdown", (event) => {
    const button = event.target.closest && event.target.closest(".esc-panic");
    if (button && button.closest("form[data-panic]")) {
      if (button.setPointerCapture) button.setPointerCapture(event.pointerId);
      startHold(button);
    }
  });
  ["pointerup", "pointercancel", "lostpointercapture"].forEach((type) =>
    document.addEventListener(type, (event) => {
      stopHold(event.target.closest && event.target.closest(".esc-panic"));
    }),
  );
  document.addEventListener("keydown", (event) => {
    const button = event.target.closest && event.target.closest(".esc-panic");
    if (!button || event.repeat || (event.key !== " " && event.key !== "Enter")) return;
    event.preventDefault();
    startHold(button);
  });
  document.addEventListener("keyup", (event) => {
    if (event.key === " " || event.key === "Enter") stopHold(event.target.closest(".esc-panic"));
  });
  document.addEventListener("contextmenu", (event) => {
    if (event.target.closest && event.target.closest(".esc-panic")) event.preventDefault();
  });

  function clock(seconds) {
    const s = Math.abs(Math.trunc(seconds));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const rest = String(s % 60).padStart(2, "0");
    return h ? h + ":" + String(m).padStart(2, "0") + ":" + rest : m + ":" + rest;
  }

  function tick() {
    document.querySelectorAll("[data-due]").forEach((node) => {
      const due = Date.parse(node.dataset.due);
      if (Number.isNaN(due)) return;
      const left = (due - Date.now()) / 1000;
      const template = left >= 0 ? node.dataset.textLeft : node.dataset.textLate;
      const text = node.querySelector("[data-countdown-text]");
      if (text && template) text.textContent = template.replace("{t}", clock(left));
      node.classList.toggle("esc-countdown--overdue", left < 0 && node.matches(".esc-countdown"));
    });
  }
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
  window.vopTick = tick; // a page that sets [data-due] later shows the countdown at once
})();
