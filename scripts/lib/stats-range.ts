/**
 * The stats scan of one row range of a local parquet file: rows batch by batch (`streamRowBatches`), each parsed in
 * statistics mode and added to a `Stats` partial, finalized at the end. One thread's share of the scan, whichever
 * thread runs it (scripts/lib/stats-threads.ts, scripts/lib/stats-thread.ts, scripts/lib/stats-pipeline.ts).
 */

import { emptyStats, finalizeStats, statsAddRow } from '../../shared/stats.ts'
import { parseRow, type RowContext } from '../../shared/trace.ts'
import type { Stats } from '../../shared/types.ts'
import { type LocalParquet, type StreamOptions, streamRowBatches } from './local-parquet.ts'

/** Options of `statsOfRange`: the range and slice budget of `streamRowBatches`, and: */
export interface RangeScanOptions extends StreamOptions {
  /** Called with the number of rows of each batch once it is counted. */
  onRows?: (rows: number) => void
  /**
   * Let other events run after each batch (the main thread scanning beside worker threads: their messages, which
   * hand them their next range, would otherwise wait until the whole range is done).
   */
  yieldToEvents?: boolean
}

/** A finalized Stats partial of `range` of `source` (`rowsTotal`: the config's rows, for `complete`). */
export async function statsOfRange(
  source: LocalParquet,
  context: RowContext,
  rowsTotal: number,
  options: RangeScanOptions = {},
): Promise<Stats> {
  const stats = emptyStats({ ...context, rowsTotal })
  for await (const batch of streamRowBatches(source, options)) {
    for (const row of batch.rows) statsAddRow(stats, parseRow(row, context, { lazyContent: true }))
    options.onRows?.(batch.rows.length)
    if (options.yieldToEvents) await new Promise((resolve) => setImmediate(resolve))
  }
  return finalizeStats(stats)
}
