/**
 * `npm run mirror`: download a dataset revision from the Hub (card + every config's parquet file) into
 * `.cache/hub/<dataset>/<sha>/` and print that directory, for the site build and the CLIs:
 *
 *   HTE_DATASET_DIR=$(npm run -s mirror) npm run build
 *   npm run stats -- --dataset-dir "$(npm run -s mirror -- --revision b92885e4f0161d4b2536512710e004d4892cac6e)"
 *
 * Flags: --endpoint URL (default $HF_ENDPOINT or https://huggingface.co), --dataset ID, --revision REV, --cache DIR.
 * The token comes from $HF_TOKEN only (never a flag: it would land in shell history).
 */
import { flagString, parseFlags } from './lib/args.ts'
import { mirrorHubDataset } from './lib/hub-mirror.ts'

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), {
    values: ['endpoint', 'dataset', 'revision', 'cache'],
    booleans: ['quiet'],
  })
  const dir = await mirrorHubDataset({
    endpoint: flagString(flags, 'endpoint'),
    dataset: flagString(flags, 'dataset'),
    revision: flagString(flags, 'revision'),
    cacheDir: flagString(flags, 'cache'),
    quiet: flags.quiet === true,
  })
  process.stdout.write(`${dir}\n`)
}

main().catch((err: Error) => {
  process.stderr.write(`mirror: ${err.message}\n`)
  process.exit(1)
})
