/**
 * `GET /api/compare` and `GET /api/trace/:id/same-task` inside workerd, against the Hub stand-in serving the test
 * sample. Expected values come from elsewhere: the comparison's numbers are recounted here from the two traces'
 * own API JSON, and the same-task lists equal a scan of the parquet files' `id` and `task` columns read straight from
 * the stand-in (hyparquet, not the Worker's code path).
 */
import { env } from 'cloudflare:workers'
import { asyncBufferFromUrl, parquetReadObjects } from 'hyparquet'
import { beforeAll, describe, expect, it } from 'vitest'
import { SAME_TASK_SHARDS, sameTaskShard } from '../../shared/same-task.ts'
import type { Comparison, SameTaskList, StatsSet, Trace, TraceSummary } from '../../shared/types.ts'
import { clearSameTaskMemos } from '../../workers/data/same-task.ts'
import { api, apiJson, coldStart, eventually, expectMatchesOpenApi, findIdAtRow, hubUrl } from './helpers.ts'

const CONFIGS = ['kimi', 'glm-5.1']

/** Every row's id and task, per config in the card's order, read from the stand-in's parquet files. */
async function scanTasks(): Promise<{ config: string; id: string; task: string }[]> {
  const out: { config: string; id: string; task: string }[] = []
  for (const config of CONFIGS) {
    const url = `${hubUrl()}/datasets/lambda/hermes-agent-reasoning-traces/resolve/main/data/${config}/train.parquet`
    const file = await asyncBufferFromUrl({ url })
    const rows = await parquetReadObjects({ file, columns: ['id', 'task'] })
    for (const r of rows) out.push({ config, id: String(r.id), task: String(r.task) })
  }
  return out
}

async function problem(path: string, status: number): Promise<{ param?: string; detail: string }> {
  const res = await api(path)
  const text = await res.text()
  expect(res.status, `${path}: ${text}`).toBe(status)
  expect(res.headers.get('content-type')).toContain('application/problem+json')
  return JSON.parse(text) as { param?: string; detail: string }
}

/** The comparison's numbers, recounted from the two replay documents. */
function expectSummaryFromTraces(c: Comparison, ta: Trace, tb: Trace): void {
  const count = (t: Trace) => {
    const toolset = new Set(t.tools.map((x) => x.name))
    const tools: Record<string, number> = {}
    let calls = 0
    let failures = 0
    let think = 0
    for (const s of t.steps) {
      for (const th of s.thoughts) think += [...th].length
      s.calls.forEach((call, k) => {
        calls++
        const name = call.malformed ? '<malformed>' : call.name
        tools[name] = (tools[name] ?? 0) + 1
        const failed =
          call.malformed ||
          (toolset.size > 0 && !toolset.has(call.name)) ||
          k >= s.responses.length ||
          s.responses[k]?.errorKind != null
        if (failed) failures++
      })
    }
    return { calls, tools, failures, think }
  }
  const a = count(ta)
  const b = count(tb)
  expect(c.summary.steps).toEqual({ a: ta.steps.length, b: tb.steps.length })
  expect(c.summary.calls).toEqual({ a: a.calls, b: b.calls })
  expect(c.summary.failures).toEqual({ a: a.failures, b: b.failures })
  expect(c.summary.thinkChars).toEqual({ a: a.think, b: b.think })
  const tools = [...new Set([...Object.keys(a.tools), ...Object.keys(b.tools)])].sort()
  expect(c.summary.callsPerTool.map((t) => t.tool).sort()).toEqual(tools)
  for (const t of c.summary.callsPerTool) {
    expect(t).toEqual({ tool: t.tool, a: a.tools[t.tool] ?? 0, b: b.tools[t.tool] ?? 0 })
  }
  expect(c.steps.flatMap((s) => (s.a ? [s.a.step] : []))).toEqual(ta.steps.map((_, i) => i + 1))
  expect(c.steps.flatMap((s) => (s.b ? [s.b.step] : []))).toEqual(tb.steps.map((_, i) => i + 1))
}

