// Veilig op Pad: the running visit's screen without signal (templates/escalation/offline_visit.html).
// The service worker serves this page for any navigation that finds no network while a visit
// runs on this phone (service_worker/sw.js). It is filled in from the device record in the
// outbox's database (static/js/outbox-actions.js keeps it): the address line, the due time
// with a live countdown (static/js/panic.js ticks every [data-due]), the halfway question, the
// PIN field and the office's number. Its forms are the visit's own: outbox-actions.js queues
// each action and sends it once the signal is back. Nothing here names the worker.
(function (global) {
  "use strict";

  const outbox = global.vopOutbox;
  const SHOW_OK_MS = 10 * 60000; // "Alles goed — 15 min erbij" in the last ten minutes

  function dueText(iso) {
    return new Date(iso).toLocaleTimeString(document.documentElement.lang || "nl", {
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      timeZone: outbox.zone,
    });
  }

  function show(screen, name, on) {
    screen.querySelectorAll('[data-show="' + name + '"]').forEach((node) => {
      node.hidden = !on;
    });
  }

  function officeLinks(screen, phone) {
    screen.querySelector("[data-office-phone]").dataset.officePhone = phone || "";
    screen.querySelectorAll("[data-office]").forEach((link) => {
      link.hidden = !phone;
      link.href = link.dataset.office + ":" + phone;
    });
  }

  // Show what the record says now; called again each second and when the record changes.
  function fill(screen, record) {
    const visit = record && record.visit;
    screen.hidden = !visit;
    document.querySelector("[data-no-visit]").hidden = Boolean(visit);
    if (!visit) return;
    screen.querySelector('[data-field="address"]').textContent = visit.address;
    screen.querySelector('[data-field="due"]').textContent = dueText(visit.due_at);
    screen.querySelector("[data-due]").dataset.due = visit.due_at;
    screen.querySelectorAll("form[data-visit-action]").forEach((form) => {
      form.dataset.visitId = String(visit.id);
      form.action = outbox.visitUrl(form.dataset.actionUrl, visit.id);
      if (form.dataset.done) form.dataset.doneUrl = outbox.visitUrl(form.dataset.done, visit.id);
      else form.dataset.doneUrl = outbox.visitUrl("visit", visit.id);
    });
    const now = Date.now();
    const asked = visit.check_due_at && !visit.check_answered && Date.parse(visit.check_due_at) <= now;
    show(screen, "check", Boolean(asked));
    show(screen, "pin", Boolean(visit.has_pin));
    show(screen, "ok", Date.parse(visit.due_at) - now <= SHOW_OK_MS);
    officeLinks(screen, record.office_phone || outbox.officePhone());
    if (global.vopTick) global.vopTick();
  }

  function refresh(screen) {
    return outbox.device.get().then((record) => fill(screen, record));
  }

  document.addEventListener("DOMContentLoaded", () => {
    const screen = document.querySelector("[data-offline-visit]");
    if (!screen || !outbox || !outbox.device) return;
    refresh(screen);
    setInterval(() => refresh(screen), 1000);
  });
})(self);
