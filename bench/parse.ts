/**
 * Parse + trace + stats throughput over a parquet file, against plain `JSON.parse` over the same rows as the
 * floor, measured in the same run. Bytes = the rows' text (every column's characters), the same denominator
 * for both. Parquet decoding is timed separately (it is hyparquet's cost, not ours).
 */

import { openLocalParquet, streamRowSlices } from '../scripts/lib/local-parquet.ts'
import { emptyStats, statsAddRow } from '../shared/stats.ts'
import { parseRow } from '../shared/trace.ts'

function rowTextBytes(row: Record<string, unknown>): number {
  let n = 0
  for (const [key, value] of Object.entries(row)) {
    if (typeof value === 'string') n += value.length
    else if (key === 'conversations' && Array.isArray(value)) {
      for (const m of value as { from?: string; value?: string }[])
        n += (m.from?.length ?? 0) + (m.value?.length ?? 0)
    }
  }
  return n
}

/** Results of `benchParse` (MB are 10^6 characters of row text). */
export interface ParseBench {
  rows: number
  textMB: number
  decodeMBps: number
  pipelineMBps: number
  pipelineRowsPerSec: number
  jsonParseMBps: number
  ratioVsJsonParse: number
  peakRssMB: number
}

/**
 * Stream `file` slice by slice; per slice, time (a) parseRow + statsAddRow over the decoded rows and
 * (b) JSON.parse over the same rows serialised with JSON.stringify (serialisation not timed).
 */
export async function benchParse(file: string, config: string): Promise<ParseBench> {
  const source = await openLocalParquet(file)
  const ctx = { config, dataset: 'bench', revision: 'bench', sample: true }
  const stats = emptyStats({ ...ctx, rowsTotal: source.rows })
  let rows = 0
  let chars = 0
  let decodeMs = 0
  let pipelineMs = 0
  let jsonMs = 0
  let peakRss = 0
  let t = performance.now()
  for await (const slice of streamRowSlices(source)) {
    decodeMs += performance.now() - t
    const texts = slice.rows.map((r) => JSON.stringify(r))
    for (const r of slice.rows) chars += rowTextBytes(r)
    rows += slice.rows.length
    let s = performance.now()
    for (const row of slice.rows) statsAddRow(stats, parseRow(row, ctx, { lazyContent: true }))
    pipelineMs += performance.now() - s
    s = performance.now()
    let sink = 0
    for (const text of texts) sink += (JSON.parse(text) as { id?: string }).id?.length ?? 0
    jsonMs += performance.now() - s
    if (sink < 0) throw new Error('unreachable')
    peakRss = Math.max(peakRss, process.memoryUsage().rss)
    t = performance.now()
  }
  const mb = chars / 1e6
  const pipelineMBps = mb / (pipelineMs / 1000)
  const jsonParseMBps = mb / (jsonMs / 1000)
  return {
    rows,
    textMB: round(mb),
    decodeMBps: round(mb / (decodeMs / 1000)),
    pipelineMBps: round(pipelineMBps),
    pipelineRowsPerSec: Math.round(rows / (pipelineMs / 1000)),
    jsonParseMBps: round(jsonParseMBps),
    ratioVsJsonParse: round(pipelineMBps / jsonParseMBps, 3),
    peakRssMB: Math.round(peakRss / 2 ** 20),
  }
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}