describe('GET /api/compare', () => {
  let idA = ''
  let idB = ''
  beforeAll(async () => {
    await coldStart()
    idA = await findIdAtRow('kimi', 3)
    idB = await findIdAtRow('glm-5.1', 11)
  })

  it('aligns two traces of different configs; the numbers equal a recount of both traces', async () => {
    const path = `/api/compare?a=${idA}&b=${idB}`
    const res = await api(path)
    expect(res.status).toBe(200)
    const body = (await expectMatchesOpenApi(path, res)) as Comparison
    const ta = await apiJson<Trace>(`/api/trace/${idA}`)
    const tb = await apiJson<Trace>(`/api/trace/${idB}`)
    expect(body).toMatchObject({ dataset: ta.dataset, revision: ta.revision, sample: true })
    expect(body.a).toMatchObject({ id: idA, config: 'kimi', task: ta.task })
    expect(body.b).toMatchObject({ id: idB, config: 'glm-5.1', task: tb.task })
    expect(body.a.summary).toEqual(ta.summary)
    expect(ta.steps.length + tb.steps.length).toBeGreaterThan(4)
    expectSummaryFromTraces(body, ta, tb)
  })

  it('a == b is allowed: every row the same step', async () => {
    const body = await apiJson<Comparison>(`/api/compare?a=${idA}&b=${idA}`)
    expect(body.steps.length).toBeGreaterThan(0)
    for (const s of body.steps) {
      expect(s.kind).toBe('same')
      expect(s.a).toEqual(s.b)
    }
    expect(body.summary.cost).toBe(0)
  })

  it('pinned to a revision: the answer names it and is immutable', async () => {
    const { revision } = await apiJson<{ revision: string }>('/api/datasets')
    const res = await api(`/api/compare?a=${idA}&b=${idB}&revision=${revision}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('x-revision')).toBe(revision)
    expect(res.headers.get('cache-control')).toContain('immutable')
    expect(((await res.json()) as Comparison).revision).toBe(revision)
  })

  it('bad or missing ids are 400s naming the parameter; unknown ids 404s naming it', async () => {
    expect((await problem(`/api/compare?b=${idB}`, 400)).param).toBe('a')
    expect((await problem(`/api/compare?a=${idA}`, 400)).param).toBe('b')
    expect((await problem('/api/compare', 400)).param).toBe('a')
    expect((await problem(`/api/compare?a=${idA}&b=not%20an%20id`, 400)).param).toBe('b')
    expect((await problem(`/api/compare?a=&b=${idB}`, 400)).param).toBe('a')
    expect((await problem(`/api/compare?a=${idA}&b=${idB}&c=1`, 400)).param).toBe('c')
    expect((await problem(`/api/compare?a=${idA}&a=${idA}&b=${idB}`, 400)).param).toBe('a')
    const unknownB = await problem(`/api/compare?a=${idA}&b=no-such-row`, 404)
    expect(unknownB.param).toBe('b')
    expect(unknownB.detail).toContain('no-such-row')
    expect((await problem(`/api/compare?a=no-such-row&b=${idB}`, 404)).param).toBe('a')
    for (const path of [`/api/compare?a=${idA}`, `/api/compare?a=no-such-row&b=${idB}`]) {
      await expectMatchesOpenApi(path, await api(path))
    }
  })
})

describe('GET /api/trace/:id/same-task', () => {
  let rows: { config: string; id: string; task: string }[] = []
  beforeAll(async () => {
    await coldStart()
    clearSameTaskMemos()
    rows = await scanTasks()
  })

  it('503 with Retry-After while the row summaries are still computed', async () => {
    const id = rows[0]?.id as string
    const res = await api(`/api/trace/${id}/same-task`)
    const body = (await res.json()) as { type: string; retryAfter: number }
    expect(res.status).toBe(503)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(body.type).toContain('same-task-pending')
  })

  it('lists exactly the rows with the identical task, in both configs, in card then row order', async () => {
    await eventually(async () => {
      const set = await apiJson<StatsSet>('/api/stats')
      return set.complete ? set : null
    }, 90_000)
    expect(rows).toHaveLength(300)
    const byTask = new Map<string, typeof rows>()
    for (const r of rows) byTask.set(r.task, [...(byTask.get(r.task) ?? []), r])
    const grouped = rows.filter((r) => (byTask.get(r.task)?.length ?? 0) > 1)
    // The sample has same-task rows (whether any cross configs depends on the generator's seed: all are checked).
    expect(grouped.length).toBeGreaterThan(10)
    const singles = rows.filter((r) => byTask.get(r.task)?.length === 1).slice(0, 5)
    expect(singles).toHaveLength(5)
    for (const r of [...grouped, ...singles]) {
      const path = `/api/trace/${r.id}/same-task`
      const res = await api(path)
      expect(res.status, path).toBe(200)
      const body = (await expectMatchesOpenApi(path, res)) as SameTaskList
      const expected = (byTask.get(r.task) ?? []).filter((o) => o.id !== r.id)
      expect(body).toMatchObject({ id: r.id, task: r.task, total: expected.length, sample: true })
      expect(body.traces.map((t) => [t.config, t.id])).toEqual(expected.map((o) => [o.config, o.id]))
      for (const t of body.traces) expect(t.task).toBe(r.task)
    }
    // Every shard was written, empty ones too.
    const { revision } = await apiJson<{ revision: string }>('/api/datasets')
    const listed = await env.CACHE.list({
      prefix: `index/lambda/hermes-agent-reasoning-traces/${revision}/same-task/`,
    })
    expect(listed.objects).toHaveLength(SAME_TASK_SHARDS)
  })

  it('rebuilds a missing shard; lists at most 50 rows with the exact total', async () => {
    const { revision } = await apiJson<{ revision: string }>('/api/datasets')
    const r = rows.find((x) => rows.some((o) => o.task === x.task && o.id !== x.id)) as (typeof rows)[number]
    const key = `index/lambda/hermes-agent-reasoning-traces/${revision}/same-task/${sameTaskShard(r.task)}.json`
    const before = await apiJson<SameTaskList>(`/api/trace/${r.id}/same-task`)
    await env.CACHE.delete(key)
    clearSameTaskMemos()
    expect(await apiJson<SameTaskList>(`/api/trace/${r.id}/same-task`)).toEqual(before)
    expect(await env.CACHE.head(key)).not.toBeNull()
    // A shard holding a group of 61 rows (the trace and 60 others in both configs): 50 listed, total 60.
    const others: TraceSummary[] = Array.from({ length: 60 }, (_, i) => ({
      ...(before.traces[0] as TraceSummary),
      id: `other-${i}`,
      config: i % 2 === 0 ? 'glm-5.1' : 'kimi',
    }))
    const self = { ...(before.traces[0] as TraceSummary), id: r.id }
    await env.CACHE.put(key, JSON.stringify({ [r.task]: [self, ...others] }))
    clearSameTaskMemos()
    const capped = await apiJson<SameTaskList>(`/api/trace/${r.id}/same-task`)
    expect(capped.total).toBe(60)
    expect(capped.traces.map((t) => t.id)).toEqual(others.slice(0, 50).map((t) => t.id))
    // A corrupt shard is rebuilt too.
    await env.CACHE.put(key, '{not json')
    clearSameTaskMemos()
    expect(await apiJson<SameTaskList>(`/api/trace/${r.id}/same-task`)).toEqual(before)
  })

  it('unknown and malformed ids', async () => {
    expect((await problem('/api/trace/no-such-row/same-task', 404)).param).toBe('id')
    expect((await problem('/api/trace/no-such-row/same-task?x=1', 400)).param).toBe('x')
    expect((await problem('/api/trace/bad%20id/same-task', 400)).param).toBe('id')
  })
})
