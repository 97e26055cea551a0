// Veilig op Pad: the outbox. Incident reports and visit actions made on the phone are kept
// in IndexedDB under a UUID made here, and sent to the server's /sync endpoint, which is
// idempotent by that id. An item leaves the outbox only after the server confirmed it;
// a refused item stays in view until the worker removes it. Nothing expires.
//
// Flushed on page load, on the `online` event, by Background Sync (the service worker
// imports this same file) and by the "Nu verzenden" button. A session that ended while
// offline makes the outbox wait and ask for a login; after it, the next page sends.
// Logout is refused while items wait; an empty outbox logs out and clears the device.
(function (global) {
  "use strict";

  const DB_NAME = "vop-outbox";
  const STORE = "items";
  const SYNC_TAG = "vop-outbox";
  const CHUNK = 50;
  const CHUNK_BYTES = 128 * 1024;
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
        const request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "id" });
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

  function withStore(mode, work) {
    return openDb().then(
      (db) =>
        new Promise((resolve, reject) => {
          const tx = db.transaction(STORE, mode);
          const result = work(tx.objectStore(STORE));
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

  // Put a new item in the outbox; it is sent in the order items were made.
  function queue(kind, data, id) {
    const item = {
      id: id || newId(),
      kind: kind,
      created_at: new Date().toISOString(),
      data: data,
      user_id: rememberedUser(),
      seq: nextSeq(),
      state: "pending",
      attempts: 0,
    };
    // Ask the browser not to evict the outbox when the phone runs short of space.
    if (inPage && navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
    return putItem(item).then(() => {
      requestBackgroundSync();
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

  function getStatus() {
    return fetch(URLS.status, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(
      (response) => {
        if (response.status === 401) return { login: true };
        if (!response.ok) throw new Error("status " + response.status);
        return response.json().then((status) => {
          try {
            if (inPage) localStorage.setItem(USER_KEY, String(status.user_id));
            if (inPage && status.office_phone) localStorage.setItem("vop-office-phone", status.office_phone);
          } catch (err) {
            /* private mode: the page's own values are used */
          }
          return status;
        });
      },
    );
  }

  function post(items, token) {
    const body = items.map((item) => ({ id: item.id, kind: item.kind, created_at: item.created_at, data: item.data }));
    return fetch(URLS.sync, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ items: body }),
    });
  }

  // Send one chunk; return "ok", "stop" (try later) or "login".
  async function sendChunk(chunk, status, report) {
    let response = await post(chunk, status.csrf_token);
    if (response.status === 400) {
      // A token from before a new login: fetch a fresh one and try once more.
      const fresh = await getStatus();
      if (fresh.login) return "login";
      status.csrf_token = fresh.csrf_token;
      response = await post(chunk, status.csrf_token);
    }
    if (response.status === 401) return "login";
    if (!response.ok) {
      await Promise.all(chunk.map((item) => updateItem(item.id, { attempts: item.attempts + 1, message: text("retry_later") })));
      return "stop";
    }
    const answer = await response.json();
    let verdict = "ok";
    for (const result of answer.results || []) {
      const item = chunk[result.index];
      if (!item || item.id !== result.id) continue;
      report[item.id] = result;
      if (result.outcome === "stored") {
        await deleteItem(item.id);
      } else if (["refused", "invalid", "conflict"].includes(result.outcome)) {
        await updateItem(item.id, { state: "refused", message: result.message || "", errors: result.errors || null });
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

  function draw(items) {
    const section = banner();
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

  function flushFromPage() {
    return flush().then((outcome) => {
      state.justSent = Object.values(outcome.results).some((r) => r.outcome === "stored");
      if (state.justSent) reloadAfterActions();
      return render().then(() => outcome);
    });
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

  // ---- the incident report form --------------------------------------------------------

  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  const usedIds = new Set();

  function localNow() {
    const format = new Intl.DateTimeFormat("sv-SE", {
      timeZone: T.zone || "Europe/Amsterdam",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    return format.format(new Date()).replace(" ", "T");
  }

  function reportData(form) {
    const data = { behaviours: [] };
    new FormData(form).forEach((value, key) => {
      if (key === "csrf_token" || key === "client_id") return;
      if (key === "behaviours") data.behaviours.push(value);
      else data[key] = value;
    });
    return data;
  }

  function clearErrors(form) {
    form.querySelectorAll(".field-error[data-js-error], [data-error-for]").forEach((node) => {
      node.textContent = "";
      node.hidden = true;
    });
    form.querySelectorAll("[aria-invalid]").forEach((node) => node.removeAttribute("aria-invalid"));
  }

  function showErrors(form, errors) {
    Object.entries(errors || {}).forEach(([name, message]) => {
      let node = form.querySelector("#e-" + CSS.escape(name));
      const input = form.querySelector("#f-" + CSS.escape(name));
      if (!node) {
        node = element("p", "field-error");
        node.id = "e-" + name;
        node.dataset.jsError = "";
        const place = input ? input.closest(".utrecht-form-field") || input : form.firstElementChild;
        place.parentNode.insertBefore(node, place);
      }
      node.textContent = message;
      node.hidden = false;
      if (input) input.setAttribute("aria-invalid", "true");
      const details = node.closest("details");
      if (details) details.open = true;
    });
    const first = form.querySelector(".field-error:not([hidden])");
    if (first) first.scrollIntoView({ block: "center" });
  }

  function reportStatus(form) {
    return document.querySelector("[data-report-status]") || form.parentNode.insertBefore(element("div"), form);
  }

  function showReportOutcome(form, result) {
    const status = reportStatus(form);
    status.replaceChildren();
    status.hidden = false;
    const stored = result && result.outcome === "stored";
    status.className = "report-status utrecht-alert " + (stored ? "utrecht-alert--ok" : "utrecht-alert--info");
    status.append(element("p", "utrecht-paragraph", stored ? text("sent") : text("saved_offline")));
    if (stored) {
      const link = element("a", "utrecht-link", text("view_report"));
      link.href = form.dataset.detailUrl.replace(/0$/, String(result.incident_id));
      const line = element("p", "utrecht-paragraph");
      line.append(link);
      status.append(line);
    }
    const again = element("button", "utrecht-button utrecht-button--secondary-action", text("another_report"));
    again.type = "button";
    again.addEventListener("click", () => {
      form.reset();
      form.querySelector('[name="occurred_at"]').value = localNow();
      status.hidden = true;
      form.hidden = false;
    });
    status.append(again);
  }

  async function submitReport(form) {
    clearErrors(form);
    const data = reportData(form);
    if (!data.form && !data.behaviours.length) return showErrors(form, { form: text("choose_form") });
    const idInput = form.querySelector('[name="client_id"]');
    const given = idInput ? idInput.value : "";
    const id = UUID.test(given) && !usedIds.has(given) ? given : newId();
    usedIds.add(id); // a second report from this page gets an id of its own
    form.hidden = true;
    const item = await queue("incident", data, id);
    if (form.dataset.replaces) {
      // The corrected report is safely queued: the refused one it replaces may go.
      await deleteItem(form.dataset.replaces);
      delete form.dataset.replaces;
    }
    const outcome = await flushFromPage();
    const result = outcome.results[item.id];
    if (result && result.outcome === "invalid") {
      // The form still holds every word: correct it there rather than in the outbox.
      await deleteItem(item.id);
      form.hidden = false;
      return showErrors(form, result.errors);
    }
    showReportOutcome(form, result);
  }

  // Ticking a behaviour chooses its form, the most serious one ticked.
  function pickForm(form) {
    const radios = Array.from(form.querySelectorAll('input[name="form"]'));
    const ticked = Array.from(form.querySelectorAll('input[name="behaviours"]:checked'));
    const worst = Math.max(-1, ...ticked.map((box) => radios.findIndex((r) => r.value === box.dataset.form)));
    const current = radios.findIndex((radio) => radio.checked);
    if (worst > current) radios[worst].checked = true;
  }

  // A refused report opened again from the outbox: its words back in the form.
  function fillForm(form, data) {
    Object.entries(data || {}).forEach(([name, value]) => {
      form.querySelectorAll('[name="' + CSS.escape(name) + '"]').forEach((input) => {
        if (input.type === "checkbox" || input.type === "radio") {
          input.checked = Array.isArray(value) ? value.includes(input.value) : String(value) === input.value;
        } else {
          input.value = value == null ? "" : String(value);
        }
      });
    });
  }

  function reopen(form) {
    const id = new URLSearchParams(location.search).get("outbox");
    if (!id || !UUID.test(id)) return;
    allItems().then((items) => {
      const old = items.find((item) => item.id === id && item.kind === "incident");
      if (!old) return;
      fillForm(form, old.data);
      form.dataset.replaces = old.id;
      showErrors(form, Object.assign({}, old.errors || {}, old.message ? { form: old.message } : {}));
    });
  }

  function setUpReportForm(form) {
    const when = form.querySelector('[name="occurred_at"]');
    if (when && !when.value) when.value = localNow();
    // What the server would refuse later is asked for now, while the form is on screen.
    const place = form.querySelector('[name="place_kind"]');
    const visit = form.querySelector('[name="visit_id"]');
    const fromUrl = new URLSearchParams(location.search).get("visit_id");
    if (visit && !visit.value && /^\d+$/.test(fromUrl || "")) visit.value = fromUrl;
    if (place) place.required = !(visit && visit.value); // a visit tells the server the place
    const postcode = form.querySelector('[name="postcode"]');
    if (postcode) postcode.pattern = "\\s*\\d{4}\\s*[A-Za-z]{2}\\s*";
    if (when) when.addEventListener("focus", () => (when.max = localNow()));
    form.addEventListener("change", (event) => {
      if (event.target.name === "behaviours") pickForm(form);
    });
    reopen(form);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      submitReport(form).catch(() => {
        form.hidden = false;
      });
    });
  }

  document.querySelectorAll('form[data-outbox-form="incident"]').forEach(setUpReportForm);

  // ---- visit actions without network --------------------------------------------------
  // The visit buttons (templates/escalation/_visit_actions.html) are forms marked
  // data-visit-action and data-visit-id. With network they post as usual; without, the
  // action goes into the outbox with the moment it was tapped, and the worker is told
  // plainly that the office cannot see it yet, with one tap to text or call the office.
  // Listening on window runs after panic.js (on document), which holds back a panic form
  // until the button was held and a check-in until the location is known.

  function officeLink(scheme, label, body) {
    const phone = global.vopOutbox.officePhone();
    if (!phone) return null;
    const link = element("a", "utrecht-button utrecht-button--primary-action big-button", label);
    link.href = scheme + ":" + phone + (body ? "?body=" + encodeURIComponent(body) : "");
    link.dataset.officeLink = scheme;
    return link;
  }

  function actionData(form, kind) {
    const data = { visit_id: Number(form.dataset.visitId) };
    const value = (name) => {
      const input = form.querySelector('[name="' + name + '"]');
      return input ? input.value.trim() : "";
    };
    if (kind === "check_out" && value("pin")) data.pin = value("pin");
    if (kind === "extend") {
      data.minutes = Number(value("minutes"));
      data.reason = value("reason");
    }
    if ((kind === "panic" || kind === "check_in") && value("lat") && value("lon")) {
      data.location = [Number(value("lat")), Number(value("lon"))];
    }
    return data;
  }

  function offlineOffer(form, kind) {
    const visit = form.dataset.visitLabel || "#" + form.dataset.visitId;
    const time = new Date().toLocaleTimeString(document.documentElement.lang || "nl", { hour: "2-digit", minute: "2-digit" });
    const panel = element("div", "offline-offer utrecht-alert utrecht-alert--error stack");
    panel.setAttribute("role", "alert");
    panel.dataset.offlineOffer = kind;
    const message = { check_out: "offline_checkout", panic: "offline_panic", check_in: "offline_check_in" }[kind] || "offline_action";
    panel.append(element("p", "utrecht-paragraph", text(message)));
    if (kind === "panic") {
      const call112 = element("a", "utrecht-button big-button esc-panic", text("call_112"));
      call112.href = "tel:112";
      panel.append(call112);
    }
    const sms = { panic: "sms_panic", check_out: "sms_checkout" }[kind];
    const body = sms ? text(sms, { visit: visit, time: time }) : "";
    const links = [officeLink("tel", text("call_office")), officeLink("sms", text("sms_office"), body)];
    if (kind === "panic") links.reverse();
    links.filter(Boolean).forEach((link) => panel.append(link));
    if (!links[0]) panel.append(element("p", "utrecht-paragraph", text("no_office_phone")));
    panel.append(element("p", "utrecht-paragraph", text("queued_action")));
    if (kind === "check_out" && T.urls && T.urls.new_report) {
      const report = element("a", "utrecht-button utrecht-button--secondary-action big-button", text("report_incident"));
      report.href = T.urls.new_report + "?visit_id=" + encodeURIComponent(form.dataset.visitId);
      panel.append(element("p", "utrecht-paragraph", text("incident_question")), report);
    }
    const section = form.closest("section") || form;
    section.parentNode.insertBefore(panel, section);
    panel.scrollIntoView({ block: "start" });
  }

  global.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.matches("form[data-visit-action][data-visit-id]")) return;
    if (event.defaultPrevented || navigator.onLine) return;
    event.preventDefault();
    const kind = form.dataset.visitAction;
    const button = form.querySelector('[type="submit"]');
    if (button) button.disabled = true;
    form.dataset.queued = "1";
    queue(kind, actionData(form, kind)).then(() => offlineOffer(form, kind));
  });

  // Once a queued visit action reached the server, show the visit as it now is.
  // (The service worker's Background Sync may have sent it before this page did.)
  function reloadAfterActions() {
    const queued = Array.from(document.querySelectorAll("form[data-visit-action][data-queued]"));
    if (!queued.length) return;
    const visits = new Set(queued.map((form) => Number(form.dataset.visitId)));
    allItems().then((items) => {
      const waiting = items.some((item) => item.kind !== "incident" && item.state === "pending" && visits.has(item.data.visit_id));
      if (!waiting) location.reload();
    });
  }

  if (channel) channel.onmessage = () => render();
  global.addEventListener("online", () => flushFromPage().then(reloadAfterActions));
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
