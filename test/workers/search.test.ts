/**
 * `GET /api/search` inside workerd, against the Hub stand-in serving the test sample, with the real Queue and R2:
 * the index is built through the Queue (503 index-pending until then), and the answers are checked against the
 * replay documents (`/api/trace/:id`) and the row summaries, not against the index itself: snippets hold the
 * words at their marks, phrases, prefixes and every filter hold on each hit, paging covers `total` exactly once,
 * bad input is a 400 naming the parameter. Also measured (printed): build time through the Queue and index bytes
 * per MB of row text.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { asyncBufferFromUrl, parquetReadObjects } from 'hyparquet'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import type { SearchAnswer, SearchHit } from '../../shared/search/types.ts'
import type { Trace } from '../../shared/types.ts'
import { clearIsolateMemos } from '../../workers/data/context.ts'
import { clearSearchMemos, SEARCH_SHARDS } from '../../workers/data/search-index.ts'
import { clearSliceMemos } from '../../workers/data/slices.ts'
import type { Bindings } from '../../workers/env.ts'
import worker from '../../workers/index.ts'
import { api, apiJson, coldStart, eventually, expectMatchesOpenApi, hubUrl } from './helpers.ts'

interface Problem {
  type: string
  status: number
  detail: string
  param?: string
  retryAfter?: number
}

const norm = (s: string) => s.normalize('NFKC').toLowerCase()
const traceCache = new Map<string, Trace>()
async function traceOf(id: string): Promise<Trace> {
  let t = traceCache.get(id)
  if (!t) {
    t = await apiJson<Trace>(`/api/trace/${id}`)
    traceCache.set(id, t)
  }
  return t
}

/** Every hit of a query, following `next` (each page checked against the document). */
async function allHits(path: string): Promise<{ hits: SearchHit[]; total: number; pages: number }> {
  const hits: SearchHit[] = []
  let next: string | null = path
  let total = -1
  let pages = 0
  while (next !== null) {
    const res = await api(next)
    const body = (await expectMatchesOpenApi(next, res)) as SearchAnswer
    expect(res.status, next).toBe(200)
    if (total >= 0) expect(body.total).toBe(total)
    total = body.total
    hits.push(...body.hits)
    pages++
    expect(res.headers.has('link')).toBe(body.next !== null)
    if (body.next === null) break
    expect(body.hits.length).toBeGreaterThan(0)
    const url = new URL(path, 'https://explorer.test')
    url.searchParams.set('cursor', body.next)
    next = `${url.pathname}${url.search}`
  }
  return { hits, total, pages }
}

/** The step of a message as the replay numbers steps (independently of the index). */
function stepOf(trace: Trace, message: number): number | null {
  const role = trace.messages[message]?.from
  if (role === 'gpt') return trace.steps.findIndex((s) => s.message === message)
  if (role !== 'tool') return null
  for (let m = message - 1; m >= 0; m--) {
    const from = trace.messages[m]?.from
    if (from === 'gpt') return trace.steps.findIndex((s) => s.message === m)
    if (from !== 'tool') return null
  }
  return null
}

