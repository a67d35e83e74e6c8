/**
 * The stats pipeline of the Node side (the stats CLI `scripts/stats.ts`, the site build, the bench): stream
 * local parquet files in bounded memory, batch by batch, into the same mergeable `Stats` the API computes.
 */
import { join } from 'node:path'
import { DEFAULT_DATASET } from '../../shared/dataset.ts'
import type { RowContext } from '../../shared/trace.ts'
import type { Stats, StatsSet } from '../../shared/types.ts'
import { datasetDirRevision, readDatasetDir } from './dataset-dir.ts'
import { openLocalParquet } from './local-parquet.ts'
import { createProgress } from './progress.ts'
import { statsOfRange } from './stats-range.ts'
import { defaultThreads, planThreadRanges, statsOnThreads } from './stats-threads.ts'

/** Options of `statsFromParquetFile`. */
export interface FileStatsOptions extends RowContext {
  budgetBytes?: number
  quiet?: boolean
  /**
   * Threads (default: every core, fewer for a small file): this one and N - 1 worker threads. The output is the same
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
  let done = 0
  const onRows = (rows: number) => {
    done += rows
    progress.update(done)
  }
  const stats =
    ranges.length > 1
      ? await statsOnThreads(
          source,
          { path: source.path, context, rowsTotal: source.rows, budgetBytes },
          ranges,
          threads,
          onRows,
        )
      : await statsOfRange(source, context, source.rows, { budgetBytes, onRows })
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
