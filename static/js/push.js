// Veilig op Pad: turn on web push on this device (templates/escalation/notifications.html).
// Subscribes with the server's VAPID key and hands PushSubscription.toJSON() to
// POST /push/subscriptions (app/escalation/push_views.py). An existing subscription is sent again on each
// visit, so the server keeps it even after the browser renewed it.
(function () {
  "use strict";

  function keyBytes(base64url) {
    const padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }

  function say(status, name) {
    if (status) status.textContent = status.dataset["text" + name] || "";
  }

  function register(subscription) {
    return window.vop.post("/push/subscriptions", subscription.toJSON()).then((response) => {
      if (!response.ok) throw new Error("subscription refused: " + response.status);
    });
  }

  function enable(status, button) {
    Notification.requestPermission()
      .then((permission) => {
        if (permission !== "granted") throw new Error("denied");
        return Promise.all([
          navigator.serviceWorker.ready,
          fetch("/push/vapid-public-key", { credentials: "same-origin" }).then((r) => r.json()),
        ]);
      })
      .then(([registration, key]) =>
        registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: keyBytes(key.publicKey),
        }),
      )
      .then(register)
      .then(() => {
        say(status, "On");
        button.hidden = true;
      })
      .catch((err) => say(status, err && err.message === "denied" ? "Denied" : "Failed"));
  }

  document.addEventListener("DOMContentLoaded", () => {
    const status = document.querySelector("[data-push-status]");
    const button = document.querySelector("[data-push-enable]");
    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !window.vop) {
      return say(status, "Unsupported");
    }
    if (window.Notification && Notification.permission === "denied") return say(status, "Denied");
    navigator.serviceWorker.ready
      .then((registration) => registration.pushManager.getSubscription())
      .then((subscription) => {
        if (subscription) {
          say(status, "On");
          return register(subscription).catch(() => undefined);
        }
        say(status, "Off");
        if (button) {
          button.hidden = false;
          button.addEventListener("click", () => enable(status, button));
        }
      })
      .catch(() => say(status, "Unsupported"));
  });
})();
