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
import { openLocalParquet, streamRowSlices } from './local-parquet.ts'
import { createProgress } from './progress.ts'

/** Options of `statsFromParquetFile`. */
export interface FileStatsOptions extends RowContext {
  budgetBytes?: number
  quiet?: boolean
}

/** Stream one parquet file into a finalized Stats document. */
export async function statsFromParquetFile(path: string, options: FileStatsOptions): Promise<Stats> {
  const source = await openLocalParquet(path)
  const stats = emptyStats({ ...options, rowsTotal: source.rows })
  const progress = createProgress(`stats ${options.config}`, source.rows, {
    quiet: options.quiet,
    unit: 'rows',
  })
  for await (const slice of streamRowSlices(source, { budgetBytes: options.budgetBytes })) {
    for (const row of slice.rows) statsAddRow(stats, parseRow(row, options, { lazyContent: true }))
    progress.update(slice.range.end)
  }
  progress.finish()
  return finalizeStats(stats)
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
    })
  }
  return { dataset, revision, sample, complete: Object.values(configs).every((s) => s.complete), configs }
}
