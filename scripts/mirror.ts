/**
 * `npm run mirror`: download a dataset revision from the Hub (card + every config's parquet file) into the
 * Hugging Face cache (`$HF_HOME/hub/datasets--owner--name/snapshots/<sha>/`, shared with Python's
 * huggingface_hub and datasets) and print that directory, for the site build and the CLIs:
 *
 *   HTE_DATASET_DIR=$(npm run -s mirror) npm run build
 *   npm run stats -- --dataset-dir "$(npm run -s mirror -- --revision b92885e4f0161d4b2536512710e004d4892cac6e)"
 *
 * Flags: --endpoint URL (default $HF_ENDPOINT or https://huggingface.co), --dataset ID, --revision REV,
 * --cache DIR (the hub cache; default $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub), --quiet.
 * The token comes from $HF_TOKEN only (never a flag: it would land in shell history). HF_HUB_OFFLINE=1 uses
 * the cache only.
 */
import { parseFlags } from './lib/cli-args.ts'
import { mirrorHubDataset } from './lib/hub-mirror.ts'

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), {
    endpoint: { type: 'string' },
    dataset: { type: 'string' },
    revision: { type: 'string' },
    cache: { type: 'string' },
    quiet: { type: 'boolean' },
  })
  // stdout carries only the directory (`$(npm run -s mirror)`); the Hub library's own notes go to stderr.
  const toStderr = (...args: unknown[]) => {
    if (flags.quiet !== true) process.stderr.write(`mirror: ${args.map(String).join(' ')}\n`)
  }
  console.debug = toStderr
  console.info = toStderr
  const dir = await mirrorHubDataset({
    endpoint: flags.endpoint,
    dataset: flags.dataset,
    revision: flags.revision,
    cacheDir: flags.cache,
    quiet: flags.quiet === true,
  })
  process.stdout.write(`${dir}\n`)
}

main().catch((err: Error) => {
  process.stderr.write(`mirror: ${err.message}\n`)
  process.exit(1)
})
