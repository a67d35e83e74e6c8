/**
 * The API contract inside workerd, against the Hub stand-in serving the test sample: routes and shapes, the
 * I/O cost of cold and warm traces, caching headers, and bad input answered by problem+json.
 */
import { env } from 'cloudflare:workers'
import { asyncBufferFromUrl, parquetMetadataAsync } from 'hyparquet'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import { parquetRowPageBytes } from '../../shared/parquet.ts'
import type { StatsSet, Trace, TraceSummary } from '../../shared/types.ts'
import { clearIsolateMemos, settleWrites } from '../../workers/data/context.ts'
import { api, apiJson, coldStart, eventually, findIdAtRow, hubLog, hubUrl, resetHub } from './helpers.ts'

interface DatasetsBody {
  dataset: string
  revision: string
  sample: boolean
  configs: { name: string; rows: number; bytes: number; path: string }[]
}

interface TraceList {
  total: number
  offset: number
  limit: number
  complete: boolean
  items: TraceSummary[]
}

/** Wait until the Queue has computed every stats slice. */
async function waitForStats(): Promise<StatsSet> {
  return eventually(async () => {
    const set = await apiJson<StatsSet>('/api/stats')
    return set.complete ? set : null
  }, 90_000)
}

describe('routes', () => {
  beforeAll(coldStart)

  it('GET /api/datasets names the dataset, the resolved revision and both configs', async () => {
    const body = await apiJson<DatasetsBody>('/api/datasets')
    expect(body.dataset).toBe('lambda/hermes-agent-reasoning-traces')
    expect(body.revision).toBe(inject('hubSha'))
    expect(body.sample).toBe(true)
    expect(body.configs.map((c) => [c.name, c.rows])).toEqual([
      ['kimi', 160],
      ['glm-5.1', 140],
    ])
    expect(body.configs[0]?.bytes).toBeGreaterThan(100_000)
    // Through @huggingface/hub: dataset info, then one paths-info request for every config file's size (no
    // Range 0-0 probes for sizes).
    const log = await hubLog()
    expect(
      log.filter((r) => r.kind === 'api').map((r) => `${r.method} ${r.path.replace(body.revision, '<sha>')}`),
    ).toEqual([
      'GET /api/datasets/lambda/hermes-agent-reasoning-traces/revision/main',
      'POST /api/datasets/lambda/hermes-agent-reasoning-traces/paths-info/<sha>',
    ])
    expect(log.filter((r) => r.range === 'bytes=0-0')).toEqual([])
  })

  it('stats complete through the Queue and equal the stats CLI number for number', async () => {
    const first = await apiJson<StatsSet>('/api/stats?config=kimi')
    expect(first).toHaveProperty('rowsTotal', 160)
    const set = await waitForStats()
    const cli = JSON.parse(inject('cliStats')) as StatsSet
    expect(JSON.stringify(set)).toBe(JSON.stringify(cli))
    const one = await api('/api/stats?config=glm-5.1')
    expect(one.headers.get('cache-control')).toContain('max-age=300')
    expect(await one.json()).toEqual(cli.configs['glm-5.1'])
  })

  it('GET /api/traces filters and pages the summaries', async () => {
    await waitForStats()
    const all = await apiJson<TraceList>('/api/traces?limit=100')
    expect(all.total).toBe(300)
    expect(all.items).toHaveLength(100)
    const kimiTerminal = await apiJson<TraceList>('/api/traces?config=kimi&tool=terminal&limit=5&offset=2')
    expect(kimiTerminal.offset).toBe(2)
    expect(kimiTerminal.items.length).toBeLessThanOrEqual(5)
    // Every loop over results first asserts it has something to check: an empty answer must not pass.
    expect(kimiTerminal.items.length).toBeGreaterThan(0)
    for (const s of kimiTerminal.items) {
      expect(s.config).toBe('kimi')
      expect(s.tools.terminal).toBeGreaterThan(0)
    }
    const long = await apiJson<TraceList>('/api/traces?minMessages=40')
    expect(long.items.length).toBeGreaterThan(0)
    for (const s of long.items) expect(s.messages).toBeGreaterThanOrEqual(40)
    const failed = await apiJson<TraceList>('/api/traces?error=timeout')
    expect(failed.items.length).toBeGreaterThan(0)
    for (const s of failed.items) expect(s.errorKinds.timeout).toBeGreaterThan(0)
    const none = await apiJson<TraceList>('/api/traces?q=zzzz-no-such-task')
    expect(none.total).toBe(0)
  })

  it('GET /api/trace/:id returns the replay JSON, and export formats', async () => {
    const list = await apiJson<TraceList>('/api/traces?config=glm-5.1&limit=1')
    const id = list.items[0]?.id as string
    const trace = await apiJson<Trace>(`/api/trace/${id}`)
    expect(trace.id).toBe(id)
    expect(trace.config).toBe('glm-5.1')
    expect(trace.revision).toBe(inject('hubSha'))
    expect(trace.sample).toBe(true)
    expect(trace.steps.length).toBe(trace.messages.filter((m) => m.from === 'gpt').length)
    for (const format of ['openai', 'openai-raw', 'sharegpt', 'sts']) {
      const body = await apiJson<Record<string, unknown>>(`/api/trace/${id}?format=${format}`)
      expect(body.id).toBe(id)
      expect(body.format).toBe(format)
    }
  })

  it('a trace is sent as R2 keeps it; a corrupt copy in R2 is recomputed and rewritten', async () => {
    const list = await apiJson<TraceList>('/api/traces?config=kimi&limit=2')
    const id = list.items[1]?.id as string
    const first = await api(`/api/trace/${id}`)
    expect(first.status).toBe(200)
    const text = await first.text()
    await settleWrites()
    const key = `traces/lambda/hermes-agent-reasoning-traces/${inject('hubSha')}/${id}.json`
    expect(await (await env.CACHE.get(key))?.text()).toBe(text)
    for (const corrupt of ['{"id": "trunc', '[1, 2]', 'null']) {
      await env.CACHE.put(key, corrupt)
      clearIsolateMemos()
      const again = await api(`/api/trace/${id}`)
      expect(again.status).toBe(200)
      expect(await again.text()).toBe(text)
      await settleWrites()
      expect(await (await env.CACHE.get(key))?.text()).toBe(text)
    }
  })

  it('GET /api/export.jsonl streams one line per matching row, id first (first page; pagination.test.ts follows the rest)', async () => {
    await waitForStats()
    const res = await api('/api/export.jsonl?config=kimi&format=openai&error=any')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('application/x-ndjson')
    const lines = (await res.text()).split('\n').filter(Boolean)
    expect(lines.length).toBeGreaterThan(0)
    expect(Number(res.headers.get('x-rows'))).toBe(lines.length)
    const list = await apiJson<TraceList>(`/api/traces?config=kimi&error=any&limit=${lines.length}`)
    expect(Number(res.headers.get('x-rows-total'))).toBe(list.total)
    expect(res.headers.has('link')).toBe(lines.length < list.total)
    const ids: unknown[] = []
    for (const line of lines) {
      const row = JSON.parse(line) as Record<string, unknown>
      expect(Object.keys(row)[0]).toBe('id')
      expect(Array.isArray(row.messages)).toBe(true)
      ids.push(row.id)
    }
    expect(ids).toEqual(list.items.map((s) => s.id))
    const sharegpt = await api('/api/export.jsonl?config=glm-5.1&format=sharegpt&maxMessages=10')
    const short = (await sharegpt.text()).split('\n').filter(Boolean)
    expect(short.length).toBeGreaterThan(0)
    for (const line of short) {
      const row = JSON.parse(line) as { conversations: unknown[] }
      expect(row.conversations.length).toBeLessThanOrEqual(10)
    }
    const bad = await api('/api/export.jsonl?config=kimi&format=csv')
    expect(bad.status).toBe(400)
    expect(await bad.text()).toContain('format=\\"csv\\"')
  })

  it('trace content stays inert JSON text (XSS rows)', async () => {
    await waitForStats()
    const list = await apiJson<TraceList>('/api/traces?q=%3Cscript%3E&limit=5')
    expect(list.total).toBeGreaterThan(0)
    const res = await api(`/api/trace/${list.items[0]?.id}`)
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    const trace = (await res.json()) as Trace
    expect(trace.task).toContain('<script>')
  })

  it('GET /api/charts/:name.svg renders an SVG with title and description', async () => {
    await waitForStats()
    const res = await api('/api/charts/top-tools.svg?config=kimi')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('image/svg+xml')
    const svg = await res.text()
    expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/)
    expect(svg).toContain('<title>')
    expect(svg).toContain('<desc>')
  })

  it('GET /api/openapi.json documents every route with parameters from the zod schemas', async () => {
    const doc = await apiJson<{
      openapi: string
      paths: Record<string, { get: { parameters: { name: string }[] } }>
    }>('/api/openapi.json')
    expect(doc.openapi).toBe('3.1.0')
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/datasets',
        '/api/stats',
        '/api/traces',
        '/api/trace/{id}',
        '/api/charts/{name}.svg',
      ]),
    )
    const names = doc.paths['/api/traces']?.get.parameters.map((p) => p.name)
    expect(names).toEqual(
      expect.arrayContaining(['config', 'tool', 'error', 'minMessages', 'q', 'offset', 'limit']),
    )
  })

  it('ETag + If-None-Match answer 304; CORS and X-Revision are set', async () => {
    const res = await api('/api/datasets')
    const etag = res.headers.get('etag') as string
    expect(etag).toMatch(/^"[0-9a-f]{12}-[0-9a-f]{8}"$/)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(res.headers.get('x-revision')).toBe(inject('hubSha'))
    const again = await api('/api/datasets', { headers: { 'if-none-match': etag } })
    expect(again.status).toBe(304)
    expect(await again.text()).toBe('')
  })
})

