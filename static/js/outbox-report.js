// Veilig op Pad: the incident report form (templates/incidents/form.html) through the outbox.
// A submitted report goes into the outbox (static/js/outbox.js) under the form's UUID and is
// sent at once when there is network; the form says whether it was sent or kept on the phone.
// The same form works from the service worker's cache without network (/incidents/shell),
// and a report the server refused can be opened again from the outbox (`?outbox=<id>`).
(function (global) {
  "use strict";

  const outbox = global.vopOutbox;
  if (!outbox || !outbox.flushFromPage) return; // the plain form still posts
  const text = outbox.text;

  function element(tag, className, content) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (content) node.textContent = content;
    return node;
  }

  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  const usedIds = new Set();

  function localNow() {
    const format = new Intl.DateTimeFormat("sv-SE", {
      timeZone: outbox.zone,
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
    const id = UUID.test(given) && !usedIds.has(given) ? given : outbox.newId();
    usedIds.add(id); // a second report from this page gets an id of its own
    form.hidden = true;
    const item = await outbox.queue("incident", data, id);
    if (form.dataset.replaces) {
      // The corrected report is safely queued: the refused one it replaces may go.
      await outbox.remove(form.dataset.replaces);
      delete form.dataset.replaces;
    }
    const outcome = await outbox.flushFromPage();
    const result = outcome.results[item.id];
    if (result && result.outcome === "invalid") {
      // The form still holds every word: correct it there rather than in the outbox.
      await outbox.remove(item.id);
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
    outbox.allItems().then((items) => {
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
})(self);
