/**
 * The API under the traffic users bring, inside workerd: many concurrent cold requests (distinct and identical
 * rows, some clients hanging up early) while the Queue computes stats; repair after faults that make the Queue
 * drop slices and after lost work; R2 that throws or hangs; a row larger than the memory budget.
 *
 * Expected bodies come from the rows read straight from the Hub stand-in with hyparquet, outside the Worker's
 * caches and sharing; expected stats from the stats CLI (a separate process over the same files).
 */

import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { asyncBufferFromUrl, parquetMetadataAsync, parquetReadObjects } from 'hyparquet'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import { parseRow } from '../../shared/trace.ts'
import type { Stats, StatsSet, Trace } from '../../shared/types.ts'
import { STATS_FORMAT } from '../../workers/data/slices.ts'
import type { Bindings } from '../../workers/env.ts'
import worker from '../../workers/index.ts'
import { api, apiJson, coldStart, eventually, hubLog, hubUrl, resetHub } from './helpers.ts'

const REPO = 'lambda/hermes-agent-reasoning-traces'

interface Health {
  revision: string
  configs: Record<string, { stats: { complete: boolean; slicesDone: number; slicesTotal: number } }>
  queue: { deadLetters: number; revived: number; retried: number; computed: number }
}

/** Every row of a config, read by hyparquet straight from the stand-in, parsed outside the Worker. */
async function expectedTraces(config: string): Promise<Map<string, string>> {
  const url = `${hubUrl()}/datasets/${REPO}/resolve/main/data/${config}/train.parquet`
  const file = await asyncBufferFromUrl({ url })
  const metadata = await parquetMetadataAsync(file)
  const rows = await parquetReadObjects({ file, metadata })
  const info = await apiJson<{ revision: string; sample: boolean; dataset: string }>('/api/datasets')
  const out = new Map<string, string>()
  for (const row of rows) {
    const trace = parseRow(row, {
      dataset: info.dataset,
      revision: info.revision,
      sample: info.sample,
      config,
    }).trace
    out.set(trace.id, JSON.stringify(trace))
  }
  return out
}

/** Run `tasks` with at most `concurrency` in flight. */
async function pool<T>(tasks: (() => Promise<T>)[], concurrency: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length)
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < tasks.length) {
        const i = next++
        results[i] = await (tasks[i] as () => Promise<T>)()
      }
    }),
  )
  return results
}

const cdnRequests = async () => (await hubLog()).filter((r) => r.kind === 'cdn').length

/** Call the Worker with other bindings (R2 faults, budgets), as a fresh request. */
async function callWith(overrides: Partial<Bindings>, path: string): Promise<Response> {
  const ctx = createExecutionContext()
  const res = await worker.fetch(
    new Request(`https://explorer.test${path}`),
    { ...(env as unknown as Bindings), ...overrides },
    ctx,
  )
  const body = await res.text()
  await waitOnExecutionContext(ctx)
  return new Response(body, res)
}

