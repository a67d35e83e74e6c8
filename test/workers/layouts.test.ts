/**
 * Files without a page index, served through the Worker (issue 11): Hub stand-ins serve the layout fixtures
 * written by pyarrow (test/fixtures/layouts): its defaults (one row group, dictionary pages, no page index),
 * 20-row groups, many small pages, zstd, and pages that begin inside a row (split-rows). Before the page-level reader a trace of such a file could answer 503
 * layout-too-large; now each trace equals the row read straight from the stand-in by hyparquet (whole file),
 * and the page map built by the first read inside a row group is kept in R2 next to the file.
 */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { asyncBufferFromUrl, parquetReadObjects } from 'hyparquet'
import { describe, expect, inject, it } from 'vitest'
import { COMPRESSORS, type ParquetPageMap } from '../../shared/parquet-pages.ts'
import { parseRow } from '../../shared/trace.ts'
import type { Trace } from '../../shared/types.ts'
import type { Bindings } from '../../workers/env.ts'
import worker from '../../workers/index.ts'

const REPO = 'lambda/hermes-agent-reasoning-traces'
const HUBS = JSON.parse(inject('layoutHubs')) as { layout: string; url: string; sha: string }[]

/**
 * The Worker with HF_ENDPOINT pointed at one layout's stand-in (the revision pinned to its sha) and a slice budget
 * of 30 KB: below every fixture row group's column-chunk bytes (41-130 KB uncompressed), which the reader before
 * issue 11 decoded whole for any row and so refused (503 layout-too-large).
 */
async function call(hub: { url: string; sha: string }, path: string): Promise<Response> {
  const layoutEnv = { ...(env as unknown as Bindings), HF_ENDPOINT: hub.url, SLICE_BUDGET_MB: '0.03' }
  const ctx = createExecutionContext()
  const res = await worker.fetch(
    new Request(`https://explorer.test${path}?revision=${hub.sha}`),
    layoutEnv,
    ctx,
  )
  await waitOnExecutionContext(ctx)
  return res
}

/** All kimi rows, read whole by hyparquet straight from the stand-in (the reference). */
async function fileRows(hub: { url: string; sha: string }): Promise<Record<string, unknown>[]> {
  const url = `${hub.url}/datasets/${REPO}/resolve/${hub.sha}/data/kimi/train.parquet`
  return parquetReadObjects({ file: await asyncBufferFromUrl({ url }), compressors: COMPRESSORS })
}

describe.each(HUBS)('$layout', (hub) => {
  it('serves every trace asked for equal to the row read whole from the stand-in', async () => {
    const rows = await fileRows(hub)
    for (const row of [30, 0, 1, 31, 59, 20, 45]) {
      const res = await call(hub, `/api/trace/${String(rows[row]?.id)}`)
      expect(res.status, `row ${row}: ${res.status === 200 ? '' : await res.clone().text()}`).toBe(200)
      const trace = (await res.json()) as Trace
      const expected = parseRow(rows[row], {
        dataset: trace.dataset,
        revision: trace.revision,
        sample: trace.sample,
        config: trace.config, // both configs serve the same file: the id index may name either
      }).trace
      expect(['kimi', 'glm-5.1']).toContain(trace.config)
      expect(trace).toEqual(JSON.parse(JSON.stringify(expected)))
    }
  })

  it('keeps the page map of the file in R2 under its sha', async () => {
    const key = (config: string) => `meta/${REPO}/${hub.sha}/data/${config}/train.parquet.pagemap.json`
    const object = (await env.CACHE.get(key('kimi'))) ?? (await env.CACHE.get(key('glm-5.1')))
    const map = (await object?.json()) as ParquetPageMap
    expect(map.version).toBe(1)
    expect(Object.keys(map.rowGroups.at(-1) ?? {})).toContain('conversations.list.element.value')
    expect(map.rowGroups.at(-1)?.id?.pages[0]?.firstRow).toBe(0)
  })
})
