/**
 * The API reference pages. `GET /api/docs`: Swagger UI over `/api/openapi.json` (interactive: try requests from
 * the page). Its script and stylesheet are static assets of this origin (copied from `swagger-ui-dist` at site
 * build time; the Worker bundle carries only this small HTML shell) and the init code is a file, so the page's
 * Content-Security-Policy allows scripts from 'self' only. `GET /api/docs/plain`: the same document as one
 * server-rendered HTML page that needs no JavaScript (linked from the interactive page, in <noscript> too).
 */
import { Hono } from 'hono'
import { API_DOCS_ASSETS } from '../../shared/api-docs-assets.ts'
import { docsPlainHtml } from '../docs-plain.ts'
import type { AppEnv } from '../env.ts'
import { openApiDocument } from './openapi.ts'

/** Where the pages send readers: the machine-readable document and the plain reference. */
const SPEC_URL = '/api/openapi.json'
const PLAIN_URL = '/api/docs/plain'

/**
 * The interactive page: only same-origin URLs. The stylesheet comes before the scripts, which are deferred, so
 * the page is styled when Swagger UI renders into `#swagger-ui`.
 */
export function docsUiHtml(title: string): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light"><title>${esc(title)} reference</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${API_DOCS_ASSETS.style}">
<script src="${API_DOCS_ASSETS.script}" defer></script>
<script src="${API_DOCS_ASSETS.init}" defer></script>
</head><body>
<div class="swagger-ui"><div class="wrapper"><p><a href="/">Hermes Trace Explorer</a> · <a href="${PLAIN_URL}">Plain reference (no JavaScript)</a> · <a href="${SPEC_URL}"><code>${SPEC_URL}</code></a></p>
<noscript><p>This interactive reference needs JavaScript. The <a href="${PLAIN_URL}">plain reference</a> shows the same document without it.</p></noscript></div></div>
<main id="swagger-ui" data-spec="${SPEC_URL}" data-plain="${PLAIN_URL}"></main>
</body></html>`
}

/**
 * Swagger UI renders with React: styles it sets go through the CSSOM, which `style-src 'self'` allows; its
 * syntax-highlighting and icons are data: images at most. Requests it makes ("Try it out") stay on this origin.
 */
const UI_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/** The plain page has one inline <style> and nothing else. */
const PLAIN_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"

let uiCached: string | null = null
let plainCached: string | null = null

export const docs = new Hono<AppEnv>()
  .get('/', (c) => {
    uiCached ??= docsUiHtml(String((openApiDocument().info as { title?: unknown }).title ?? 'API'))
    return c.html(uiCached, 200, {
      'cache-control': 'public, max-age=3600',
      'x-content-type-options': 'nosniff',
      'content-security-policy': UI_CSP,
    })
  })
  .get('/plain', (c) => {
    plainCached ??= docsPlainHtml(openApiDocument())
    return c.html(plainCached, 200, {
      'cache-control': 'public, max-age=3600',
      'x-content-type-options': 'nosniff',
      'content-security-policy': PLAIN_CSP,
    })
  })
