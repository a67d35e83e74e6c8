/**
 * Parse throughput over a parquet file: four timings over the same rows, in the same run, each printed apart.
 *
 * - full: `parseRow(row, ctx)` (the whole Trace, every tool response's content JSON-parsed: what the trace
 *   API and the export build) + `statsAddRow`.
 * - lazy: `parseRow(row, ctx, { lazyContent: true })` + `statsAddRow`: what the stats CLI
 *   (`scripts/lib/stats-pipeline.ts`) and the Worker's stats slices (`workers/data/slices.ts`) run.
 * - JSON.parse: plain `JSON.parse` of each row serialised with `JSON.stringify` (serialisation not timed): the
 *   baseline.
 * - decode: the time spent waiting for each slice of `streamRowSlices` (the stats CLI's reader: file read and
 *   hyparquet's decoders through shared/parquet-pages.ts). Nothing else runs while the loop waits, so any read
 *   ahead the reader does is decoded inside this wait too.
 *
 * MB = 10^6 characters of row text (every string column plus each message's `from` and `value`): the same
 * denominator for every rate. Per slice the three in-memory timings run in a rotating order, so none always
 * runs right after another's garbage.
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
  /** (a) full parseRow + statsAddRow. */
  fullParseMBps: number
  fullParseRowsPerSec: number
  fullParseVsJsonParse: number
  /** (b) lazy-content parseRow + statsAddRow (the stats CLI and Worker slices). */
  lazyStatsParseMBps: number
  lazyStatsParseRowsPerSec: number
  lazyStatsParseVsJsonParse: number
  /** (c) JSON.parse of the same rows. */
  jsonParseMBps: number
  /** (d) streamRowSlices (read + decode). */
  parquetDecodeMBps: number
  peakRssMB: number
}

/** Printed labels of `ParseBench`'s keys, in order (`bench/run.ts` prints these). */
export const PARSE_BENCH_LABELS: Record<keyof ParseBench, string> = {
  rows: 'rows',
  textMB: 'row text MB (10^6 chars)',
  fullParseMBps: '(a) full parse + stats MB/s',
  fullParseRowsPerSec: '(a) full parse + stats rows/s',
  fullParseVsJsonParse: '(a) / JSON.parse',
  lazyStatsParseMBps: '(b) lazy stats parse MB/s',
  lazyStatsParseRowsPerSec: '(b) lazy stats parse rows/s',
  lazyStatsParseVsJsonParse: '(b) / JSON.parse',
  jsonParseMBps: '(c) JSON.parse MB/s',
  parquetDecodeMBps: '(d) parquet read+decode MB/s',
  peakRssMB: 'peak RSS MB (this process)',
}

/** Stream `file` slice by slice and time (a)-(d) of the module comment over the same rows. */
export async function benchParse(file: string, config: string): Promise<ParseBench> {
  const source = await openLocalParquet(file)
  const ctx = { config, dataset: 'bench', revision: 'bench', sample: true }
  const fullStats = emptyStats({ ...ctx, rowsTotal: source.rows })
  const lazyStats = emptyStats({ ...ctx, rowsTotal: source.rows })
  let rows = 0
  let chars = 0
  let decodeMs = 0
  let fullMs = 0
  let lazyMs = 0
  let jsonMs = 0
  let peakRss = 0
  let sink = 0
  const reader = streamRowSlices(source)
  for (let i = 0; ; i++) {
    let t = performance.now()
    const next = await reader.next()
    decodeMs += performance.now() - t
    if (next.done) break
    const slice = next.value.rows
    const texts = slice.map((r) => JSON.stringify(r))
    for (const r of slice) chars += rowTextBytes(r)
    rows += slice.length
    const runs: (() => void)[] = [
      () => {
        t = performance.now()
        for (const row of slice) statsAddRow(fullStats, parseRow(row, ctx))
        fullMs += performance.now() - t
      },
      () => {
        t = performance.now()
        for (const row of slice) statsAddRow(lazyStats, parseRow(row, ctx, { lazyContent: true }))
        lazyMs += performance.now() - t
      },
      () => {
        t = performance.now()
        for (const text of texts) sink += (JSON.parse(text) as { id?: string }).id?.length ?? 0
        jsonMs += performance.now() - t
      },
    ]
    for (let k = 0; k < runs.length; k++) (runs[(i + k) % runs.length] as () => void)()
    peakRss = Math.max(peakRss, process.memoryUsage().rss)
  }
  if (sink < 0) throw new Error('unreachable')
  const mb = chars / 1e6
  const rate = (ms: number) => mb / (ms / 1000)
  return {
    rows,
    textMB: round(mb),
    fullParseMBps: round(rate(fullMs)),
    fullParseRowsPerSec: Math.round(rows / (fullMs / 1000)),
    fullParseVsJsonParse: round(jsonMs / fullMs, 2),
    lazyStatsParseMBps: round(rate(lazyMs)),
    lazyStatsParseRowsPerSec: Math.round(rows / (lazyMs / 1000)),
    lazyStatsParseVsJsonParse: round(jsonMs / lazyMs, 2),
    jsonParseMBps: round(rate(jsonMs)),
    parquetDecodeMBps: round(rate(decodeMs)),
    peakRssMB: Math.round(peakRss / 2 ** 20),
  }
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}
