// Veilig op Pad service worker.
// Precaches the static shell (never an authenticated page) and serves the offline page
// when a navigation finds no network. The server fills in VERSION (a hash of this file
// and the shell) and PRECACHE, so any change installs a new worker that takes over at once.
"use strict";

const VERSION = "__VERSION__";
const CACHE = "vop-shell-" + VERSION;
const PRECACHE = __PRECACHE__;
const OFFLINE_URL = PRECACHE[PRECACHE.length - 1];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys.filter((key) => key.startsWith("vop-shell-") && key !== CACHE).map((key) => caches.delete(key)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // Pages are always fetched fresh and never stored: they may hold personal data.
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE_URL, { cacheName: CACHE })));
    return;
  }
  if (PRECACHE.includes(url.pathname)) {
    event.respondWith(
      caches.match(url.pathname, { cacheName: CACHE }).then((hit) => hit || fetch(request)),
    );
  }
});
