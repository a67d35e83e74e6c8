/**
 * `GET /api/failures` inside workerd, against the Hub stand-in serving the test sample: partial while the Queue
 * computes the stats slices, then complete; the groups equal the stats CLI's `failures` (API and CLI stay
 * identical) and a recount written here from rows read straight from the stand-in; filters, `limit`, problems
 * naming bad parameters; every answer matches the OpenAPI document.
 */
import { asyncBufferFromUrl, parquetReadObjects } from 'hyparquet'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import { failureDetail, failureSignature } from '../../shared/failure-signature.ts'
import { COMPRESSORS } from '../../shared/parquet-pages.ts'
import { parseRow } from '../../shared/trace.ts'
import type { ErrorKind, FailureList, FailureListGroup, StatsSet } from '../../shared/types.ts'
import { api, apiJson, coldStart, eventually, expectMatchesOpenApi, hubUrl } from './helpers.ts'

const REPO = 'lambda/hermes-agent-reasoning-traces'
const CONFIGS = ['kimi', 'glm-5.1']

async function getFailures(query: string): Promise<{ res: Response; body: FailureList }> {
  const path = `/api/failures${query}`
  const res = await api(path)
  const body = (await expectMatchesOpenApi(path, res)) as FailureList
  return { res, body }
}

/**
 * Failed calls per (config, tool, kind, signature) and per (config, tool), recounted from every row read whole by
 * hyparquet from the stand-in (not through the Worker), with the taxonomy's kinds decided here.
 */
async function recount(): Promise<{ groups: Map<string, number>; perTool: Map<string, number> }> {
  const groups = new Map<string, number>()
  const perTool = new Map<string, number>()
  for (const config of CONFIGS) {
    const url = `${hubUrl()}/datasets/${REPO}/resolve/main/data/${config}/train.parquet`
    const rows = await parquetReadObjects({
      file: await asyncBufferFromUrl({ url }),
      compressors: { ZSTD: COMPRESSORS.ZSTD },
    })
    expect(rows.length).toBeGreaterThan(0)
    for (const row of rows) {
      const { trace, toolNames } = parseRow(row, { dataset: REPO, revision: 'x', sample: true, config })
      for (const step of trace.steps) {
        step.calls.forEach((call, k) => {
          const r = step.responses[k]
          let kind: ErrorKind | null
          if (call.malformed) kind = 'malformed_call'
          else if (toolNames.size > 0 && !toolNames.has(call.name)) kind = 'unknown_tool'
          else kind = r ? r.errorKind : 'missing_response'
          if (!kind) return
          const detail = r
            ? failureDetail(r.content, r.error ?? '')
            : kind === 'missing_response'
              ? 'no response'
              : kind === 'malformed_call'
                ? 'malformed call payload'
                : "tool not in the row's toolset"
          const key = JSON.stringify([config, call.name, kind, failureSignature(detail)])
          groups.set(key, (groups.get(key) ?? 0) + 1)
          const tool = JSON.stringify([config, call.name])
          perTool.set(tool, (perTool.get(tool) ?? 0) + 1)
        })
      }
    }
  }
  return { groups, perTool }
}

const keyOf = (g: FailureListGroup) => JSON.stringify([g.config, g.tool, g.kind, g.signature])

