// Veilig op Pad service worker.
// Precaches the static shell and the pages kept for use without signal (never one that names
// a user), each in every language. A navigation that finds no network gets, in the language
// the phone last showed: the report form for the report's addresses, the protocol card for
// its own, the running visit's screen while a visit runs on this phone, else the offline
// page. The server (app/pwa.py) fills in VERSION (a hash of this file, the shell files and the
// precached pages), PRECACHE and ROUTES, so any change installs a new worker at once.
"use strict";

const VERSION = "__VERSION__";
const CACHE = "vop-shell-" + VERSION;
const PRECACHE = __PRECACHE__;
const ROUTES = __ROUTES__;
const PAGES = ROUTES.pages; // the pages kept for use without signal, each per language
const LANGUAGES = ROUTES.languages;

// ---- sync: offline incident reports and visit actions -----------------------------------
// Background Sync flushes the outbox (static/js/outbox.js, shared with the pages) when the
// browser has it; pages also flush on load and on `online`. The outbox's database also holds
// the device record (the running visit, the language) that chooses the page shown offline.
try {
  importScripts(ROUTES.outbox);
} catch (err) {
  // Without the outbox the worker still serves the shell; pages keep flushing themselves.
  console.warn("Outbox niet geladen in de service worker", err);
}

self.addEventListener("sync", (event) => {
  if (event.tag === "vop-outbox" && self.vopOutbox) event.waitUntil(self.vopOutbox.backgroundFlush());
});
// ---- end of sync ------------------------------------------------------------------------

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

function language(record) {
  if (record && LANGUAGES.includes(record.language)) return record.language;
  const guess = String(self.navigator.language || "").slice(0, 2);
  return LANGUAGES.includes(guess) ? guess : LANGUAGES[0];
}

function kept(page, lang) {
  return caches.match(page + "?taal=" + lang, { cacheName: CACHE });
}

// The page to show for a navigation without network.
async function offlinePage(url) {
  const record = self.vopOutbox ? await self.vopOutbox.device.get() : null;
  const lang = language(record);
  let page = PAGES.offline;
  if (url.pathname === PAGES.report_shell || url.pathname === ROUTES.report_form) page = PAGES.report_shell;
  else if (url.pathname === PAGES.protocol_card) page = PAGES.protocol_card;
  else if (record && record.worker && record.visit) page = PAGES.visit;
  return (await kept(page, lang)) || (await kept(PAGES.offline, lang)) || Response.error();
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // Pages are always fetched fresh and never stored: they may hold personal data.
    event.respondWith(fetch(request).catch(() => offlinePage(url)));
    return;
  }
  if (PRECACHE.includes(url.pathname)) {
    event.respondWith(
      caches.match(url.pathname, { cacheName: CACHE }).then((hit) => hit || fetch(request)),
    );
  }
});

// ---- push: reminders and alarms as notifications ----------------------------------------
// Every push is shown as a notification. The payload is JSON (app/escalation/payloads.py): type, title,
// body, url; office alarms also visit_id and alarm_id; reminders carry a signed token for
// their buttons. The worker reports each receipt, so the office board shows when a device
// last really got a push (some push services accept messages for dead subscriptions).
// Buttons: office "Alarm openen"; worker "Alles goed — 15 min erbij" and "Verlengen" (15
// minutes), and on the halfway check "Alles goed".
const PUSH_ICON = ROUTES.icon;
const ALARM_TYPES = ["alarm", "panic", "duress", "missed_check", "wrong_pin"];
const WORKER_ACTIONS = ["ok", "extend", "halfway_ok"];

function pushData(event) {
  if (!event.data) return {};
  try {
    return event.data.json();
  } catch (err) {
    return { title: "Veilig op Pad", body: event.data.text() };
  }
}

function postJson(url, body) {
  return fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

self.addEventListener("push", (event) => {
  const data = pushData(event);
  const alarm = ALARM_TYPES.includes(data.type);
  const options = {
    body: data.body || "",
    tag: data.tag || undefined,
    renotify: Boolean(data.tag),
    requireInteraction: alarm || data.type === "overdue" || data.type === "halfway",
    icon: PUSH_ICON,
    badge: PUSH_ICON,
    vibrate: alarm ? [400, 150, 400, 150, 400] : [200],
    actions: (data.actions || []).slice(0, 2),
    data: { url: data.url || "/", token: data.token, type: data.type, alarm_id: data.alarm_id },
  };
  const shown = self.registration.showNotification(data.title || "Veilig op Pad", options);
  const receipt = data.receipt
    ? postJson("/push/receipts", { id: data.id, receipt: data.receipt }).catch(() => undefined)
    : Promise.resolve();
  event.waitUntil(Promise.all([shown, receipt]));
});

function openPage(url) {
  const target = new URL(url || "/", self.location.origin).href;
  return self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((list) => {
    const open = list.find((client) => client.url === target && "focus" in client);
    return open ? open.focus() : self.clients.openWindow(target);
  });
}

self.addEventListener("notificationclick", (event) => {
  const note = event.notification;
  const data = note.data || {};
  note.close();
  if (WORKER_ACTIONS.includes(event.action) && data.token) {
    // Answer straight from the notification; when that fails (offline, expired), open the app.
    event.waitUntil(
      postJson("/push/actions", { action: event.action, token: data.token, at: new Date().toISOString() })
        .then((response) => (response.ok ? response.json() : Promise.reject(new Error("refused"))))
        .then((answer) =>
          self.registration.showNotification(answer.title || "Veilig op Pad", {
            body: answer.message || "",
            tag: "vop-confirm",
            icon: PUSH_ICON,
          }),
        )
        .catch(() => openPage(data.url)),
    );
    return;
  }
  event.waitUntil(openPage(data.url));
});
// ---- end of push ------------------------------------------------------------------------
