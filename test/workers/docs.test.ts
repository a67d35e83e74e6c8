/**
 * The API reference pages. `/api/docs` (Swagger UI) is a small HTML shell whose every URL is same-origin and
 * root-relative, with no inline script or style, under a CSP that allows scripts from 'self' only;
 * `/api/docs/plain` (no JavaScript) lists every path and every schema of the served `/api/openapi.json`.
 * Both answers are documented there. (test/site/api-docs.test.ts loads the interactive page in Chromium.)
 */
import { describe, expect, it } from 'vitest'
import { api, expectMatchesOpenApi } from './helpers.ts'

interface OpenApiDoc {
  paths: Record<string, Record<string, unknown>>
  components: { schemas: Record<string, unknown> }
}

/** Every `src`/`href` attribute value of an HTML text, in order. */
const urlAttributes = (html: string) => [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1] ?? '')

/** The directives of a Content-Security-Policy header, by name. */
function cspDirectives(header: string): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const part of header.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/)
    if (name) out.set(name.toLowerCase(), values)
  }
  return out
}

describe('/api/docs (Swagger UI)', () => {
  it('is an HTML shell referencing only same-origin files, with no inline script or style', async () => {
    const res = await api('/api/docs')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/html')
    const csp = cspDirectives(res.headers.get('content-security-policy') ?? '')
    const html = (await expectMatchesOpenApi('/api/docs', res)) as string

    // Swagger UI's files from swagger-ui-dist (copied into the site output) and the init script, all local.
    const urls = urlAttributes(html)
    for (const expected of [
      '/vendor/swagger-ui/swagger-ui-bundle.js',
      '/vendor/swagger-ui/swagger-ui.css',
      '/js/api-docs.js',
      '/api/docs/plain',
    ]) {
      expect(urls).toContain(expected)
    }
    expect(urls.length).toBeGreaterThanOrEqual(5)
    for (const url of urls) {
      expect(url, url).toMatch(/^\/(?!\/)/)
      expect(new URL(url, 'https://explorer.test/api/docs').origin, url).toBe('https://explorer.test')
    }
    expect(html).not.toMatch(/https?:|\/\/[a-z]/i)
    // The spec the page loads, relative.
    expect(html).toContain('data-spec="/api/openapi.json"')

    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)]
    expect(scripts.map((m) => /\ssrc="([^"]+)"/.exec(m[1] ?? '')?.[1])).toEqual([
      '/vendor/swagger-ui/swagger-ui-bundle.js',
      '/js/api-docs.js',
    ])
    for (const m of scripts) expect(m[2]).toBe('')
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i)
    expect(html).toMatch(/<noscript>[\s\S]*href="\/api\/docs\/plain"[\s\S]*<\/noscript>/)

    // Scripts from this origin only; no inline code, no eval; styles from files; fetches stay here.
    expect(csp.get('default-src')).toEqual(["'none'"])
    expect(csp.get('script-src')).toEqual(["'self'"])
    expect(csp.get('style-src')).toEqual(["'self'"])
    expect(csp.get('connect-src')).toEqual(["'self'"])
    expect(csp.get('frame-ancestors')).toEqual(["'none'"])
  })
})

describe('/api/docs/plain', () => {
  it('lists every path and every schema of the served OpenAPI document, without script', async () => {
    const doc = (await (await api('/api/openapi.json')).json()) as OpenApiDoc
    const res = await api('/api/docs/plain')
    expect(res.status).toBe(200)
    const csp = cspDirectives(res.headers.get('content-security-policy') ?? '')
    const html = (await expectMatchesOpenApi('/api/docs/plain', res)) as string
    const paths = Object.keys(doc.paths)
    expect(paths.length).toBeGreaterThan(10)
    expect(paths).toContain('/api/docs/plain')
    for (const path of paths) {
      for (const method of Object.keys(doc.paths[path] ?? {})) {
        // Paths are plain ASCII with {braces}: nothing to escape in HTML.
        expect(html, path).toContain(
          `<span class="m">${method.toUpperCase()}</span> <code>${path}</code></h3>`,
        )
      }
    }
    const schemas = Object.keys(doc.components.schemas)
    expect(schemas.length).toBeGreaterThan(5)
    for (const schema of schemas) expect(html, schema).toContain(`id="schema-${schema}"`)
    expect(html).not.toMatch(/<script/i)
    expect(html).toContain('href="/api/docs"')
    expect(csp.get('default-src')).toEqual(["'none'"])
    expect(csp.has('script-src')).toBe(false)
  })
})