/** An R2 bucket whose chosen operations throw or never answer. */
function faultyBucket(mode: 'throw' | 'hang', ops: string[]): R2Bucket {
  const real = env.CACHE
  return new Proxy(real, {
    get(target, prop) {
      if (typeof prop === 'string' && ops.includes(prop)) {
        return () => (mode === 'throw' ? Promise.reject(new Error('R2 is down')) : new Promise(() => {}))
      }
      const value = Reflect.get(target, prop)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

const health = () => apiJson<Health>('/api/health')

async function waitComplete(config: string, timeoutMs: number): Promise<void> {
  // /api/health only reads: nothing here re-enqueues missing slices.
  await eventually(async () => ((await health()).configs[config]?.stats.complete ? true : null), timeoutMs)
}

describe('concurrent cold traffic while stats compute', () => {
  let kimi = new Map<string, string>()
  let glm = new Map<string, string>()

  beforeAll(async () => {
    await coldStart()
    kimi = await expectedTraces('kimi')
    glm = await expectedTraces('glm-5.1')
    expect(kimi.size).toBe(160)
    expect(glm.size).toBe(140)
  })

  it('answers every distinct and identical cold trace 200 with the right body, clients hanging up early', async () => {
    await coldStart()
    const started = await apiJson<StatsSet>('/api/stats') // enqueues every slice: the Queue works meanwhile
    expect(started.complete).toBe(false)
    const distinct = [...[...kimi.keys()].slice(0, 50), ...[...glm.keys()].slice(0, 30)]
    const same = [...kimi.keys()][100] as string
    const ids = [...distinct, ...Array.from({ length: 16 }, () => same)]
    const aborted = new Set([3, 17, 41, 66])
    const results = await pool(
      ids.map((id, i) => async () => {
        if (aborted.has(i)) {
          const ac = new AbortController()
          const p = api(`/api/trace/${id}`, { signal: ac.signal }).catch(() => null)
          setTimeout(() => ac.abort(), 3)
          // An answer that arrived before the abort is dropped unread (a test context has few connections).
          await (await p)?.body?.cancel().catch(() => undefined)
          return { id, status: -1, body: '' }
        }
        const res = await api(`/api/trace/${id}`)
        return { id, status: res.status, body: await res.text() }
      }),
      8,
    )
    const answered = results.filter((r) => r.status !== -1)
    expect(answered.length).toBe(ids.length - aborted.size)
    const bad = answered.filter((r) => r.status !== 200).map((r) => `${r.status} ${r.body.slice(0, 200)}`)
    expect(bad).toEqual([])
    for (const r of answered) expect(r.body).toBe(kimi.get(r.id) ?? glm.get(r.id))
    // The clients that hung up must not have left anything stuck: the same ids answer now.
    for (const i of aborted) {
      const id = ids[i] as string
      const res = await api(`/api/trace/${id}`)
      expect(res.status).toBe(200)
      expect(await res.text()).toBe(kimi.get(id) ?? glm.get(id))
    }
    await waitComplete('kimi', 90_000)
    await waitComplete('glm-5.1', 90_000)
    const cli = JSON.parse(inject('cliStats')) as StatsSet
    const set = await apiJson<StatsSet>('/api/stats')
    expect(JSON.stringify(set)).toBe(JSON.stringify(cli))
  }, 240_000)

  it('identical concurrent cold requests cost about one cold request upstream', async () => {
    const id = [...kimi.keys()][7] as string
    await coldStart()
    await apiJson('/api/datasets')
    await apiJson(`/api/trace/${[...kimi.keys()][0]}`) // id index and footers warm
    await resetHub()
    const single = await api(`/api/trace/${id}`)
    expect(single.status).toBe(200)
    expect(await single.text()).toBe(kimi.get(id))
    const one = await cdnRequests()
    expect(one).toBeGreaterThan(0)

    await coldStart()
    await apiJson('/api/datasets')
    await apiJson(`/api/trace/${[...kimi.keys()][0]}`)
    await resetHub()
    const answers = await Promise.all(Array.from({ length: 12 }, () => api(`/api/trace/${id}`)))
    for (const res of answers) {
      expect(res.status).toBe(200)
      expect(await res.text()).toBe(kimi.get(id))
    }
    expect(await cdnRequests()).toBeLessThanOrEqual(one + 2)
  })
})

describe('R2 faults', () => {
  let id = ''
  let expected = ''
  beforeAll(async () => {
    await coldStart()
    const kimi = await expectedTraces('kimi')
    id = [...kimi.keys()][21] as string
    expected = kimi.get(id) as string
  })

  it('R2 that throws on every call: traces come from the Hub, derived documents answer 503 with Retry-After', async () => {
    const bucket = faultyBucket('throw', ['get', 'put', 'head', 'list', 'delete'])
    const trace = await callWith({ CACHE: bucket }, `/api/trace/${id}`)
    expect(trace.status).toBe(200)
    expect(await trace.text()).toBe(expected)
    for (const path of ['/api/stats?config=kimi', '/api/traces?config=kimi']) {
      const res = await callWith({ CACHE: bucket }, path)
      expect(res.status, path).toBe(503)
      expect(res.headers.get('content-type')).toContain('application/problem+json')
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    }
    const health = await callWith({ CACHE: bucket }, '/api/health')
    expect(health.status).toBe(503)
    expect(((await health.json()) as { status: string }).status).toBe('degraded')
  })

  it('R2 writes that never answer do not hold the answer back', async () => {
    await coldStart()
    const t0 = Date.now()
    const res = await callWith({ CACHE: faultyBucket('hang', ['put']) }, `/api/trace/${id}`)
    expect(res.status).toBe(200)
    expect(await res.text()).toBe(expected)
    expect(Date.now() - t0).toBeLessThan(30_000)
  })

  it('an R2 listing that never answers becomes 503, not a hang or a 500', async () => {
    const res = await callWith({ CACHE: faultyBucket('hang', ['list']) }, '/api/stats?config=kimi')
    expect(res.status).toBe(503)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
  })
})

describe('memory budget', () => {
  it('a row whose pages exceed the budget is refused with a problem naming it, and the isolate lives on', async () => {
    const list = await eventually(async () => {
      const body = await apiJson<{ items: { id: string }[] }>('/api/traces?config=kimi&limit=1')
      return body.items.length > 0 ? body.items : null
    }, 90_000)
    const id = list[0]?.id as string
    await coldStart()
    const res = await callWith({ MEMORY_BUDGET_MB: '0.01' }, `/api/trace/${id}`)
    expect(res.status).toBe(507)
    const problem = (await res.json()) as { detail: string }
    expect(problem.detail).toMatch(/MB of memory to decode/)
    const ok = await api(`/api/trace/${id}`)
    expect(ok.status).toBe(200)
    expect(((await ok.json()) as Trace).id).toBe(id)
  })
})

describe('pinned revisions', () => {
  let sha = ''
  let id = ''
  beforeAll(async () => {
    sha = inject('hubSha')
    const kimi = await expectedTraces('kimi')
    id = [...kimi.keys()][5] as string
  })

  it('?revision=<sha> answers immutably and repeats from the edge cache', async () => {
    const first = await api(`/api/trace/${id}?revision=${sha}`)
    expect(first.status).toBe(200)
    expect(first.headers.get('cache-control')).toContain('immutable')
    expect(first.headers.get('x-revision')).toBe(sha)
    const body = await first.text()
    await new Promise((r) => setTimeout(r, 200))
    await resetHub()
    const again = await api(`/api/trace/${id}?revision=${sha}`)
    expect(again.status).toBe(200)
    expect(again.headers.get('x-cache')).toBe('HIT')
    expect(await again.text()).toBe(body)
    expect(await hubLog()).toEqual([])
  })

  it('every route takes ?revision=; incomplete answers are never immutable', async () => {
    await coldStart()
    const stats = await api(`/api/stats?config=kimi&revision=${sha}`)
    expect(stats.status).toBe(200)
    expect(((await stats.json()) as Stats).complete).toBe(false)
    expect(stats.headers.get('cache-control')).not.toContain('immutable')
    for (const path of ['/api/datasets', '/api/charts/top-tools.svg', `/api/trace/${id}?format=openai`]) {
      const sep = path.includes('?') ? '&' : '?'
      const res = await api(`${path}${sep}revision=${sha}`)
      expect(res.status, path).toBe(200)
      expect(res.headers.get('x-revision'), path).toBe(sha)
      await res.arrayBuffer()
    }
  })

  it('a malformed revision is a 400 naming it; an unknown sha is a 404 naming it', async () => {
    const bad = await api('/api/stats?revision=main~1')
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { param: string }).param).toBe('revision')
    const unknown = await api(`/api/trace/${id}?revision=${'f'.repeat(40)}`)
    expect(unknown.status).toBe(404)
    const problem = (await unknown.json()) as { param: string; value: string }
    expect(problem.param).toBe('revision')
    expect(problem.value).toBe('f'.repeat(40))
  })

  it('the scheduled clean-up deletes revisions nobody serves and keeps the served one', async () => {
    const old = 'a'.repeat(40)
    const keys = [
      `info/${REPO}/${old}.json`,
      `served/${REPO}/${old}.json`,
      `blocks/${REPO}/${old}/data/kimi/train.parquet/131072/0`,
      `traces/${REPO}/${old}/x.json`,
      `partials/${REPO}/${old}/kimi/${STATS_FORMAT}/0-10.json`,
      `${STATS_FORMAT}/${REPO}/${old}/kimi.json`,
    ]
    for (const key of keys) await env.CACHE.put(key, key.startsWith('served/') ? '{"at":0}' : '{}')
    await apiJson(`/api/trace/${id}`) // the served revision has objects too
    const ctx = createExecutionContext()
    await worker.scheduled(createScheduledController(), env as unknown as Bindings, ctx)
    await waitOnExecutionContext(ctx)
    for (const key of keys) expect(await env.CACHE.head(key), key).toBeNull()
    const kept = await env.CACHE.list({ prefix: `traces/${REPO}/${sha}/` })
    expect(kept.objects.length).toBeGreaterThan(0)
    expect(await env.CACHE.head(`info/${REPO}/${sha}.json`)).not.toBeNull()
  })
})
