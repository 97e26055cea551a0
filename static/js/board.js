// Veilig op Pad: the office's live board. htmx refreshes #board-live every 2 seconds; this
// file plays a sound when a new alarm appears, once the user has turned sound on (browsers
// only allow sound after a click, so the choice is remembered but needs one click per load).
(function () {
  "use strict";
  const KEY = "vop-board-sound";
  let audio = null;
  let known = null;

  function ids() {
    const node = document.querySelector("[data-alarm-ids]");
    if (!node || !node.dataset.alarmIds) return [];
    return node.dataset.alarmIds.split(",").filter(Boolean);
  }

  function beep() {
    if (!audio) return;
    if (audio.state === "suspended") audio.resume();
    [0, 0.35, 0.7].forEach((offset) => {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = "square";
      osc.frequency.value = 880;
      gain.gain.value = 0.2;
      osc.connect(gain).connect(audio.destination);
      osc.start(audio.currentTime + offset);
      osc.stop(audio.currentTime + offset + 0.2);
    });
  }

  function showState(button) {
    const on = Boolean(audio);
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.textContent = on ? button.dataset.textOn : button.dataset.textOff;
  }

  function toggle(button) {
    if (audio) {
      audio.close();
      audio = null;
      localStorage.removeItem(KEY);
    } else {
      const Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) return;
      audio = new Context();
      localStorage.setItem(KEY, "on");
      beep();
    }
    showState(button);
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("[data-sound-toggle]");
    if (button) toggle(button);
  });

  document.addEventListener("htmx:afterSwap", (event) => {
    if (!event.target || event.target.id !== "board-live") return;
    const now = ids();
    const fresh = known !== null && now.some((id) => !known.includes(id));
    known = now;
    if (fresh) {
      beep();
      document.title = "(!) " + document.title.replace(/^\(!\) /, "");
    } else if (!now.length) {
      document.title = document.title.replace(/^\(!\) /, "");
    }
  });

  document.addEventListener("DOMContentLoaded", () => {
    known = ids();
    const button = document.querySelector("[data-sound-toggle]");
    if (button && localStorage.getItem(KEY) === "on") {
      button.textContent = button.dataset.textOff;
    }
  });
})();
