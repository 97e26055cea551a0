// Veilig op Pad: the visit buttons (templates/escalation/_visit_actions.html) through the
// outbox. With weak signal a phone believes it is online while a plain form post hangs or
// fails, and the worker ends on the browser's error page: the check-out or the alarm neither
// sent nor kept, and nobody told. So every visit action takes one path, with or without
// network:
//  1. it goes into the outbox first (static/js/outbox.js: IndexedDB, a UUID, the moment it
//     was tapped), so a page closed or killed mid-request loses nothing;
//  2. it is sent at once to /sync, with a time limit. Not to the escalation views: they have
//     no client id, so a first attempt that reached the server late and the outbox's replay
//     would be two actions. /sync is idempotent by the item's UUID: both are one action;
//  3. a server answer is followed as the form post would have been: the page the form leads
//     to, or the Dutch reason it was refused (and then nothing stays queued);
//  4. no answer in time: it stays queued, in order, and goes again on the next page load,
//     every 30 s, on `online`, by Background Sync and by "Nu verzenden". The worker is told
//     plainly that the office cannot see it yet, with one tap to text or call the office
//     (and 112 for an alarm).
// A check-out with the duress PIN takes exactly the same path and looks the same; the PIN
// stays in the outbox only until the server has answered. Without script the forms post as
// they always did. Listening on window runs after panic.js (on document), which holds back a
// panic form until the button was held and a check-in until the location is known.
//
// The device record: every page of a field worker carries it (#device-record, made by
// app/escalation/emergency.py); it is kept in the outbox's database, so the service worker can
// open the visit screen without signal (static/js/visit-offline.js fills it in). An action
// queued here changes it as the server would: a check-out forgets the visit, an extension
// moves its due time. On a page the service worker keeps, the ALARM bar takes its visit from it.
(function (global) {
  "use strict";

  const outbox = global.vopOutbox;
  if (!outbox || !outbox.sendNow) return; // the plain forms still work
  const ACTION_MS = 8000;
  const PANIC_MS = 4000; // the alarm is queued before it is sent; the offer must not wait long
  const REFUSED = ["refused", "invalid", "conflict"];
  const SELECTOR = "form[data-visit-action][data-visit-id]";
  const text = outbox.text;

  function element(tag, className, content) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (content) node.textContent = content;
    return node;
  }

  function value(form, name) {
    const input = form.querySelector('[name="' + name + '"]');
    return input ? input.value.trim() : "";
  }

  function actionData(form, kind) {
    // An empty visit id: the ALARM bar without a running visit (a panic without a visit).
    const data = { visit_id: form.dataset.visitId ? Number(form.dataset.visitId) : null };
    // A duress PIN is digits only: anything else can never match one, so it is left out, and
    // the check-out goes exactly as one without a PIN (as the plain form post does).
    if (kind === "check_out" && /^\d{1,12}$/.test(value(form, "pin"))) data.pin = value(form, "pin");
    if (kind === "extend") {
      data.minutes = Number(value(form, "minutes"));
      data.reason = value(form, "reason");
    }
    if ((kind === "panic" || kind === "check_in") && value(form, "lat") && value(form, "lon")) {
      data.location = [Number(value(form, "lat")), Number(value(form, "lon"))];
      if (value(form, "accuracy")) data.location.push(Number(value(form, "accuracy")));
    }
    return data;
  }

  // The moment the worker tapped (panic.js stamps it into `at`), kept through any replay.
  function tapped(form) {
    const at = Date.parse(value(form, "at"));
    return new Date(Number.isNaN(at) ? Date.now() : at).toISOString();
  }

  // Where the form post would have led: the check-out's "Was er een incident?", the alarm's
  // confirmation, or back to the page the button was on.
  function doneUrl(form) {
    return form.dataset.doneUrl || value(form, "next") || location.href;
  }

  // The team's office number comes with the visit buttons; the outbox keeps the last one known.
  function officeLink(form, scheme, label, body) {
    const section = form.closest("[data-office-phone]");
    const phone = (section && section.dataset.officePhone) || outbox.officePhone();
    if (!phone) return null;
    const link = element("a", "utrecht-button utrecht-button--primary-action big-button", label);
    link.href = scheme + ":" + phone + (body ? "?body=" + encodeURIComponent(body) : "");
    link.dataset.officeLink = scheme;
    return link;
  }

  // Above the visit's buttons, or at the top of the page for the ALARM bar.
  function place(form, panel) {
    const section = form.closest("section") || form;
    const inBar = form.closest("[data-alarm-bar]");
    const main = document.querySelector("main");
    if (inBar && main) main.insertBefore(panel, main.firstChild);
    else section.parentNode.insertBefore(panel, section);
    panel.scrollIntoView({ block: "start" });
  }

  // The time in the text to the office is Dutch local time, whatever zone the phone is set to.
  function localTime() {
    return new Date().toLocaleTimeString(document.documentElement.lang || "nl", {
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      timeZone: outbox.zone,
    });
  }

  function smsText(form, kind) {
    const time = localTime();
    if (kind === "panic" && !form.dataset.visitId) return text("sms_panic_no_visit", { time: time });
    const visit = form.dataset.visitLabel || "#" + form.dataset.visitId;
    const sms = { panic: "sms_panic", check_out: "sms_checkout" }[kind];
    return sms ? text(sms, { visit: visit, time: time }) : "";
  }

  function offlineOffer(form, kind) {
    const panel = element("div", "offline-offer utrecht-alert utrecht-alert--error");
    panel.setAttribute("role", "alert");
    panel.dataset.offlineOffer = kind;
    const message = { check_out: "offline_checkout", panic: "offline_panic", check_in: "offline_check_in" }[kind] || "offline_action";
    panel.append(element("p", "utrecht-paragraph", text(message)));
    if (kind === "panic") {
      const call112 = element("a", "utrecht-button big-button esc-112", text("call_112"));
      call112.href = "tel:112";
      panel.append(call112);
    }
    const body = smsText(form, kind);
    const links = [officeLink(form, "tel", text("call_office")), officeLink(form, "sms", text("sms_office"), body)];
    if (kind === "panic") links.reverse();
    links.filter(Boolean).forEach((link) => panel.append(link));
    if (!links[0]) panel.append(element("p", "utrecht-paragraph", text("no_office_phone")));
    panel.append(element("p", "utrecht-paragraph", text("queued_action")));
    if (kind === "check_out" && outbox.urls.new_report) {
      const report = element("a", "utrecht-button utrecht-button--secondary-action big-button", text("report_incident"));
      report.href = outbox.urls.new_report + "?visit_id=" + encodeURIComponent(form.dataset.visitId);
      panel.append(element("p", "utrecht-paragraph", text("incident_question")), report);
    }
    place(form, panel);
  }

  // The same box the server's page shows for a refused action (escalation/actions_page.html).
  function showRefusal(form, result) {
    const old = document.getElementById("action-errors");
    if (old) old.remove();
    const panel = element("div", "utrecht-alert utrecht-alert--error");
    panel.id = "action-errors";
    panel.setAttribute("role", "alert");
    const messages = [result.message].concat(Object.values(result.errors || {})).filter(Boolean);
    messages.forEach((message) => panel.append(element("p", "utrecht-paragraph", message)));
    place(form, panel);
  }

  function busy(form, on) {
    const button = form.querySelector('[type="submit"]');
    if (button) button.disabled = on;
    form.setAttribute("aria-busy", String(on));
    if (!on) delete form.dataset.sending;
  }

  // Send this action, after any earlier one of this worker still waiting (they replay in order).
  async function send(item, ms) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), ms);
    let waiting = [item];
    try {
      waiting = (await outbox.allItems()).filter(
        (each) =>
          each.kind !== "incident" &&
          each.state === "pending" &&
          each.seq <= item.seq &&
          (!each.user_id || each.user_id === item.user_id),
      );
    } catch (err) {
      /* the outbox cannot be read back: send this one alone */
    }
    try {
      const results = await outbox.sendNow(waiting, controller.signal);
      return results[item.id] || null;
    } catch (err) {
      return null; // no network, or no answer in time: it stays in the outbox
    } finally {
      clearTimeout(timer);
    }
  }

  // A flush of this page, another tab or the service worker may have sent it meanwhile:
  // gone from the outbox means confirmed, "refused" means the server said no.
  async function settledElsewhere(item) {
    const found = (await outbox.allItems()).find((each) => each.id === item.id);
    if (!found) return { outcome: "stored" };
    return found.state === "refused" ? { outcome: "refused", message: found.message, errors: found.errors } : null;
  }

  async function act(form) {
    const kind = form.dataset.visitAction;
    let item;
    try {
      item = await outbox.queue(kind, actionData(form, kind), null, { at: tapped(form), sync: false });
    } catch (err) {
      // No outbox on this phone (storage refused): the form posts as it would without script.
      return HTMLFormElement.prototype.submit.call(form);
    }
    const result = (await send(item, kind === "panic" ? PANIC_MS : ACTION_MS)) || (await settledElsewhere(item));
    if (result && result.outcome === "stored") {
      location.assign(doneUrl(form));
    } else if (result && REFUSED.includes(result.outcome)) {
      await outbox.remove(item.id); // the worker sees why here; nothing waits to be sent
      busy(form, false);
      showRefusal(form, result);
    } else {
      form.dataset.queued = "1";
      outbox.requestBackgroundSync();
      offlineOffer(form, kind);
      await expectOffline(kind, item).catch(() => {});
    }
  }

  // What the server will make of a queued action, for the visit screen kept on the phone.
  function expectOffline(kind, item) {
    if (!outbox.device || !item.data.visit_id) return Promise.resolve();
    if (kind === "check_out") return outbox.device.setVisit(null);
    return outbox.device.get().then((record) => {
      const visit = record && record.visit;
      if (!visit || visit.id !== item.data.visit_id) return null;
      const due = Date.parse(visit.due_at);
      const tapped = Date.parse(item.created_at);
      if (kind === "extend") {
        const moved = Math.max(due, tapped) + item.data.minutes * 60000;
        return outbox.device.setVisit({ due_at: new Date(moved).toISOString(), check_answered: true });
      }
      if (kind === "im_ok") {
        const moved = Math.max(due, tapped + 15 * 60000);
        return outbox.device.setVisit({ due_at: new Date(moved).toISOString(), check_answered: true });
      }
      if (kind === "halfway_ok") return outbox.device.setVisit({ check_answered: true });
      return null;
    });
  }

  global.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.matches(SELECTOR) || event.defaultPrevented) return;
    event.preventDefault();
    if (form.dataset.sending || form.dataset.queued) return; // a second tap is not a second action
    form.dataset.sending = "1";
    busy(form, true);
    act(form).catch(() => {
      // Whatever went wrong here, the worker must not be left without word.
      form.dataset.queued = "1";
      offlineOffer(form, form.dataset.visitAction);
    });
  });

  // Once a queued visit action reached the server (from this page, another tab or the
  // service worker), show the visit as it now is.
  function reloadAfterActions() {
    const queued = Array.from(document.querySelectorAll(SELECTOR + "[data-queued]"));
    if (!queued.length) return;
    const visits = new Set(queued.map((form) => Number(form.dataset.visitId)));
    outbox.allItems().then((items) => {
      const waiting = items.some((item) => item.kind !== "incident" && item.state === "pending" && visits.has(item.data.visit_id));
      if (!waiting) location.reload();
    });
  }

  global.addEventListener("vop-outbox-changed", reloadAfterActions);
  outbox.visitUrl = (name, id) => visitUrl(name, id);

  // ---- the device record ----------------------------------------------------------------

  function visitUrl(name, id) {
    return (outbox.urls[name] || "").split("{id}").join(String(id));
  }

  function readRecord() {
    const node = document.getElementById("device-record");
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (err) {
      return null;
    }
  }

  // A page the service worker keeps has an empty ALARM bar: on a field worker's phone it gets
  // the running visit (if any) from the record and shows itself.
  function fillShellBar(record) {
    const bar = document.querySelector("[data-alarm-bar][data-shell-bar]");
    if (!bar || !record || !record.worker) return;
    const form = bar.querySelector("form[data-panic]");
    if (record.visit) {
      form.dataset.visitId = String(record.visit.id);
      form.dataset.doneUrl = visitUrl("panic_sent", record.visit.id);
      form.action = visitUrl("panic", record.visit.id);
    }
    bar.dataset.officePhone = record.office_phone || "";
    bar.hidden = false;
    document.body.classList.add("with-alarm-bar");
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (!outbox.device) return;
    const fresh = readRecord();
    if (fresh) {
      outbox.device.put(fresh).catch(() => {});
      return;
    }
    outbox.device.get().then((record) => {
      fillShellBar(record);
      global.dispatchEvent(new CustomEvent("vop-device-record", { detail: record }));
    });
  });
})(self);
