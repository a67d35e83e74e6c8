// The interactive API reference (/api/docs, an HTML shell the Worker renders): starts Swagger UI (its bundle is
// loaded just before this file, from /vendor/swagger-ui/, copied out of swagger-ui-dist at build time) over the
// OpenAPI document named by the page. A file, not an inline script: the page's Content-Security-Policy allows
// scripts from 'self' only. Nothing is loaded from another origin: no online validator badge, and the URL's
// query cannot point Swagger UI at another document.
;(() => {
  const root = document.getElementById('swagger-ui')
  if (!root) return
  if (typeof window.SwaggerUIBundle !== 'function') {
    // The bundle did not load (a build without the copied files): say so and point at the plain reference.
    const p = document.createElement('p')
    const a = document.createElement('a')
    a.href = root.dataset.plain
    a.textContent = 'plain reference'
    p.append('The interactive reference could not load its script. Read the ', a, ' instead.')
    p.className = 'api-docs-failed'
    root.replaceChildren(p)
    return
  }
  window.SwaggerUIBundle({
    url: root.dataset.spec,
    domNode: root,
    deepLinking: true,
    validatorUrl: null,
    queryConfigEnabled: false,
    // The API is read-only (GET): "Try it out" is safe, but stays one click away.
    tryItOutEnabled: false,
    displayRequestDuration: true,
    defaultModelsExpandDepth: 0,
  })
})()