describe('GET /api/failures', () => {
  beforeAll(coldStart)
  let all: FailureList

  it('answers partial (coverage, Retry-After) before the slices exist, then complete', async () => {
    const { res, body } = await getFailures('?config=kimi')
    // Cold: the slices are listed before any is enqueued, so none exists yet.
    expect(body.complete).toBe(false)
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(body.coverage?.kimi?.slicesTotal).toBeGreaterThan(0)
    expect(body.coverage?.kimi?.missing.length).toBeGreaterThan(0)
    expect(body).toMatchObject({ dataset: REPO, revision: inject('hubSha'), sample: true })
    all = await eventually(async () => {
      const set = await apiJson<StatsSet>('/api/stats')
      if (!set.complete) return null
      return (await getFailures('?limit=1000')).body
    }, 90_000)
    expect(all.complete).toBe(true)
    expect(all.coverage).toBeUndefined()
    expect(all).toMatchObject({ dataset: REPO, revision: inject('hubSha'), sample: true })
  })

  it('lists every group of the stats CLI, by count descending, with exact totals', async () => {
    const cli = JSON.parse(inject('cliStats')) as StatsSet
    const expected: FailureListGroup[] = []
    for (const config of CONFIGS) {
      for (const [tool, groups] of Object.entries(cli.configs[config]?.failures ?? {})) {
        for (const g of groups) expected.push({ config, tool, ...g })
      }
    }
    expect(expected.length).toBeGreaterThan(40)
    expect(all.total).toBe(expected.length)
    expect(all.groups).toHaveLength(expected.length)
    const byKey = (a: FailureListGroup, b: FailureListGroup) => (keyOf(a) < keyOf(b) ? -1 : 1)
    expect([...all.groups].sort(byKey)).toEqual(expected.sort(byKey))
    for (let i = 1; i < all.groups.length; i++) {
      expect((all.groups[i - 1] as FailureListGroup).count).toBeGreaterThanOrEqual(
        (all.groups[i] as FailureListGroup).count,
      )
    }
    // The stats route serves the same document the failures come from.
    const stats = await apiJson<StatsSet>('/api/stats')
    expect(JSON.stringify(stats)).toBe(JSON.stringify(cli))
  })

  it('counts equal a recount from the rows read straight from the stand-in', async () => {
    const { groups, perTool } = await recount()
    expect(groups.size).toBeGreaterThan(40)
    const served = new Map(all.groups.map((g) => [keyOf(g), g.count]))
    expect(Object.fromEntries(served)).toEqual(Object.fromEntries(groups))
    const stats = await apiJson<StatsSet>('/api/stats')
    for (const [key, n] of perTool) {
      const [config, tool] = JSON.parse(key) as [string, string]
      expect(stats.configs[config]?.toolErrors[tool]?.errors, key).toBe(n)
    }
    for (const g of all.groups) {
      expect(g.rows).toBeGreaterThanOrEqual(1)
      expect(g.rows).toBeLessThanOrEqual(g.count)
      expect(g.recovered).toBeLessThanOrEqual(g.count)
      expect(g.examples.length).toBe(Math.min(3, g.count))
    }
    expect(all.groups.some((g) => g.recovered > 0)).toBe(true)
  })

  it('filters by config and tool; limit caps the groups but not total', async () => {
    const kimi = (await getFailures('?config=kimi&limit=1000')).body
    expect(kimi.groups.length).toBeGreaterThan(0)
    expect(kimi.groups.every((g) => g.config === 'kimi')).toBe(true)
    expect(kimi.groups).toEqual(all.groups.filter((g) => g.config === 'kimi'))
    const terminal = (await getFailures('?tool=terminal&limit=1000')).body
    expect(terminal.groups.length).toBeGreaterThan(1)
    expect(terminal.groups).toEqual(all.groups.filter((g) => g.tool === 'terminal'))
    const both = (await getFailures('?config=glm-5.1&tool=terminal')).body
    expect(both.groups).toEqual(all.groups.filter((g) => g.tool === 'terminal' && g.config === 'glm-5.1'))
    const top = (await getFailures('?limit=3')).body
    expect(top.groups).toEqual(all.groups.slice(0, 3))
    expect(top.total).toBe(all.total)
    const byDefault = (await getFailures('')).body
    expect(byDefault.groups).toEqual(all.groups.slice(0, 100))
  })

  const BAD: [string, string, string, RegExp][] = [
    ['unknown config', '?config=kimii', 'config', /unknown config "kimii"/],
    ['unknown tool', '?tool=no_such_tool', 'tool', /unknown tool.*tool="no_such_tool"/],
    ['unknown tool of one config', '?config=glm-5.1&tool=no_such_tool', 'tool', /glm-5.1/],
    ['zero limit', '?limit=0', 'limit', /limit="0"/],
    ['huge limit', '?limit=5000', 'limit', /<= 1000/],
    ['non-numeric limit', '?limit=ten', 'limit', /limit="ten"/],
    ['empty tool', '?tool=', 'tool', /tool is empty/],
    ['unknown parameter', '?kind=timeout', 'kind', /unknown parameter/],
  ]
  it.each(BAD)('%s -> 400 naming the parameter', async (_name, query, param, detail) => {
    const { res, body } = await (async () => {
      const r = await api(`/api/failures${query}`)
      const b = (await expectMatchesOpenApi(`/api/failures${query}`, r)) as { param?: string; detail: string }
      return { res: r, body: b }
    })()
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toContain('application/problem+json')
    expect(body.param).toBe(param)
    expect(body.detail).toMatch(detail)
  })
})
