/**
 * Every route's real answers, 200s and errors, validate against the served `/api/openapi.json`
 * (`expectMatchesOpenApi`: status listed, media type documented, body valid for the response schema with
 * @cfworker/json-schema inside workerd, documented headers well-formed).
 */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { CHART_NAMES } from '../../shared/charts.ts'
import { EXPORT_FORMATS } from '../../shared/export.ts'
import type { StatsSet } from '../../shared/types.ts'
import type { Bindings } from '../../workers/env.ts'
import worker from '../../workers/index.ts'
import {
  api,
  apiJson,
  coldStart,
  eventually,
  expectMatchesOpenApi,
  findIdAtRow,
  resetHub,
  setFaults,
} from './helpers.ts'

async function check(path: string, status: number, init?: RequestInit): Promise<unknown> {
  const res = await api(path, init)
  const shown = res.status === status ? '' : await res.clone().text()
  expect(res.status, `${path}: ${shown}`).toBe(status)
  return expectMatchesOpenApi(path, res)
}

describe('answers match the OpenAPI document', () => {
  let id = ''
  beforeAll(async () => {
    await coldStart()
    id = await findIdAtRow('kimi', 7)
  })

  it('partial stats (coverage, Retry-After) and the documents before stats complete', async () => {
    const partial = (await check('/api/stats?config=kimi', 200)) as { complete: boolean }
    if (!partial.complete) expect(partial).toHaveProperty('coverage')
    await check('/api/datasets', 200)
    await check('/api/health', 200)
    await check('/api/openapi.json', 200)
    await check('/api/charts', 200)
  })

  it('complete stats, lists, traces, exports, charts', async () => {
    await eventually(async () => {
      const set = await apiJson<StatsSet>('/api/stats')
      return set.complete ? set : null
    }, 90_000)
    await check('/api/stats', 200)
    await check('/api/stats?config=glm-5.1', 200)
    const list = (await check('/api/traces?limit=3&config=kimi', 200)) as { nextCursor: string }
    await check(`/api/traces?limit=3&config=kimi&cursor=${list.nextCursor}`, 200)
    await check('/api/traces?q=zzzz-no-such-task', 200)
    await check(`/api/trace/${id}`, 200)
    for (const format of ['trace', ...EXPORT_FORMATS]) await check(`/api/trace/${id}?format=${format}`, 200)
    const sts = await api(`/api/trace/${id}/sts.jsonl`)
    expect(sts.headers.get('content-disposition')).toBe(`attachment; filename="${id}.jsonl"`)
    await expectMatchesOpenApi(`/api/trace/${id}/sts.jsonl`, sts)
    await check(`/api/export.jsonl?config=kimi&format=sharegpt&limit=2`, 200)
    for (const name of CHART_NAMES) await check(`/api/charts/${name}.svg?config=kimi`, 200)
    await check(
      `/api/oembed?url=${encodeURIComponent(`https://explorer.test/embed/${CHART_NAMES[0]}/`)}`,
      200,
    )
    await check('/api/docs', 200)
    const docs = await api('/api/docs/plain')
    expect(docs.headers.get('content-type')).toContain('text/html')
    const html = (await expectMatchesOpenApi('/api/docs/plain', docs)) as string
    for (const schema of ['Trace', 'Step', 'TraceSummary', 'Stats', 'StatsSet', 'Problem']) {
      expect(html).toContain(`id="schema-${schema}"`)
    }
    const revision = ((await apiJson('/api/datasets')) as { revision: string }).revision
    await check(`/api/trace/${id}?revision=${revision}`, 200)
    const etag = (await api(`/api/trace/${id}`)).headers.get('etag') ?? ''
    await check(`/api/trace/${id}`, 304, { headers: { 'if-none-match': etag } })
  })

  it('client errors are documented problems', async () => {
    await check('/api/traces?limit=0', 400)
    await check('/api/traces?bogus=1', 400)
    await check('/api/stats?config=kimii', 400)
    await check(`/api/trace/${id}?revision=nothex`, 400)
    await check('/api/trace/no-such-row', 404)
    await check('/api/charts/no-such-chart.svg', 404)
    await check('/api/datasets', 405, { method: 'POST' })
    await check(`/api/traces?q=${'x'.repeat(17_000)}`, 414)
    await check('/api/oembed?url=https%3A%2F%2Fexample.com%2Fembed%2Ftools%2F', 404)
    await check(`/api/oembed?url=%2Fembed%2F${CHART_NAMES[0]}%2F&format=xml`, 501)
  })

  it('the check refuses an answer that breaks the document', async () => {
    const bad = new Response(JSON.stringify({ dataset: 'x' }), {
      headers: { 'content-type': 'application/json' },
    })
    await expect(expectMatchesOpenApi('/api/datasets', bad)).rejects.toThrow(/does not match/)
    const undocumented = new Response('{}', { status: 418, headers: { 'content-type': 'application/json' } })
    await expect(expectMatchesOpenApi('/api/datasets', undocumented)).rejects.toThrow(/not documented/)
  })

  it('storage failing: health 503 degraded (its body documented), derived documents documented too', async () => {
    // R2 that throws on every call (as traffic.test.ts does), passed as an env override.
    const real = env.CACHE
    const bucket = new Proxy(real, {
      get(target, prop) {
        if (typeof prop === 'string' && ['get', 'put', 'head', 'list', 'delete'].includes(prop)) {
          return () => Promise.reject(new Error('R2 is down'))
        }
        const value = Reflect.get(target, prop)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    // Derived documents this isolate already holds in memory still answer 200; whatever the status, it is documented.
    for (const path of ['/api/health', '/api/stats?config=kimi', '/api/traces?config=kimi']) {
      const ctx = createExecutionContext()
      const res = await worker.fetch(
        new Request(`https://explorer.test${path}`),
        { ...(env as unknown as Bindings), CACHE: bucket },
        ctx,
      )
      const copy = new Response(await res.arrayBuffer(), res)
      await waitOnExecutionContext(ctx)
      if (path === '/api/health') expect(copy.status).toBe(503)
      if (copy.status === 503) expect(Number(copy.headers.get('retry-after'))).toBeGreaterThan(0)
      const body = await expectMatchesOpenApi(path, copy)
      if (path === '/api/health') expect(body).toHaveProperty('status', 'degraded')
    }
  })

  it('upstream errors are documented problems', async () => {
    await coldStart()
    await setFaults({ status500: { match: '/__cdn/' } })
    await check(`/api/trace/${id}`, 502)
    await coldStart()
    await setFaults({ status429: { match: '/__cdn/', retryAfter: 120 } })
    await check(`/api/trace/${id}`, 503)
    await resetHub()
  })
})
