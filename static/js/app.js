// Veilig op Pad: the little client code every page needs.
// - htmx and fetch calls carry the CSRF token from <meta name="csrf-token">.
// - The service worker is registered (a new version takes over on its own: see sw.js).
(function () {
  "use strict";

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });

  // A fetch that sends the CSRF token and JSON, for the app's own scripts.
  window.vop = {
    csrfToken: csrfToken,
    post: function (url, body, method) {
      return fetch(url, {
        method: method || "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify(body || {}),
      });
    },
  };

  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function (err) {
        console.warn("Service worker niet geregistreerd", err);
      });
    });
  }
})();