describe('I/O contract of /api/trace/:id', () => {
  it('a cold trace costs a few upstream requests and about the bytes of its pages; a warm one costs none', async () => {
    await coldStart()
    const list = await apiJson<DatasetsBody>('/api/datasets') // resolves the revision and reads the footers
    const kimi = list.configs[0] as DatasetsBody['configs'][number]
    // Build the id index (the id column only), then measure one trace in a row group far from the index reads.
    await api('/api/trace/00000000-0000-0000-0000-000000000000')
    const target = await findIdAtRow('kimi', 70)
    await resetHub()

    const cold = await api(`/api/trace/${target}`)
    expect(cold.status).toBe(200)
    const coldLog = (await hubLog()).filter((r) => r.kind !== 'other')
    const coldBytes = coldLog.reduce((n, r) => n + r.bytes, 0)
    const pageBytes = await pageBytesOfRow(kimi.path, 70)
    expect(coldLog.length).toBeLessThanOrEqual(6)
    expect(coldBytes).toBeGreaterThanOrEqual(pageBytes.conversations)
    // Aligned 128 KiB blocks may add up to two blocks per merged run around the pages.
    expect(coldBytes).toBeLessThanOrEqual(pageBytes.total + 4 * 128 * 1024)

    await resetHub()
    const warm = await api(`/api/trace/${target}`)
    expect(warm.status).toBe(200)
    expect(await warm.json()).toEqual(await cold.json())
    expect(await hubLog()).toEqual([])
  })
})

