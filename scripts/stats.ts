/**
 * The stats CLI: stream a dataset parquet file in bounded memory and print its `Stats` JSON (the API
 * contract) to stdout; progress goes to stderr. The flags are read in `scripts/lib/stats-cli.ts`, the work is
 * `scripts/lib/stats-pipeline.ts`.
 *
 *   npm run stats -- --file data/kimi/train.parquet --config kimi
 *   npm run stats -- --dataset-dir sample-data            (every config the card declares -> StatsSet)
 *
 * Flags: --file F --config C | --dataset-dir D; --dataset NAME (default the real repo id), --revision SHA
 * (default: derived from the directory's content, or "local"), --budget-mb N (decoded bytes per slice),
 * --sample (label the output as the generated sample; automatic with a sample card), --threads N (this thread and
 * N - 1 worker threads; default every core, fewer for a small file; the output is byte-identical for any N), --quiet,
 * --pretty, --help.
 */
import './lib/compile-cache.mjs'

// The body is loaded only now, so that its modules (and its worker threads' modules) come from the compile cache.
const [{ runStatsCli }, { exitQuietlyWhenStdoutCloses }] = await Promise.all([
  import('./lib/stats-cli.ts'),
  import('./lib/stdout-pipe.ts'),
])
exitQuietlyWhenStdoutCloses('stats')
runStatsCli(process.argv.slice(2)).catch((err: Error) => {
  process.stderr.write(`stats: ${err.message}\n`)
  process.exit(1)
})
