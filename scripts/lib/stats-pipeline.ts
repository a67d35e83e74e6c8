/**
 * The stats pipeline of the Node side (the stats CLI `scripts/stats.ts`, the site build, the bench): stream
 * local parquet files in bounded memory, slice by slice, into the same mergeable `Stats` the API computes.
 */
import { join } from 'node:path'
import { DEFAULT_DATASET } from '../../shared/dataset.ts'
import { emptyStats, finalizeStats, statsAddRow } from '../../shared/stats.ts'
import { parseRow, type RowContext } from '../../shared/trace.ts'
import type { Stats, StatsSet } from '../../shared/types.ts'
import { datasetDirRevision, readDatasetDir } from './dataset-dir.ts'
import { openLocalParquet, streamRowBatches } from './local-parquet.ts'
import { createProgress } from './progress.ts'
import { defaultThreads, planThreadRanges, statsOnThreads } from './stats-threads.ts'

/** Options of `statsFromParquetFile`. */
export interface FileStatsOptions extends RowContext {
  budgetBytes?: number
  quiet?: boolean
  /**
   * Worker threads (default: every core, fewer for a small file); 1 scans in this thread. The output is the same
   * for any count.
   */
  threads?: number
}

/** Stream one parquet file into a finalized Stats document, on `threads` threads. */
export async function statsFromParquetFile(path: string, options: FileStatsOptions): Promise<Stats> {
  const source = await openLocalParquet(path)
  const { budgetBytes, quiet, threads: wanted, ...rest } = options
  const context: RowContext = {
    dataset: rest.dataset,
    revision: rest.revision,
    sample: rest.sample,
    config: rest.config,
  }
  const progress = createProgress(`stats ${options.config}`, source.rows, { quiet, unit: 'rows' })
  // Explicit --threads N is obeyed; by default a small file stays on this thread (a thread's start-up costs more).
  const threads = Math.max(1, wanted ?? defaultThreads(source.metadata))
  const ranges = threads > 1 ? planThreadRanges(source.metadata, threads) : []
  let stats: Stats
  if (ranges.length > 1) {
    let done = 0
    stats = await statsOnThreads(
      { path: source.path, context, rowsTotal: source.rows, budgetBytes },
      ranges,
      threads,
      (rows) => {
        done += rows
        progress.update(done)
      },
    )
  } else {
    const partial = emptyStats({ ...context, rowsTotal: source.rows })
    for await (const batch of streamRowBatches(source, { budgetBytes })) {
      for (const row of batch.rows) statsAddRow(partial, parseRow(row, context, { lazyContent: true }))
      progress.update(batch.range.end)
    }
    stats = finalizeStats(partial)
  }
  progress.finish()
  return stats
}

/** Stats of every config a local dataset directory's card declares. */
export async function statsFromDatasetDir(
  dir: string,
  options: {
    dataset?: string
    revision?: string
    budgetBytes?: number
    quiet?: boolean
    sample?: boolean
    threads?: number
  } = {},
): Promise<StatsSet> {
  const described = await readDatasetDir(dir)
  const revision = options.revision ?? (await datasetDirRevision(dir))
  const dataset = options.dataset ?? DEFAULT_DATASET
  const sample = options.sample || described.sample
  const configs: Record<string, Stats> = {}
  for (const config of described.configs) {
    configs[config.name] = await statsFromParquetFile(join(dir, config.path), {
      config: config.name,
      dataset,
      revision,
      sample,
      budgetBytes: options.budgetBytes,
      quiet: options.quiet,
      threads: options.threads,
    })
  }
  return { dataset, revision, sample, complete: Object.values(configs).every((s) => s.complete), configs }
}
