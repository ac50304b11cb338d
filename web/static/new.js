// 新規事例: each field is checked by the server's rules (/api/new/validate, the same as
// `kb new`); a field's message shows once the field was left or changed, or after the
// download was asked for. The download goes ahead only when nothing is wrong.
(function () {
  "use strict";
  const form = document.getElementById("new-form");
  if (!form) return;
  const preview = document.getElementById("new-preview");
  const file = document.getElementById("new-file");
  const notes = document.getElementById("new-notes");
  const summary = document.getElementById("new-errors");
  const touched = new Set();
  let submitted = false;
  let timer = null;
  let seq = 0;
  let last = null;

  document.body.classList.add("js");
  document.getElementById("new-check").hidden = true; // the preview follows the typing

  function fieldOf(el) {
    const box = el.closest("[data-field]");
    return box ? box.dataset.field : null;
  }

  function payload() {
    const data = new FormData(form);
    const out = {};
    for (const [key, value] of data.entries()) {
      if (key === "csrf_token") continue;
      if (key === "themes" || key === "programs") (out[key] = out[key] || []).push(value);
      else out[key] = value;
    }
    return out;
  }

  function showKind() {
    const picked = form.querySelector("input[name=kind]:checked");
    const kind = picked ? picked.value : "case";
    for (const set of form.querySelectorAll("fieldset.sections")) {
      const on = set.dataset.kind === kind;
      set.hidden = !on;
      for (const area of set.querySelectorAll("textarea")) area.disabled = !on;
    }
  }

  function mark(name, message) {
    const box = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
    const msg = document.getElementById("m-" + name);
    if (!box || !msg) return;
    const show = Boolean(message) && (submitted || touched.has(name));
    msg.textContent = show ? message : "";
    msg.hidden = !show;
    const controls = box.matches("fieldset") ? [box, ...box.querySelectorAll("input")]
      : box.querySelectorAll("input, select, textarea");
    for (const c of controls) {
      if (show) c.setAttribute("aria-invalid", "true");
      else c.removeAttribute("aria-invalid");
    }
  }

  function showYear(values) {
    const input = document.getElementById("f-year");
    const help = document.getElementById("h-year");
    if (!help.dataset.base) help.dataset.base = help.textContent;
    const typed = input.value.trim();
    help.textContent = values.year && typed && typed !== String(values.year)
      ? `${values.year}年度として登録します。` : help.dataset.base;
  }

  function showSummary(result) {
    const names = Object.keys(result.errors);
    summary.replaceChildren();
    if (!submitted || !names.length) {
      summary.hidden = true;
      return;
    }
    const p = document.createElement("p");
    p.textContent = `直すところが ${names.length} か所あります。`;
    const ul = document.createElement("ul");
    for (const name of names) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = "#f-" + name;
      a.textContent = result.labels[name];
      li.append(a, `: ${result.errors[name]}`);
      ul.append(li);
    }
    summary.append(p, ul);
    summary.hidden = false;
  }

  function showNotes(list) {
    notes.replaceChildren();
    if (!list.length) return;
    const h = document.createElement("h2");
    h.textContent = "提出前に確認すること";
    const ul = document.createElement("ul");
    for (const text of list) {
      const li = document.createElement("li");
      li.textContent = text;
      ul.append(li);
    }
    notes.append(h, ul);
  }

  function show(result) {
    last = result;
    for (const box of form.querySelectorAll("[data-field]")) {
      mark(box.dataset.field, result.errors[box.dataset.field] || "");
    }
    const body = document.getElementById("m-body");
    const bodyShown = Boolean(result.errors.body) && submitted;
    body.textContent = bodyShown ? result.errors.body : "";
    body.hidden = !bodyShown;
    showYear(result.values);
    showSummary(result);
    showNotes(result.notes);
    file.textContent = result.file || "—";
    preview.innerHTML = result.preview; // rendered by the server from the case page's template
  }

  async function validate() {
    const mine = ++seq;
    const res = await fetch("/api/new/validate", {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRF-Token": form.elements.csrf_token.value,
      },
      body: JSON.stringify(payload()),
    });
    if (!res.ok) throw new Error("確認できませんでした");
    const result = await res.json();
    if (mine === seq) show(result);
    return result;
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(() => validate().catch(() => {}), 250);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", (event) => {
    const name = fieldOf(event.target);
    if (name) touched.add(name);
    if (event.target.name === "kind") showKind();
    later();
  });
  form.addEventListener("focusout", (event) => {
    const name = fieldOf(event.target);
    // a group of boxes counts as left when the focus leaves the group
    if (name && !(event.relatedTarget && fieldOf(event.relatedTarget) === name)) {
      touched.add(name);
      if (last) show(last);
    }
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submitted = true;
    clearTimeout(timer);
    let result;
    try {
      result = await validate();
    } catch (err) {
      form.submit(); // the server checks it again and answers with the form
      return;
    }
    if (!result.ok) {
      const first = Object.keys(result.errors)[0];
      const target = document.getElementById("f-" + first);
      (target || summary).focus();
      return;
    }
    let action = form.querySelector("input[type=hidden][name=action]");
    if (!action) {
      action = document.createElement("input");
      action.type = "hidden";
      action.name = "action";
      form.append(action);
    }
    action.value = "download";
    form.submit();
  });

  showKind();
  validate().catch(() => {});
})();
