// Veilig op Pad: the outbox. Incident reports and visit actions made on the phone are kept
// in IndexedDB under a UUID made here, and sent to the server's /sync endpoint, which is
// idempotent by that id. An item leaves the outbox only after the server confirmed it;
// a refused item stays in view until the worker removes it. Nothing expires.
//
// Flushed on page load, on the `online` event, every 30 s, by Background Sync (the service
// worker imports this same file) and by the "Nu verzenden" button. A session that ended while
// offline makes the outbox wait and ask for a login; after it, the next page sends.
// Logout is refused while items wait; an empty outbox logs out and clears the device.
// The forms that fill it have files of their own: outbox-report.js (incident reports) and
// outbox-actions.js (visit actions, sent at once through `sendNow`, queued when that fails).
// Beside the items, the same database keeps the device record (store "device"): the running
// visit's few facts and the language, so the visit screen opens without signal (see
// app/escalation/emergency.py); it goes with the rest at logout.
(function (global) {
  "use strict";

  const DB_NAME = "vop-outbox";
  const DB_VERSION = 2; // 2: the "device" store
  const STORE = "items";
  const DEVICE = "device";
  const SYNC_TAG = "vop-outbox";
  const CHUNK = 50;
  const CHUNK_BYTES = 128 * 1024;
  const REQUEST_MS = 60000; // a full chunk (128 kB) must still fit over a slow link
  const USER_KEY = "vop-outbox-user";
  const inPage = typeof document !== "undefined";
  const script = inPage ? document.currentScript : null;
  const T = readTexts();
  const URLS = { status: "/sync/status", sync: "/sync", login: "/login", ...(T.urls || {}) };
  const channel = "BroadcastChannel" in global ? new BroadcastChannel("vop-outbox") : null;

  function readTexts() {
    try {
      return JSON.parse((script && script.dataset.texts) || "{}");
    } catch (err) {
      return {};
    }
  }

  function text(key, values) {
    let result = T[key] || key;
    Object.entries(values || {}).forEach(([name, value]) => {
      result = result.split("{" + name + "}").join(String(value));
    });
    return result;
  }

  // ---- storage (pages and the service worker) -----------------------------------------

  let dbPromise = null;

  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const request = indexedDB.open(DB_NAME, DB_VERSION);
        request.onupgradeneeded = () => {
          const names = request.result.objectStoreNames;
          if (!names.contains(STORE)) request.result.createObjectStore(STORE, { keyPath: "id" });
          if (!names.contains(DEVICE)) request.result.createObjectStore(DEVICE, { keyPath: "key" });
        };
        request.onsuccess = () => {
          const db = request.result;
          // Another tab logging out deletes the database: let go of it at once.
          db.onversionchange = () => {
            db.close();
            dbPromise = null;
          };
          resolve(db);
        };
        request.onerror = () => {
          dbPromise = null;
          reject(request.error);
        };
      });
    }
    return dbPromise;
  }

  function withStore(mode, work, name) {
    return openDb().then(
      (db) =>
        new Promise((resolve, reject) => {
          const tx = db.transaction(name || STORE, mode);
          const result = work(tx.objectStore(name || STORE));
          tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
          tx.onerror = () => reject(tx.error);
          tx.onabort = () => reject(tx.error);
        }),
    );
  }

  // Reading never creates the database, so a device cleared at logout stays clear.
  function exists() {
    if (dbPromise || !indexedDB.databases) return Promise.resolve(true);
    return indexedDB
      .databases()
      .then((list) => list.some((each) => each.name === DB_NAME))
      .catch(() => true);
  }

  function allItems() {
    return exists().then((found) =>
      found
        ? withStore("readonly", (store) => store.getAll()).then((items) => (items || []).sort((a, b) => a.seq - b.seq))
        : [],
    );
  }

  function putItem(item) {
    return withStore("readwrite", (store) => store.put(item)).then(changed);
  }

  function deleteItem(id) {
    return withStore("readwrite", (store) => store.delete(id)).then(changed);
  }

  function updateItem(id, changes) {
    return withStore("readwrite", (store) => {
      const request = store.get(id);
      request.onsuccess = () => {
        if (request.result) store.put({ ...request.result, ...changes });
      };
    }).then(changed);
  }

  // The device record: {key: "record", worker, language, office_phone, visit: {...} | null}.
  const device = {
    get: function () {
      return exists()
        .then((found) => (found ? withStore("readonly", (store) => store.get("record"), DEVICE) : null))
        .then((record) => record || null)
        .catch(() => null);
    },
    put: function (record) {
      return withStore("readwrite", (store) => store.put({ ...record, key: "record" }), DEVICE);
    },
    // Change the running visit's facts (an action queued offline), or forget it (null).
    setVisit: function (changes) {
      return device.get().then((record) => {
        if (!record || !record.visit) return null;
        const visit = changes === null ? null : { ...record.visit, ...changes };
        return device.put({ ...record, visit: visit });
      });
    },
  };

  function changed() {
    if (channel) channel.postMessage("changed");
    if (inPage) render();
  }

  let lastSeq = 0;
  function nextSeq() {
    lastSeq = Math.max(Date.now() * 1000, lastSeq + 1);
    return lastSeq;
  }

  function newId() {
    if (global.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function rememberedUser() {
    try {
      // A page served fresh names its user; a page from the cache does not.
      if (inPage && T.user_id) localStorage.setItem(USER_KEY, String(T.user_id));
      return inPage ? Number(localStorage.getItem(USER_KEY)) || null : null;
    } catch (err) {
      return T.user_id || null;
    }
  }

  // Items their page is sending itself right now (sendNow): not yet "waiting" in the banner.
  const sendingNow = new Set();

  // Put a new item in the outbox; it is sent in the order items were made. Options: `at`,
  // the moment it was tapped (ISO), and `sync: false` when the caller sends it itself first.
  function queue(kind, data, id, options) {
    const opts = options || {};
    const item = {
      id: id || newId(),
      kind: kind,
      created_at: opts.at || new Date().toISOString(),
      data: data,
      user_id: rememberedUser(),
      seq: nextSeq(),
      state: "pending",
      attempts: 0,
    };
    if (opts.sync === false) sendingNow.add(item.id);
    // Ask the browser not to evict the outbox when the phone runs short of space.
    if (inPage && navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
    return putItem(item).then(() => {
      if (opts.sync !== false) requestBackgroundSync();
      return item;
    });
  }

  function requestBackgroundSync() {
    if (!inPage || !("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready
      .then((registration) => registration.sync && registration.sync.register(SYNC_TAG))
      .catch(() => {}); // without Background Sync the pages flush on load and when online
  }

  // ---- talking to the server ----------------------------------------------------------

  // With weak signal the phone believes it is online while a request hangs for minutes: each
  // request gives up after REQUEST_MS, or sooner when the caller's signal aborts. The answer
  // is read whole within that time; a failure rejects, and what was not confirmed stays.
  function request(url, options, signal) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_MS);
    if (signal && signal.aborted) controller.abort();
    else if (signal) signal.addEventListener("abort", () => controller.abort(), { once: true });
    return fetch(url, { credentials: "same-origin", ...options, signal: controller.signal })
      .then((response) => response.text().then((body) => ({ status: response.status, ok: response.ok, body: body })))
      .finally(() => clearTimeout(timer));
  }

  function getStatus(signal) {
    return request(URLS.status, { headers: { Accept: "application/json" } }, signal).then((response) => {
      if (response.status === 401) return { login: true };
      if (!response.ok) throw new Error("status " + response.status);
      const status = JSON.parse(response.body);
      try {
        if (inPage) localStorage.setItem(USER_KEY, String(status.user_id));
        if (inPage && status.office_phone) localStorage.setItem("vop-office-phone", status.office_phone);
      } catch (err) {
        /* private mode: the page's own values are used */
      }
      return status;
    });
  }

  function post(items, token, signal) {
    const body = items.map((item) => ({ id: item.id, kind: item.kind, created_at: item.created_at, data: item.data }));
    const headers = { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token };
    return request(URLS.sync, { method: "POST", headers: headers, body: JSON.stringify({ items: body }) }, signal);
  }

  // The server has answered a check-out: its duress PIN is of no more use on the phone.
  function withoutPin(data) {
    const rest = { ...data };
    delete rest.pin;
    return rest;
  }

  // Send one chunk; return "ok", "stop" (try later) or "login". Rejects when the network fails.
  async function sendChunk(chunk, status, report, signal) {
    let response = await post(chunk, status.csrf_token, signal);
    if (response.status === 400) {
      // A token from before a new login: fetch a fresh one and try once more.
      const fresh = await getStatus(signal);
      if (fresh.login) return "login";
      status.csrf_token = fresh.csrf_token;
      response = await post(chunk, status.csrf_token, signal);
    }
    if (response.status === 401) return "login";
    if (!response.ok) {
      await Promise.all(chunk.map((item) => updateItem(item.id, { attempts: item.attempts + 1, message: text("retry_later") })));
      return "stop";
    }
    const answer = JSON.parse(response.body);
    let verdict = "ok";
    for (const result of answer.results || []) {
      const item = chunk[result.index];
      if (!item || item.id !== result.id) continue;
      report[item.id] = result;
      if (result.outcome === "stored") {
        await deleteItem(item.id);
      } else if (["refused", "invalid", "conflict"].includes(result.outcome)) {
        const data = item.kind === "check_out" ? withoutPin(item.data) : item.data;
        await updateItem(item.id, { state: "refused", data: data, message: result.message || "", errors: result.errors || null });
      } else {
        await updateItem(item.id, { attempts: item.attempts + 1, message: text("retry_later") });
        verdict = "stop"; // keep the order: later items wait for this one
      }
    }
    return verdict;
  }

  // Batches stay well under the server's limits (100 items, 512 kB a request).
  function chunks(items) {
    const result = [];
    let current = [];
    let bytes = 0;
    for (const item of items) {
      const size = JSON.stringify(item.data).length + 200;
      if (current.length && (current.length >= CHUNK || bytes + size > CHUNK_BYTES)) {
        result.push(current);
        current = [];
        bytes = 0;
      }
      current.push(item);
      bytes += size;
    }
    if (current.length) result.push(current);
    return result;
  }

  const state = { login: false, otherUser: false, offline: false, sending: false };
  let running = null;

  // Send every waiting item; resolve with {sent, results, login, offline}.
  function flush() {
    // A flush already under way may have read the outbox before a new item came in.
    if (running) return running.then(() => flush());
    running = doFlush().finally(() => {
      running = null;
    });
    return running;
  }

  async function doFlush() {
    const report = {};
    let waiting = (await allItems()).filter((item) => item.state === "pending");
    if (!waiting.length) return { results: report };
    state.sending = true;
    if (inPage) render();
    try {
      const status = await getStatus();
      state.offline = false;
      state.login = Boolean(status.login);
      if (status.login) return { results: report, login: true };
      state.otherUser = waiting.some((item) => item.user_id && item.user_id !== status.user_id);
      waiting = waiting.filter((item) => !item.user_id || item.user_id === status.user_id);
      for (const item of waiting.filter((each) => !each.user_id)) {
        item.user_id = status.user_id;
        await updateItem(item.id, { user_id: status.user_id });
      }
      for (const chunk of chunks(waiting)) {
        const verdict = await sendChunk(chunk, status, report);
        if (verdict === "login") {
          state.login = true;
          return { results: report, login: true };
        }
        if (verdict === "stop") break;
      }
      return { results: report };
    } catch (err) {
      state.offline = true; // no network (fetch failed): the next trigger tries again
      return { results: report, offline: true };
    } finally {
      state.sending = false;
      changed();
    }
  }

  // Background Sync: reject while the network is away, so the browser tries again.
  global.vopOutbox = {
    queue: queue,
    flush: flush,
    allItems: allItems,
    device: device,
    backgroundFlush: function () {
      return flush().then((outcome) => {
        if (outcome.offline) throw new Error("offline");
        return outcome;
      });
    },
  };
  if (!inPage) return;

  // ---- the page: banner, "Nu verzenden", logout --------------------------------------

  function banner() {
    let section = document.querySelector("[data-outbox-banner]");
    if (!section) {
      section = document.createElement("section");
      section.className = "outbox-banner utrecht-alert utrecht-alert--info";
      section.dataset.outboxBanner = "";
      section.setAttribute("aria-live", "polite");
      section.hidden = true;
      const main = document.querySelector("main") || document.body;
      main.insertBefore(section, main.firstChild);
      if (URLS.css && !document.querySelector('link[href="' + URLS.css + '"]')) {
        const link = document.createElement("link");
        link.rel = "stylesheet";
        link.href = URLS.css;
        document.head.append(link);
      }
    }
    return section;
  }

  function element(tag, className, content) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (content) node.textContent = content;
    return node;
  }

  function pendingText(count) {
    return count === 1 ? text("pending_one") : text("pending_many", { n: count });
  }

  function sendNowButton() {
    const button = element("button", "utrecht-button utrecht-button--primary-action big-button", text("send_now"));
    button.type = "button";
    button.dataset.outboxSend = "";
    button.disabled = state.sending;
    return button;
  }

  function refusedItem(item) {
    const row = element("li", "outbox-refused");
    const when = new Date(item.created_at).toLocaleString(document.documentElement.lang || "nl");
    row.append(element("strong", "", text("refused") + ": " + text("kind_" + item.kind) + " (" + when + ")"));
    const reasons = [item.message].concat(Object.values(item.errors || {})).filter(Boolean);
    reasons.forEach((reason) => row.append(element("p", "field-error", reason)));
    if (item.kind === "incident" && item.data.description) {
      row.append(element("p", "outbox-quote", item.data.description));
    }
    if (item.kind === "incident" && URLS.new_report) {
      const edit = element("a", "utrecht-button utrecht-button--primary-action", text("edit_again"));
      edit.href = URLS.new_report + "?outbox=" + encodeURIComponent(item.id);
      row.append(edit, document.createTextNode(" "));
    }
    const remove = element("button", "utrecht-button utrecht-button--secondary-action", text("dismiss"));
    remove.type = "button";
    remove.dataset.outboxDismiss = item.id;
    row.append(remove);
    return row;
  }

  let rendering = Promise.resolve();
  function render() {
    rendering = rendering.then(() => allItems().then(draw)).catch(() => {});
    return rendering;
  }

  function draw(all) {
    const section = banner();
    const items = all.filter((item) => !sendingNow.has(item.id));
    const pending = items.filter((item) => item.state === "pending");
    const refused = items.filter((item) => item.state === "refused");
    section.replaceChildren();
    section.hidden = !items.length && !state.justSent;
    if (!items.length) {
      if (state.justSent) section.append(element("p", "utrecht-paragraph", text("all_sent")));
      return;
    }
    if (pending.length) {
      section.append(element("p", "utrecht-paragraph outbox-count", pendingText(pending.length)));
      if (state.sending) section.append(element("p", "utrecht-paragraph", text("sending")));
      else if (state.offline) section.append(element("p", "utrecht-paragraph", text("no_network")));
      if (state.login) {
        section.append(element("p", "utrecht-paragraph", text("login_needed")));
        const link = element("a", "utrecht-button utrecht-button--primary-action big-button", text("login"));
        link.href = URLS.login + "?next=" + encodeURIComponent(location.pathname + location.search);
        section.append(link);
      } else {
        section.append(sendNowButton());
      }
      if (state.otherUser) section.append(element("p", "utrecht-paragraph", text("other_user")));
    }
    if (refused.length) {
      const list = element("ul", "outbox-list");
      refused.forEach((item) => list.append(refusedItem(item)));
      section.append(list);
    }
  }

  // After each flush from this page (and when another tab or the worker changed the outbox)
  // other scripts hear "vop-outbox-changed": outbox-actions.js shows a visit as it now is.
  function announce() {
    global.dispatchEvent(new CustomEvent("vop-outbox-changed"));
  }

  function flushFromPage() {
    return flush().then((outcome) => {
      state.justSent = Object.values(outcome.results).some((r) => r.outcome === "stored");
      return render().then(() => {
        announce();
        return outcome;
      });
    });
  }

  // Send these items now, with this page's token, within the caller's signal: a visit action
  // must not wait behind a flush already under way (the server takes the same id twice as
  // one). Resolve with each item's result by id; reject when the network failed.
  async function sendNow(items, signal) {
    const status = { csrf_token: global.vop ? global.vop.csrfToken() : "", user_id: T.user_id };
    const report = {};
    try {
      const verdict = await sendChunk(items, status, report, signal);
      state.offline = false;
      if (verdict === "login") state.login = true;
      return report;
    } catch (err) {
      state.offline = true;
      throw err;
    } finally {
      items.forEach((item) => sendingNow.delete(item.id));
      render();
    }
  }

  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    if (target.closest("[data-outbox-send]")) {
      event.preventDefault();
      flushFromPage();
    }
    const dismiss = target.closest("[data-outbox-dismiss]");
    if (dismiss && global.confirm(text("dismiss_confirm"))) {
      deleteItem(dismiss.dataset.outboxDismiss);
    }
  });

  // Logout: refused while anything waits; otherwise the device is cleared first.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.matches('form[action$="/logout"]')) return;
    event.preventDefault();
    allItems()
      .catch(() => [])
      .then((items) => {
        if (items.length) return refuseLogout(items);
        if (!navigator.onLine) return showBannerMessage(text("logout_offline"));
        return clearDevice().then(() => HTMLFormElement.prototype.submit.call(form));
      });
  });

  function refuseLogout(items) {
    render().then(() => {
      const section = banner();
      section.hidden = false;
      const message = element("p", "utrecht-paragraph field-error outbox-logout", text("logout_refused", { pending: pendingText(items.length) }));
      message.setAttribute("role", "alert");
      section.prepend(message);
      if (!section.querySelector("[data-outbox-send]")) section.append(sendNowButton());
      section.scrollIntoView({ block: "start" });
    });
  }

  function showBannerMessage(message) {
    const section = banner();
    section.hidden = false;
    const note = element("p", "utrecht-paragraph field-error", message);
    note.setAttribute("role", "alert");
    section.prepend(note);
  }

  // Remove what this app keeps on the device: the outbox, the caches, the worker.
  function clearDevice() {
    const closing = dbPromise ? dbPromise.then((db) => db.close()).catch(() => {}) : Promise.resolve();
    dbPromise = null;
    const deleted = closing.then(
      () =>
        new Promise((resolve) => {
          const request = indexedDB.deleteDatabase(DB_NAME);
          request.onsuccess = request.onerror = () => resolve();
          setTimeout(resolve, 2000); // another tab holding on must not block the logout
        }),
    );
    const cleared = "caches" in global ? caches.keys().then((keys) => Promise.all(keys.map((key) => caches.delete(key)))) : null;
    const unregistered =
      "serviceWorker" in navigator
        ? navigator.serviceWorker.getRegistrations().then((all) => Promise.all(all.map((r) => r.unregister())))
        : null;
    try {
      localStorage.removeItem(USER_KEY);
      localStorage.removeItem("vop-office-phone");
    } catch (err) {
      /* nothing stored */
    }
    return Promise.all([deleted, cleared, unregistered]).catch(() => {});
  }

  global.vopOutbox.render = render;
  global.vopOutbox.text = text;
  global.vopOutbox.officePhone = function () {
    let stored = "";
    try {
      stored = localStorage.getItem("vop-office-phone") || "";
    } catch (err) {
      /* use the page's value */
    }
    return T.office_phone || stored;
  };
  global.vopOutbox.flushFromPage = flushFromPage;
  global.vopOutbox.state = state;
  global.vopOutbox.sendNow = sendNow;
  global.vopOutbox.remove = deleteItem;
  global.vopOutbox.requestBackgroundSync = requestBackgroundSync;
  global.vopOutbox.urls = URLS;
  global.vopOutbox.newId = newId;
  global.vopOutbox.zone = T.zone || "Europe/Amsterdam";

  if (channel) channel.onmessage = () => render().then(announce);
  global.addEventListener("online", () => flushFromPage());
  global.addEventListener("offline", () => {
    state.offline = true;
    render();
  });
  // Items that failed on the server are tried again while the page is open.
  setInterval(() => {
    if (navigator.onLine) flushFromPage();
  }, 30000);
  flushFromPage();
})(self);