describe('identical concurrent misses', () => {
  it('share one upstream fetch: three concurrent cold requests cost what one does', async () => {
    const target = await findIdAtRow('glm-5.1', 60)
    const cdnRanges = async () =>
      (await hubLog())
        .filter((r) => r.kind === 'cdn')
        .map((r) => r.range)
        .sort()
    await coldStart()
    await api('/api/trace/00000000-0000-0000-0000-000000000000') // id index
    await resetHub()
    expect((await api(`/api/trace/${target}`)).status).toBe(200)
    const single = await cdnRanges()

    await coldStart()
    await api('/api/trace/00000000-0000-0000-0000-000000000000')
    await resetHub()
    const answers = await Promise.all([1, 2, 3].map(() => api(`/api/trace/${target}`)))
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200])
    const bodies = await Promise.all(answers.map((r) => r.text()))
    expect(new Set(bodies).size).toBe(1)
    expect(await cdnRanges()).toEqual(single)
  })
})

/** Compressed bytes of the pages that hold `row`, read straight from the stand-in (not through the Worker). */
async function pageBytesOfRow(path: string, row: number): Promise<{ conversations: number; total: number }> {
  const url = `${hubUrl()}/datasets/lambda/hermes-agent-reasoning-traces/resolve/main/${path}`
  const file = await asyncBufferFromUrl({ url })
  const { total, byColumn } = await parquetRowPageBytes(file, await parquetMetadataAsync(file), row)
  return { total, conversations: byColumn.conversations ?? 0 }
}
