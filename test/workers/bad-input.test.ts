/**
 * Every bad input gets a 4xx problem+json that names the bad value; nothing reaches a 500.
 */
import { describe, expect, it } from 'vitest'
import { api } from './helpers.ts'

interface Problem {
  type: string
  title: string
  status: number
  detail: string
  param?: string
  value?: string
}

const LONG_ID = 'a'.repeat(10_000)

const CASES: [string, string, number, RegExp][] = [
  ['unknown config', '/api/stats?config=kimii', 400, /unknown config "kimii"/],
  ['config with bad characters', '/api/stats?config=../etc', 400, /config=/],
  ['unknown parameter', '/api/stats?confg=kimi', 400, /unknown parameter.*confg/],
  ['repeated parameter', '/api/stats?config=kimi&config=glm-5.1', 400, /more than once/],
  ['negative limit', '/api/traces?limit=-1', 400, /limit="-1"/],
  ['zero limit', '/api/traces?limit=0', 400, /limit/],
  ['huge limit', '/api/traces?limit=1000', 400, /<= 100.*limit="1000"|limit="1000"/],
  ['non-numeric offset', '/api/traces?offset=ten', 400, /offset="ten"/],
  ['float offset', '/api/traces?offset=1.5', 400, /offset="1.5"/],
  ['unknown error filter', '/api/traces?error=boom', 400, /error="boom"/],
  ['unknown traces param', '/api/traces?foo=bar', 400, /foo/],
  ['empty q', '/api/traces?q=', 400, /q=/],
  ['unknown config in traces', '/api/traces?config=nope', 400, /unknown config "nope"/],
  ['bad id characters', '/api/trace/abc%20def', 400, /id=/],
  ['id with quotes', "/api/trace/abc'or'1=1", 400, /id=/],
  ['10 KB id', `/api/trace/${LONG_ID}`, 400, /longer than 128/],
  [
    'unknown id',
    '/api/trace/00000000-0000-4000-8000-00000000dead',
    404,
    /no trace with id "00000000-0000-4000-8000-00000000dead"/,
  ],
  ['path traversal', '/api/trace/..%2F..%2Fetc%2Fpasswd', 400, /id=/],
  ['nested path', '/api/trace/a/b', 404, /no route/],
  ['unknown format', '/api/trace/00000000-0000-4000-8000-000000000001?format=xml', 400, /format="xml"/],
  ['unknown chart', '/api/charts/nope.svg', 404, /unknown chart "nope.svg"/],
  ['chart without .svg', '/api/charts/top-tools', 404, /unknown chart/],
  ['chart bad config', '/api/charts/top-tools.svg?config=x y', 400, /config=/],
  ['unknown route', '/api/nope', 404, /no route "\/api\/nope"/],
  ['unknown datasets param', '/api/datasets?x=1', 400, /unknown parameter/],
]

describe('bad input -> 4xx problem+json naming the value', () => {
  for (const [name, path, status, detail] of CASES) {
    it(name, async () => {
      const res = await api(path)
      expect(res.status).toBe(status)
      expect(res.headers.get('content-type')).toContain('application/problem+json')
      const body = (await res.json()) as Problem
      expect(body.status).toBe(status)
      expect(body.title).toBeTruthy()
      expect(body.detail).toMatch(detail)
      expect(JSON.stringify(body).length).toBeLessThan(2000) // a 10 KB value is never echoed whole
    })
  }

  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
    it(`${method} -> 405 with Allow`, async () => {
      const res = await api('/api/stats', { method, body: method === 'DELETE' ? undefined : '{}' })
      expect(res.status).toBe(405)
      expect(res.headers.get('allow')).toBe('GET, HEAD, OPTIONS')
      expect(((await res.json()) as Problem).detail).toMatch(new RegExp(`method ${method}`))
    })
  }

  it('OPTIONS preflight allows GET from any origin', async () => {
    const res = await api('/api/trace/x', { method: 'OPTIONS', headers: { origin: 'https://example.org' } })
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(res.headers.get('access-control-allow-methods')).toBe('GET,HEAD,OPTIONS')
    expect(res.headers.get('access-control-allow-headers')).toBe('If-None-Match,Content-Type')
    expect(res.headers.get('access-control-max-age')).toBe('86400')
    // Errors are readable cross-origin too, Retry-After included.
    const bad = await api('/api/traces?limit=0')
    expect(bad.headers.get('access-control-allow-origin')).toBe('*')
    expect(bad.headers.get('access-control-expose-headers')).toContain('Retry-After')
  })

  it('an over-long URL -> 414', async () => {
    const res = await api(`/api/traces?q=${'x'.repeat(20_000)}`)
    expect(res.status).toBe(414)
  })
})
