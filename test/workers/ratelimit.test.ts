/**
 * Per-client rate limits (workers/ratelimit.ts) through miniflare's simulation of the `[[ratelimits]]` bindings,
 * with the production limits of wrangler.toml. The other suites run with `RATE_LIMITS = "off"` (vitest.config.ts:
 * they send hundreds of requests from one client); here it is turned on per request by an env override, and
 * every request names its client (`CF-Connecting-IP`) so no test shares a counter with another.
 *
 * Burst: 2 x limit + 1 requests, so even when the simulated window rolls over mid-burst one window holds more
 * than the limit; the first `limit` requests of a fresh client always pass.
 */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { Bindings } from '../../workers/env.ts'
import worker from '../../workers/index.ts'
import { RATE_LIMIT_PERIOD } from '../../workers/ratelimit.ts'
import { expectMatchesOpenApi } from './helpers.ts'

/** wrangler.toml `simple.limit` of RATE_LIMIT_COLD. */
const COLD_LIMIT = 60

async function call(path: string, client: string): Promise<Response> {
  const ctx = createExecutionContext()
  const res = await worker.fetch(
    new Request(`https://explorer.test${path}`, { headers: { 'cf-connecting-ip': client } }),
    { ...(env as unknown as Bindings), RATE_LIMITS: 'on' },
    ctx,
  )
  const body = await res.text()
  await waitOnExecutionContext(ctx)
  return new Response(body, res)
}

describe('rate limits', () => {
  it('a burst of cold reads from one client gets 429 problem+json with Retry-After = the period', async () => {
    const client = '203.0.113.7'
    // An invalid id is answered (400) after the limiter, without reading any data: the burst costs nothing.
    const statuses: number[] = []
    let limited: Response | undefined
    for (let i = 0; i < 2 * COLD_LIMIT + 1; i++) {
      const res = await call('/api/trace/not*an*id', client)
      statuses.push(res.status)
      if (res.status === 429) limited ??= res
    }
    expect(statuses.slice(0, COLD_LIMIT).every((s) => s === 400)).toBe(true)
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0)
    expect(statuses.every((s) => s === 400 || s === 429)).toBe(true)
    expect(limited?.headers.get('retry-after')).toBe(String(RATE_LIMIT_PERIOD))
    const body = (await expectMatchesOpenApi('/api/trace/not*an*id', limited as Response)) as Record<
      string,
      unknown
    >
    expect(body).toMatchObject({ status: 429, retryAfter: RATE_LIMIT_PERIOD })
    // The cached documents have their own, larger budget: the same client still reads them.
    expect((await call('/api/openapi.json', client)).status).toBe(200)
    // Other clients are not affected.
    expect((await call('/api/trace/not*an*id', '198.51.100.9')).status).toBe(400)
  })

  it('ordinary use is not limited', async () => {
    const client = '192.0.2.44'
    // A reader paging through the site: documents and a few dozen trace opens.
    for (let i = 0; i < 40; i++) {
      expect((await call('/api/openapi.json', client)).status).toBe(200)
      expect((await call(`/api/trace/row-${i}*`, client)).status).toBe(400)
    }
  })

  it('RATE_LIMITS=off (the other suites) never limits', async () => {
    for (let i = 0; i < 2 * COLD_LIMIT + 1; i++) {
      const res = await worker.fetch(
        new Request('https://explorer.test/api/trace/not*an*id', {
          headers: { 'cf-connecting-ip': '192.0.2.99' },
        }),
        env as unknown as Bindings,
        createExecutionContext(),
      )
      expect(res.status).toBe(400)
    }
  })
})
