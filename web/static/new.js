// 新規事例: live validation through /api/new/validate (the rules of `kb check`) and a preview.
(function () {
  "use strict";
  const form = document.getElementById("new-form");
  if (!form) return;
  const list = document.getElementById("new-findings");
  const preview = document.getElementById("new-preview");
  const path = document.getElementById("new-path");
  let timer = null;
  let seq = 0;

  function payload() {
    const data = new FormData(form);
    const out = {};
    for (const key of ["title", "summary", "kind", "prefecture", "year", "visibility", "slug"]) {
      out[key] = data.get(key) || "";
    }
    out.themes = data.getAll("themes");
    return out;
  }

  function show(result) {
    path.textContent = result.path;
    preview.innerHTML = result.preview; // server-rendered, raw HTML disabled
    list.replaceChildren();
    if (!result.findings.length) {
      const li = document.createElement("li");
      li.className = "ok";
      li.textContent = "問題はありません";
      list.append(li);
    }
    for (const f of result.findings) {
      const li = document.createElement("li");
      li.className = f.severity;
      li.dataset.field = f.field || "";
      li.textContent = f.text;
      list.append(li);
    }
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
    if (mine !== seq) return;
    if (res.status >= 400 && res.status < 500) {
      // a draft the form cannot even build (e.g. a slug too long for a file name)
      const body = await res.json().catch(() => null);
      if (!body || !body.error) return;
      const li = document.createElement("li");
      li.className = "error";
      li.dataset.field = body.error.field || "";
      li.textContent = body.error.message + (body.error.hint ? `（${body.error.hint}）` : "");
      list.replaceChildren(li);
      return;
    }
    if (!res.ok) return;
    show(await res.json());
  }

  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(validate, 250);
  });
  validate();
})();
