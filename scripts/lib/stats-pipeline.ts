/**
 * The stats CLI: stream a dataset parquet file in bounded memory and print its `Stats` JSON (the API
 * contract) to stdout; progress goes to stderr.
 *
 *   npm run stats -- --file data/kimi/train.parquet --config kimi
 *   npm run stats -- --dataset-dir sample-data            (every config the card declares -> StatsSet)
 *
 * Flags: --file F --config C | --dataset-dir D; --dataset NAME (default the real repo id), --revision SHA
 * (default: derived from the directory's content, or "local"), --budget-mb N (decoded bytes per slice),
 * --sample (label the output as the generated sample; automatic with a sample card), --quiet, --pretty.
 */
import { basename, dirname, join, resolve } from 'node:path'
import { DEFAULT_DATASET } from '../shared/dataset.ts'
import { DEFAULT_SLICE_BUDGET } from '../shared/parquet.ts'
import { emptyStats, finalizeStats, statsAddRow } from '../shared/stats.ts'
import { parseRow, type RowContext } from '../shared/trace.ts'
import type { Stats, StatsSet } from '../shared/types.ts'
import { flagInt, flagString, parseFlags } from './lib/args.ts'
import { datasetDirRevision, readDatasetDir } from './lib/dataset-dir.ts'
import { openLocalParquet, resolveDataFile, streamRowSlices } from './lib/local-parquet.ts'
import { createProgress } from './lib/progress.ts'

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

async function main(argv: string[]): Promise<void> {
  const flags = parseFlags(argv, {
    values: ['file', 'config', 'dataset-dir', 'dataset', 'revision', 'budget-mb'],
    booleans: ['quiet', 'pretty', 'sample'],
  })
  const budgetBytes = flagInt(flags, 'budget-mb', DEFAULT_SLICE_BUDGET / 2 ** 20) * 2 ** 20
  const quiet = flags.quiet === true
  const indent = flags.pretty === true ? 2 : undefined
  const dir = flagString(flags, 'dataset-dir')
  const file = flagString(flags, 'file')
  let out: unknown
  if (dir && file) throw new Error('give either --file or --dataset-dir, not both')
  if (dir) {
    out = await statsFromDatasetDir(dir, {
      dataset: flagString(flags, 'dataset'),
      revision: flagString(flags, 'revision'),
      budgetBytes,
      quiet,
      sample: flags.sample === true,
    })
  } else if (file) {
    // data/<config>/train.parquet names its config; --config overrides. A file inside a dataset directory
    // (DIR/data/<config>/train.parquet with DIR/README.md) takes that directory's revision and sample flag.
    const path = resolveDataFile(file)
    const config = flagString(flags, 'config') ?? basename(dirname(path))
    const home = join(dirname(path), '..', '..')
    const described = await readDatasetDir(home).catch(() => null)
    const inDir = described?.configs.some((c) => resolve(home, c.path) === resolve(path)) === true
    out = await statsFromParquetFile(path, {
      config,
      dataset: flagString(flags, 'dataset') ?? DEFAULT_DATASET,
      revision: flagString(flags, 'revision') ?? (inDir ? await datasetDirRevision(home) : 'local'),
      sample: flags.sample === true || (inDir && described?.sample === true),
      budgetBytes,
      quiet,
    })
  } else {
    throw new Error('usage: npm run stats -- --file <parquet> --config <name> | --dataset-dir <dir>')
  }
  process.stdout.write(`${JSON.stringify(out, null, indent)}\n`)
}

if (import.meta.main) {
  main(process.argv.slice(2)).catch((err: Error) => {
    process.stderr.write(`stats: ${err.message}\n`)
    process.exit(1)
  })
}
