// As-you-type search: fetches the server-rendered results fragment, discards stale
// responses (AbortController + sequence numbers) and keeps the URL shareable.
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
  var lastQuery = input.value;
  var DELAY = 250;

  function formParams() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (key === "q" && !String(value).trim()) return;
      if (key === "sort" && value === "relevance") return;
      params.append(key, value);
    });
    return params.toString();
  }

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
    if (live) live.textContent = root.getAttribute("data-status") || "";
  }

  function load(query, mode) {
    var mine = ++seq;
    if (controller) controller.abort();
    controller = new AbortController();
    var focusKey = document.activeElement && document.activeElement.getAttribute("data-focus");
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
        if (focusKey) {
          var target = region.querySelector('[data-focus="' + focusKey.replace(/"/g, "") + '"]');
          if (target) target.focus();
          else { var heading = document.getElementById("results-title"); if (heading) { heading.tabIndex = -1; heading.focus(); } }
        }
      })
      .catch(function (err) {
        if (err && err.name === "AbortError") return;
        if (mine === seq) window.location.href = "/" + (query ? "?" + query : "");
      })
      .finally(function () { if (mine === seq) region.removeAttribute("aria-busy"); });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      if (input.value === lastQuery) return;
      lastQuery = input.value;
      load(formParams(), "replace");
    }, DELAY);
  });

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    window.clearTimeout(timer);
    lastQuery = input.value;
    load(formParams(), "push");
  });

  document.getElementById("sort").addEventListener("change", function () {
    load(formParams(), "push");
  });

  region.addEventListener("click", function (ev) {
    var link = ev.target.closest && ev.target.closest("a[data-nav]");
    if (!link || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return;
    ev.preventDefault();
    load(new URL(link.href).search.replace(/^\?/, ""), "push");
  });

  region.addEventListener("submit", function (ev) {
    var yearForm = ev.target.closest && ev.target.closest(".year-form");
    if (!yearForm) return;
    ev.preventDefault();
    var params = new URLSearchParams();
    new FormData(yearForm).forEach(function (value, key) { params.append(key, value); });
    load(params.toString(), "push");
  });

  window.addEventListener("popstate", function () {
    var params = new URLSearchParams(window.location.search);
    input.value = lastQuery = params.get("q") || "";
    document.getElementById("sort").value = params.get("sort") || "relevance";
    load(window.location.search.replace(/^\?/, ""), "none");
  });
})();