describe('GET /api/search', () => {
  beforeAll(coldStart)

  it('answers 503 index-pending (Retry-After, progress) until the Queue has built the index; measures it', async () => {
    const started = Date.now()
    const res = await api('/api/search?q=traceback')
    expect(res.status).toBe(503)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    const problem = (await expectMatchesOpenApi('/api/search?q=traceback', res)) as Problem
    expect(problem.type).toMatch(/index-pending$/)
    expect(problem.detail).toMatch(/kimi: \d+\/\d+ slices indexed/)
    const health = await apiJson<{
      configs: Record<string, { search: { complete: boolean; shardsTotal: number } }>
    }>('/api/health')
    expect(health.configs.kimi?.search.complete).toBe(false)
    expect(health.configs.kimi?.search.shardsTotal).toBe(SEARCH_SHARDS)
    const done = await eventually(async () => {
      const r = await api('/api/search?q=traceback')
      const text = await r.text()
      return r.status === 200 ? (JSON.parse(text) as SearchAnswer) : null
    }, 180_000)
    const buildMs = Date.now() - started
    expect(done.complete).toBe(true)
    const after = await apiJson<{ configs: Record<string, { search: Record<string, unknown> }> }>(
      '/api/health',
    )
    for (const config of ['kimi', 'glm-5.1']) {
      expect(after.configs[config]?.search).toMatchObject({
        complete: true,
        manifest: true,
        shardsDone: SEARCH_SHARDS,
      })
    }
    // Index bytes (R2 listing) per MB of row text (the conversations column read straight from the stand-in).
    const sizes: Record<string, number> = { partials: 0, text: 0, system: 0, final: 0 }
    let cursor: string | undefined
    do {
      const page = await env.CACHE.list({ cursor })
      for (const o of page.objects) {
        if (!o.key.includes('/search/')) continue
        const kind = o.key.startsWith('partials/')
          ? 'partials'
          : o.key.includes('/search/text/')
            ? 'text'
            : o.key.includes('/search/system/')
              ? 'system'
              : 'final'
        sizes[kind] = (sizes[kind] ?? 0) + o.size
      }
      cursor = page.truncated ? page.cursor : undefined
    } while (cursor)
    let rowText = 0
    for (const config of ['kimi', 'glm-5.1']) {
      const file = await asyncBufferFromUrl({
        url: `${hubUrl()}/datasets/lambda/hermes-agent-reasoning-traces/resolve/main/data/${config}/train.parquet`,
      })
      const rows = await parquetReadObjects({ file, columns: ['conversations'] })
      for (const r of rows) {
        for (const m of r.conversations as { value: string }[])
          rowText += new TextEncoder().encode(m.value).length
      }
    }
    expect(rowText).toBeGreaterThan(1_000_000)
    const perMb = (n: number) => (n / rowText).toFixed(3)
    // biome-ignore lint/suspicious/noConsole: the build time and index size are this test's report
    console.info(
      `search index, test sample (300 rows, ${(rowText / 2 ** 20).toFixed(1)} MB of message text, UTF-8): ` +
        `built through the Queue in ${(buildMs / 1000).toFixed(1)} s (first query to complete, stats slices included); ` +
        `bytes per byte of text: final index (dict+postings+manifest+layout) ${perMb(sizes.final as number)}, ` +
        `snippet texts ${perMb(sizes.text as number)} + system prompts ${perMb(sizes.system as number)}, ` +
        `slice partials ${perMb(sizes.partials as number)}`,
    )
    expect(sizes.final).toBeGreaterThan(0)
  }, 240_000)

  it('a word: every hit holds it at its marks, in a real message of the trace, at the replay step', async () => {
    const body = await apiJson<SearchAnswer>('/api/search?q=Traceback&limit=30')
    expect(body.dataset).toBe('lambda/hermes-agent-reasoning-traces')
    expect(body.revision).toBe(inject('hubSha'))
    expect(body.sample).toBe(true)
    expect(body.terms).toEqual(['traceback'])
    expect(body.hits.length).toBeGreaterThan(5)
    expect(body.total).toBeGreaterThanOrEqual(body.hits.length)
    for (const [i, hit] of body.hits.entries()) {
      expect(hit.snippet.marks.length).toBeGreaterThan(0)
      for (const [a, b] of hit.snippet.marks) expect(norm(hit.snippet.text.slice(a, b))).toBe('traceback')
      const trace = await traceOf(hit.id)
      expect(trace.config).toBe(hit.config)
      const message = trace.messages[hit.message]
      expect(message?.from).toBe(hit.role)
      expect(message?.value).toContain(hit.snippet.text)
      expect(hit.step).toBe(stepOf(trace, hit.message))
      if (i > 0) expect(hit.score).toBeLessThanOrEqual((body.hits[i - 1] as SearchHit).score)
    }
  })

  it('a phrase, a prefix, AND of words', async () => {
    const phrase = await apiJson<SearchAnswer>('/api/search?q=%22exit%20code%22&limit=40')
    expect(phrase.terms).toEqual(['exit code'])
    expect(phrase.hits.length).toBeGreaterThan(0)
    for (const hit of phrase.hits) {
      const marked = hit.snippet.marks.map(([a, b]) =>
        norm(hit.snippet.text.slice(a, b)).replace(/[^\p{L}\p{N}_]+/gu, ' '),
      )
      expect(marked).toContain('exit code')
    }
    const prefix = await apiJson<SearchAnswer>('/api/search?q=pars*&limit=40')
    expect(prefix.terms).toEqual(['pars*'])
    expect(prefix.hits.length).toBeGreaterThan(0)
    for (const hit of prefix.hits) {
      for (const [a, b] of hit.snippet.marks)
        expect(norm(hit.snippet.text.slice(a, b))).toMatch(/^pars[\p{L}\p{N}_]*$/u)
    }
    const both = await apiJson<SearchAnswer>('/api/search?q=terminal%20denied&limit=20')
    expect(both.hits.length).toBeGreaterThan(0)
    for (const hit of both.hits) {
      const text = norm((await traceOf(hit.id)).messages[hit.message]?.value ?? '')
      expect(text).toMatch(/(?<![\p{L}\p{N}_])terminal(?![\p{L}\p{N}_])/u)
      expect(text).toMatch(/(?<![\p{L}\p{N}_])denied(?![\p{L}\p{N}_])/u)
    }
    const none = await apiJson<SearchAnswer>('/api/search?q=zzqxnosuchword')
    expect(none).toMatchObject({ total: 0, hits: [], next: null })
  })

  it('role, config, tool and error filters hold on every hit', async () => {
    const tool = await allHits('/api/search?q=error&role=tool&limit=100')
    expect(tool.hits.length).toBeGreaterThan(0)
    for (const h of tool.hits) expect([h.role, h.field]).toEqual(['tool', 'tool'])
    const think = await apiJson<SearchAnswer>('/api/search?q=error&role=think&limit=50')
    expect(think.hits.length).toBeGreaterThan(0)
    for (const h of think.hits) {
      expect([h.role, h.field]).toEqual(['gpt', 'think'])
      const trace = await traceOf(h.id)
      const thoughts = norm(trace.steps[h.step as number]?.thoughts.join('\n') ?? '')
      expect(thoughts).toMatch(/(?<![\p{L}\p{N}_])error(?![\p{L}\p{N}_])/u)
    }
    const system = await apiJson<SearchAnswer>('/api/search?q=function%20signatures&role=system&limit=5')
    expect(system.total).toBe(300) // one system prompt per row, each row a hit (indexed once per distinct text)
    for (const h of system.hits) expect([h.role, h.message, h.step]).toEqual(['system', 0, null])
    const glm = await apiJson<SearchAnswer>('/api/search?q=error&config=glm-5.1&limit=50')
    expect(glm.hits.length).toBeGreaterThan(0)
    for (const h of glm.hits) expect(h.config).toBe('glm-5.1')
    const all = await apiJson<SearchAnswer>('/api/search?q=error&limit=1')
    const kimi = await apiJson<SearchAnswer>('/api/search?q=error&config=kimi&limit=1')
    expect(kimi.total + glm.total).toBe(all.total)
    const terminal = await apiJson<SearchAnswer>('/api/search?q=error&tool=terminal&limit=50')
    expect(terminal.hits.length).toBeGreaterThan(0)
    for (const h of terminal.hits) {
      const trace = await traceOf(h.id)
      expect(trace.steps[h.step as number]?.calls.some((c) => c.name === 'terminal')).toBe(true)
    }
    const clean = await apiJson<SearchAnswer>('/api/search?q=error&error=none&limit=40')
    const failed = await apiJson<SearchAnswer>('/api/search?q=error&error=any&limit=40')
    expect(clean.hits.length).toBeGreaterThan(0)
    expect(failed.hits.length).toBeGreaterThan(0)
    expect(clean.total + failed.total).toBe(all.total)
    for (const h of clean.hits) expect((await traceOf(h.id)).summary.toolErrors).toBe(0)
    for (const h of failed.hits) expect((await traceOf(h.id)).summary.toolErrors).toBeGreaterThan(0)
  })

  it('paging by cursor covers every hit exactly once, in rank order', async () => {
    const paged = await allHits('/api/search?q=error%20file&limit=7')
    expect(paged.pages).toBeGreaterThan(2)
    expect(paged.hits).toHaveLength(paged.total)
    const keys = paged.hits.map((h) => `${h.config}|${h.id}|${h.message}`)
    expect(new Set(keys).size).toBe(paged.total)
    const one = await apiJson<SearchAnswer>('/api/search?q=error%20file&limit=100')
    expect(one.total).toBe(paged.total)
    expect(keys.slice(0, one.hits.length)).toEqual(one.hits.map((h) => `${h.config}|${h.id}|${h.message}`))
    const pinned = await apiJson<SearchAnswer>(
      `/api/search?q=error%20file&limit=100&revision=${inject('hubSha')}`,
    )
    expect(pinned.hits).toEqual(one.hits)
  })

  it('bad input is a 400 problem naming the parameter', async () => {
    const first = await apiJson<SearchAnswer>('/api/search?q=error&limit=2')
    const cases: [string, string][] = [
      ['/api/search', 'q'],
      ['/api/search?q=', 'q'],
      ['/api/search?q=%20%21%21%20', 'q'],
      ['/api/search?q=a*', 'q'],
      [`/api/search?q=${'x'.repeat(201)}`, 'q'],
      ['/api/search?q=a%20b%20c%20d%20e%20f%20g%20h%20i', 'q'],
      ['/api/search?q=error&role=assistant', 'role'],
      ['/api/search?q=error&role=gpt,', 'role'],
      ['/api/search?q=error&config=kimii', 'config'],
      ['/api/search?q=error&error=sometimes', 'error'],
      ['/api/search?q=error&limit=0', 'limit'],
      ['/api/search?q=error&limit=101', 'limit'],
      ['/api/search?q=error&cursor=!!', 'cursor'],
      ['/api/search?q=error&cursor=bm90LWpzb24', 'cursor'],
      [`/api/search?q=file&cursor=${first.next}`, 'cursor'],
      ['/api/search?q=error&page=2', 'page'],
    ]
    for (const [path, param] of cases) {
      const res = await api(path)
      expect(res.status, path).toBe(400)
      expect(res.headers.get('content-type')).toContain('application/problem+json')
      const problem = (await expectMatchesOpenApi(path, res)) as Problem
      expect(problem.param, path).toBe(param)
    }
  })

  it('lost index objects are rebuilt by the scheduled repair and the next queries; answers are unchanged', async () => {
    const before = await apiJson<SearchAnswer>('/api/search?q=error%20file&limit=100')
    const sha = inject('hubSha')
    const base = `lambda/hermes-agent-reasoning-traces/${sha}/kimi`
    const partials = await env.CACHE.list({ prefix: `partials/${base}/search/` })
    expect(partials.objects.length).toBeGreaterThan(1)
    await env.CACHE.delete([
      partials.objects[0]?.key as string,
      `index/${base}/search/dict/3.bin`,
      `index/${base}/search/post/3.bin`,
    ])
    clearIsolateMemos()
    clearSliceMemos()
    clearSearchMemos()
    const health = await apiJson<{
      configs: Record<string, { search: { complete: boolean; slicesDone: number } }>
    }>('/api/health')
    expect(health.configs.kimi?.search.complete).toBe(false)
    const ctx = createExecutionContext()
    await worker.scheduled(createScheduledController(), env as unknown as Bindings, ctx)
    await waitOnExecutionContext(ctx)
    const after = await eventually(async () => {
      const res = await api('/api/search?q=error%20file&limit=100')
      const text = await res.text()
      if (res.status === 503) expect(JSON.parse(text).type).toMatch(/index-pending$/)
      return res.status === 200 ? (JSON.parse(text) as SearchAnswer) : null
    }, 120_000)
    expect(after).toEqual(before)
  }, 180_000)
})
