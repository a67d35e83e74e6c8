/**
 * Upstream faults of the Hub stand-in: each is survived (bounded retries honouring Retry-After) or turned into
 * a clear 5xx problem with Retry-After; nothing corrupt is ever cached.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { Trace } from '../../shared/types.ts'
import { api, coldStart, findIdAtRow, hubLog, resetHub, setFaults } from './helpers.ts'

let id = ''
let baseline = ''

/** A cold trace request under the given faults. */
async function coldTrace(faults: Record<string, unknown>): Promise<Response> {
  await coldStart()
  await setFaults(faults)
  const res = await api(`/api/trace/${id}`)
  return res
}

describe('upstream faults', () => {
  beforeAll(async () => {
    id = await findIdAtRow('kimi', 42)
    await coldStart()
    const res = await api(`/api/trace/${id}`)
    expect(res.status).toBe(200)
    baseline = JSON.stringify((await res.json()) as Trace)
  })

  const survived: [string, Record<string, unknown>][] = [
    ['two 503s from the CDN', { status503: { times: 2, match: '/__cdn/', retryAfter: 0 } }],
    ['a 500 from the CDN', { status500: { times: 1, match: '/__cdn/' } }],
    ['a dropped connection', { drop: { times: 1, match: '/__cdn/' } }],
    ['a truncated body', { truncate: { times: 2, match: '/__cdn/' } }],
    ['a 200 that ignores Range', { ignoreRange: { times: 1, match: '/__cdn/' } }],
    ['a 429 asking to wait 1 s', { status429: { times: 1, match: '/__cdn/', retryAfter: 1 } }],
    ['503s on dataset info', { status503: { times: 2, match: '/api/datasets', retryAfter: 0 } }],
    ['latency', { latencyMs: { ms: 150, times: 5 } }],
  ]
  for (const [name, faults] of survived) {
    it(`survives ${name} with the exact same trace`, async () => {
      const res = await coldTrace(faults)
      expect(res.status).toBe(200)
      expect(JSON.stringify(await res.json())).toBe(baseline)
      expect((await hubLog()).some((r) => r.status !== 200 && r.status !== 206 && r.status !== 302)).toBe(
        !('latencyMs' in faults) && !('ignoreRange' in faults) && !('truncate' in faults),
      )
    })
  }

  it('a long rate limit becomes 503 with Retry-After, then recovers with nothing corrupt cached', async () => {
    const res = await coldTrace({ status429: { match: '/__cdn/', retryAfter: 120 } })
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('120')
    expect(res.headers.get('content-type')).toContain('application/problem+json')
    expect(((await res.json()) as { detail: string }).detail).toMatch(/rate-limited/)
    await resetHub()
    const again = await api(`/api/trace/${id}`)
    expect(again.status).toBe(200)
    expect(JSON.stringify(await again.json())).toBe(baseline)
  })

  it('a persistent 500 becomes 502 with Retry-After', async () => {
    const res = await coldTrace({ status500: { match: '/__cdn/' } })
    expect(res.status).toBe(502)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(((await res.json()) as { detail: string }).detail).toMatch(/answered 500/)
  })

  it('a Hub that always ignores Range is refused, never buffered whole', async () => {
    const res = await coldTrace({ ignoreRange: { match: '/__cdn/' } })
    expect(res.status).toBe(502)
    expect(((await res.json()) as { detail: string }).detail).toMatch(/ignored the Range header/)
    const whole = (await hubLog()).filter((r) => r.status === 200 && r.kind === 'cdn')
    // The stand-in may have started sending; the Worker cancels after at most one response's first chunk.
    for (const r of whole) expect(r.bytes).toBeLessThan(8 * 1024 * 1024)
  })

  it('a persistently truncating Hub gives 502 and caches nothing', async () => {
    const res = await coldTrace({ truncate: { match: '/__cdn/' } })
    expect(res.status).toBe(502)
    await resetHub()
    const again = await api(`/api/trace/${id}`)
    expect(again.status).toBe(200)
    expect(JSON.stringify(await again.json())).toBe(baseline)
  })
})
