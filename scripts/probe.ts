/**
 * `npm run probe [-- --revision SHA]`: what the real Hub serves, before a deploy. For each config's parquet file of
 * the dataset it prints the size, the row groups (rows, compressed / uncompressed bytes), codecs, encodings, whether
 * each column has a page index (offset index, column index), pages per column chunk where known, whether the
 * Worker's reader can read the layout within its slice budget, and the time and upstream traffic (requests, bytes)
 * of one cold trace: one middle row, all columns, read with hyparquet over HTTP range requests exactly like the
 * Worker does (a counting AsyncBuffer on the Hub's `resolve` URL and the CDN URL it redirects to).
 *
 *   npm run probe
 *   npm run probe -- --revision b92885e4f0161d4b2536512710e004d4892cac6e
 *   npm run probe -- --endpoint http://127.0.0.1:8790 --config kimi --json
 *
 * Endpoint: `--endpoint`, else `HF_ENDPOINT`, else https://huggingface.co. `HF_TOKEN` (optional) is sent to the
 * Hub endpoint only, never to the CDN. When the Hub cannot be reached it says so in one line and exits 2.
 */
import { DEFAULT_DATASET } from '../shared/dataset.ts'
import { type Flags, parseFlags } from './lib/cli-args.ts'
import { formatFile, HubUnreachableError, ProbeError, type ProbeOptions, probeHub } from './lib/hub-probe.ts'

const PROBE_FLAGS = {
  endpoint: { type: 'string' },
  dataset: { type: 'string' },
  revision: { type: 'string' },
  config: { type: 'string', multiple: true },
  'budget-mb': { type: 'string' },
  'max-read-mb': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

async function main(): Promise<number> {
  let values: Flags<typeof PROBE_FLAGS>
  try {
    values = parseFlags(process.argv.slice(2), PROBE_FLAGS)
  } catch (err) {
    process.stderr.write(`probe: ${(err as Error).message}\n`)
    return 1
  }
  if (values.help) {
    process.stdout.write(
      'usage: npm run probe -- [--revision SHA|main] [--endpoint URL] [--dataset owner/name] [--config NAME]...\n' +
        '                        [--budget-mb N] [--max-read-mb N] [--json]\n' +
        '  --endpoint     Hub base URL (default: HF_ENDPOINT, else https://huggingface.co)\n' +
        `  --dataset      dataset repository (default: HF_DATASET, else ${DEFAULT_DATASET})\n` +
        '  --revision     branch, tag or commit sha (default: HF_REVISION, else main)\n' +
        '  --budget-mb    the Worker slice budget to check the layout against (default: wrangler.toml SLICE_BUDGET_MB)\n' +
        '  --max-read-mb  skip the cold trace when it would download more than this (default 256)\n' +
        '  HF_TOKEN       optional; sent to the Hub endpoint only\n',
    )
    return 0
  }
  const num = (name: 'budget-mb' | 'max-read-mb'): number | undefined => {
    const v = values[name]
    if (v === undefined) return undefined
    const n = Number(v)
    if (!Number.isFinite(n) || n <= 0) throw new ProbeError(`--${name} must be a positive number, got "${v}"`)
    return n
  }
  const options: ProbeOptions = {
    endpoint: values.endpoint ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co',
    dataset: values.dataset ?? process.env.HF_DATASET ?? DEFAULT_DATASET,
    revision: values.revision ?? process.env.HF_REVISION ?? 'main',
    ...(process.env.HF_TOKEN ? { token: process.env.HF_TOKEN } : {}),
    ...(values.config ? { configs: values.config } : {}),
    ...(num('budget-mb') !== undefined ? { budgetMB: num('budget-mb') } : {}),
    ...(num('max-read-mb') !== undefined ? { maxReadMB: num('max-read-mb') } : {}),
  }
  let header = false
  const report = await probeHub({
    ...options,
    onFile: (f) => {
      if (values.json) return
      if (!header) {
        process.stdout.write(
          `probe: ${options.dataset}@${options.revision} on ${options.endpoint.replace(/\/+$/, '')}\n`,
        )
        header = true
      }
      process.stdout.write(`\n${formatFile(f)}\n`)
    },
  })
  if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
  else
    process.stdout.write(
      `\nrevision ${report.sha} (${report.files.length} config file${report.files.length === 1 ? '' : 's'})\n`,
    )
  return 0
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof HubUnreachableError) {
      process.stderr.write(
        `probe: ${err.message}. Check the network, or point --endpoint / HF_ENDPOINT at a reachable Hub.\n`,
      )
      process.exit(2)
    }
    if (err instanceof ProbeError) {
      process.stderr.write(`probe: ${err.message}\n`)
      process.exit(1)
    }
    process.stderr.write(`probe: failed: ${(err as Error)?.message ?? String(err)}\n`)
    if (process.env.DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`)
    process.exit(1)
  },
)
