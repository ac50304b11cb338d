// /docs: start Swagger UI on the app's own OpenAPI document (a file, not an inline script,
// so the app's CSP holds); "Try it out" requests carry this session's CSRF token.
(function () {
  "use strict";
  const root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") return;
  const token = root.dataset.csrfToken;
  window.ui = window.SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    domNode: root,
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    requestInterceptor: function (request) {
      if (token) request.headers["X-CSRF-Token"] = token;
      return request;
    },
  });
})();
