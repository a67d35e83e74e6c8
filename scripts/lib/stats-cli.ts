/**
 * The body of the stats CLI (`scripts/stats.ts`, which documents it): flags, the scan, the JSON on stdout. Loaded by
 * the entry after it has turned on the compile cache (scripts/lib/compile-cache.mjs).
 */
import { basename, dirname, join, resolve } from 'node:path'
import { DEFAULT_DATASET } from '../../shared/dataset.ts'
import { DEFAULT_SLICE_BUDGET } from '../../shared/parquet.ts'
import { flagInt, parseFlags } from './cli-args.ts'
import { datasetDirRevision, readDatasetDir } from './dataset-dir.ts'
import { resolveDataFile } from './local-parquet.ts'
import { statsFromDatasetDir, statsFromParquetFile } from './stats-pipeline.ts'
import { defaultThreads } from './stats-threads.ts'

const USAGE = `usage: npm run stats -- --file <parquet> [--config NAME] | --dataset-dir DIR  [flags]

Streams local parquet in bounded memory and prints the Stats JSON (one config) or a StatsSet (every config of a
dataset directory) to stdout; progress goes to stderr.

  --file F          one parquet file; its config is the parent folder's name (data/<config>/train.parquet)
  --config NAME     the config name for --file
  --dataset-dir D   every config the directory's dataset card declares
  --dataset NAME    dataset id to report (default ${DEFAULT_DATASET})
  --revision SHA    revision to report (default: derived from the directory's content, or "local")
  --budget-mb N     decoded megabytes per slice (default ${DEFAULT_SLICE_BUDGET / 2 ** 20})
  --threads N       threads: this one and N - 1 worker threads (default: every core, ${defaultThreads()} here,
                    fewer for a small file); the output is identical for any N
  --sample          label the output as the generated sample (automatic with a sample card)
  --quiet           no progress on stderr
  --pretty          indented JSON
  --help, -h        this text
`

/** Run the stats CLI with `argv` (the arguments after the script). */
export async function runStatsCli(argv: string[]): Promise<void> {
  const flags = parseFlags(argv, {
    file: { type: 'string' },
    config: { type: 'string' },
    'dataset-dir': { type: 'string' },
    dataset: { type: 'string' },
    revision: { type: 'string' },
    'budget-mb': { type: 'string' },
    quiet: { type: 'boolean' },
    pretty: { type: 'boolean' },
    sample: { type: 'boolean' },
    threads: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  })
  if (flags.help) {
    process.stdout.write(USAGE)
    return
  }
  // Absent: every core (fewer for a small file), decided per file.
  const threads = flagInt('threads', flags.threads)
  if (threads !== undefined && threads < 1)
    throw new Error(`flag "--threads" must be at least 1, got "${flags.threads}"`)
  const budgetBytes = flagInt('budget-mb', flags['budget-mb'], DEFAULT_SLICE_BUDGET / 2 ** 20) * 2 ** 20
  const quiet = flags.quiet === true
  const indent = flags.pretty === true ? 2 : undefined
  const dir = flags['dataset-dir']
  const file = flags.file
  let out: unknown
  if (dir && file) throw new Error('give either --file or --dataset-dir, not both')
  if (dir) {
    out = await statsFromDatasetDir(dir, {
      dataset: flags.dataset,
      revision: flags.revision,
      budgetBytes,
      quiet,
      sample: flags.sample === true,
      threads,
    })
  } else if (file) {
    // data/<config>/train.parquet names its config; --config overrides. A file inside a dataset directory
    // (DIR/data/<config>/train.parquet with DIR/README.md) takes that directory's revision and sample flag.
    const path = resolveDataFile(file)
    const config = flags.config ?? basename(dirname(path))
    const home = join(dirname(path), '..', '..')
    const described = await readDatasetDir(home).catch(() => null)
    const inDir = described?.configs.some((c) => resolve(home, c.path) === resolve(path)) === true
    out = await statsFromParquetFile(path, {
      config,
      dataset: flags.dataset ?? DEFAULT_DATASET,
      revision: flags.revision ?? (inDir ? await datasetDirRevision(home) : 'local'),
      sample: flags.sample === true || (inDir && described?.sample === true),
      budgetBytes,
      quiet,
      threads,
    })
  } else {
    throw new Error('usage: npm run stats -- --file <parquet> --config <name> | --dataset-dir <dir> (--help)')
  }
  process.stdout.write(`${JSON.stringify(out, null, indent)}\n`)
}
