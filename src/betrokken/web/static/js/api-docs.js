// Starts Swagger UI or ReDoc on /docs and /redoc from the vendored bundles (no CDN, no
// inline script, so the Content-Security-Policy holds here too).
(function () {
  "use strict";
  var root = document.getElementById("api-docs");
  var url = root.getAttribute("data-openapi");
  if (root.getAttribute("data-viewer") === "redoc") {
    window.Redoc.init(url, { hideDownloadButton: false }, root);
  } else {
    window.SwaggerUIBundle({ url: url, dom_id: "#api-docs", deepLinking: true });
  }
})();
