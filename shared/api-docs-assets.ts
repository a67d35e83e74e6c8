/**
 * Where the interactive API reference (`GET /api/docs`) finds its browser files, as same-origin URLs. Swagger UI's
 * bundle and stylesheet come from the npm package `swagger-ui-dist` (an exact-pinned devDependency) and are copied
 * into the site build output at build time; the init script is the site's own file. They are static assets of
 * the Worker, never part of its bundle. The Worker writes these URLs into the page; the build copies to them.
 */

/** Directory of the copied Swagger UI files, relative to the site output (and the URL path below the origin). */
export const SWAGGER_UI_DIR = 'vendor/swagger-ui'

/** The files of `swagger-ui-dist` the page needs, plus its licence texts (shipped beside the code). */
export const SWAGGER_UI_FILES = ['swagger-ui-bundle.js', 'swagger-ui.css', 'LICENSE', 'NOTICE'] as const

/** URLs the `/api/docs` page links: the Swagger UI script and stylesheet, and the init script. */
export const API_DOCS_ASSETS = {
  script: `/${SWAGGER_UI_DIR}/swagger-ui-bundle.js`,
  style: `/${SWAGGER_UI_DIR}/swagger-ui.css`,
  init: '/js/api-docs.js',
} as const
