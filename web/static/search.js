// As-you-type search: fetches the server-rendered results fragment, discards stale
// responses (AbortController + sequence numbers) and keeps the URL shareable.
// While an IME is composing (かな漢字変換), nothing is sent: the search runs once the
// conversion is committed, so the URL and the title only ever show committed text.
// On phones the facets open as a sheet (a checkbox pattern that works without JS); after a
// filter, sort or page change, focus and scroll go to the top of the results.
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  var region = document.getElementById("results-region");
  var input = document.getElementById("q");
  var live = document.getElementById("live");
  if (!form || !region || !input || !window.fetch || !window.history.pushState) return;

  var seq = 0;
  var controller = null;
  var timer = null;
  var composing = false;
  var lastQuery = input.value;
  var DELAY = 250;
  var FACETS_KEY = "kb-facets-open";

  function formParams() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (key === "q" && !String(value).trim()) return;
      if (key === "sort" && value === "relevance") return;
      params.append(key, value);
    });
    return params.toString();
  }

  // -- facet groups remember whether they were open (per tab) ----------------------------
  function facetState() {
    try { return JSON.parse(window.sessionStorage.getItem(FACETS_KEY) || "{}") || {}; }
    catch (e) { return {}; }
  }

  function restoreFacets() {
    var saved = facetState();
    region.querySelectorAll("details.facet").forEach(function (d) {
      var name = d.id.replace(/^facet-/, "");
      if (!Object.prototype.hasOwnProperty.call(saved, name)) return;
      if (!saved[name] && d.querySelector(".facet-value.active")) return;  // keep a set filter in view
      d.open = !!saved[name];
    });
  }

  region.addEventListener("toggle", function (ev) {
    var d = ev.target;
    if (!d.classList || !d.classList.contains("facet")) return;
    var saved = facetState();
    saved[d.id.replace(/^facet-/, "")] = d.open;
    try { window.sessionStorage.setItem(FACETS_KEY, JSON.stringify(saved)); } catch (e) { /* private mode */ }
  }, true);  // toggle does not bubble

  // -- the phone filter sheet ------------------------------------------------------------
  function sheetToggle() { return document.getElementById("filters-open"); }

  function sheetChanged() {
    var toggle = sheetToggle();
    if (!toggle) return;
    document.body.classList.toggle("sheet-open", toggle.checked);
    toggle.setAttribute("aria-expanded", toggle.checked ? "true" : "false");
    if (toggle.checked) {
      var title = document.getElementById("facets-title");
      if (title) { title.tabIndex = -1; title.focus(); }
    } else if (document.activeElement === document.body || region.contains(document.activeElement)) {
      toggle.focus({ preventScroll: true });
    }
  }

  // the sheet's 閉じる / N 件を表示 are labels of the toggle: make them keyboard buttons too
  function enhanceSheet() {
    var toggle = sheetToggle();
    if (toggle) toggle.setAttribute("aria-expanded", toggle.checked ? "true" : "false");
    region.querySelectorAll(".sheet-close, .sheet-done").forEach(function (label) {
      label.setAttribute("role", "button");
      label.tabIndex = 0;
    });
  }

  region.addEventListener("keydown", function (ev) {
    var label = ev.target.closest && ev.target.closest(".sheet-close, .sheet-done");
    if (!label || (ev.key !== "Enter" && ev.key !== " ")) return;
    ev.preventDefault();
    label.click();
  });

  region.addEventListener("change", function (ev) {
    if (ev.target && ev.target.id === "filters-open") sheetChanged();
  });

  document.addEventListener("keydown", function (ev) {
    var toggle = sheetToggle();
    if (ev.key !== "Escape" || !toggle || !toggle.checked) return;
    toggle.checked = false;
    sheetChanged();
    toggle.focus();
  });

  function syncForm() {
    var root = document.getElementById("results");
    if (!root) return;
    var holder = document.getElementById("form-filters");
    var filters = JSON.parse(root.getAttribute("data-filters") || "[]");
    holder.textContent = "";
    filters.forEach(function (f) {
      var el = document.createElement("input");
      el.type = "hidden"; el.name = "filter"; el.value = f;
      holder.appendChild(el);
    });
    var title = root.getAttribute("data-title");
    if (title) document.title = title;
    if (live) live.textContent = root.getAttribute("data-status") || "";
    document.body.classList.remove("sheet-open");
    restoreFacets();
    enhanceSheet();
  }

  function toResults() {
    var root = document.getElementById("results");
    var heading = document.getElementById("results-title");
    if (heading) { heading.tabIndex = -1; heading.focus({ preventScroll: true }); }
    if (root) root.scrollIntoView({ block: "start" });
  }

  // mode: "push" / "replace" / "none" (history); results: move focus and scroll to them
  function load(query, mode, results) {
    var mine = ++seq;
    if (controller) controller.abort();
    controller = new AbortController();
    region.setAttribute("aria-busy", "true");
    var url = "/search/results" + (query ? "?" + query : "");
    return fetch(url, { signal: controller.signal, headers: { Accept: "text/html" } })
      .then(function (res) {
        if (!res.ok) { window.location.href = "/" + (query ? "?" + query : ""); return null; }
        return res.text();
      })
      .then(function (html) {
        if (html === null || mine !== seq) return;  // a newer request owns the page
        region.innerHTML = html;
        var root = document.getElementById("results");
        var canonical = root ? root.getAttribute("data-url") : "/";
        if (mode === "push") window.history.pushState({ kb: true }, "", canonical);
        else if (mode === "replace") window.history.replaceState({ kb: true }, "", canonical);
        syncForm();
        if (results) toResults();
      })
      .catch(function (err) {
        if (err && err.name === "AbortError") return;
        if (mine === seq) window.location.href = "/" + (query ? "?" + query : "");
      })
      .finally(function () { if (mine === seq) region.removeAttribute("aria-busy"); });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      if (composing || input.value === lastQuery) return;
      lastQuery = input.value;
      load(formParams(), "replace", false);
    }, DELAY);
  }

  input.addEventListener("compositionstart", function () {
    composing = true;
    window.clearTimeout(timer);  // the box now holds unconverted text
  });

  input.addEventListener("compositionend", function () {
    composing = false;
    schedule();  // the conversion is committed (Chrome sends no input event after this)
  });

  input.addEventListener("input", function (ev) {
    if (composing || ev.isComposing) return;
    schedule();
  });

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (composing) return;  // Enter that commits a conversion is not a search
    window.clearTimeout(timer);
    lastQuery = input.value;
    load(formParams(), "push", false);
  });

  document.getElementById("sort").addEventListener("change", function () {
    window.clearTimeout(timer);
    if (!composing) lastQuery = input.value;
    load(formParams(), "push", true);
  });

  region.addEventListener("click", function (ev) {
    var link = ev.target.closest && ev.target.closest("a[data-nav]");
    if (!link || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return;
    ev.preventDefault();
    load(new URL(link.href).search.replace(/^\?/, ""), "push", true);
  });

  region.addEventListener("submit", function (ev) {
    var yearForm = ev.target.closest && ev.target.closest(".year-form");
    if (!yearForm) return;
    ev.preventDefault();
    var params = new URLSearchParams();
    new FormData(yearForm).forEach(function (value, key) { params.append(key, value); });
    load(params.toString(), "push", true);
  });

  window.addEventListener("popstate", function () {
    var params = new URLSearchParams(window.location.search);
    input.value = lastQuery = params.get("q") || "";
    document.getElementById("sort").value = params.get("sort") || "relevance";
    load(window.location.search.replace(/^\?/, ""), "none", false);
  });

  restoreFacets();
  enhanceSheet();
})();
