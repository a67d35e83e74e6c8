/**
 * `npm run sample`: writes a deterministic, realistic GENERATED SAMPLE of
 * lambda/hermes-agent-reasoning-traces in the real repository layout (see `scripts/lib/sample/generate.ts`):
 *
 *   DIR/README.md                    dataset card (configs: kimi, glm-5.1)
 *   DIR/data/kimi/train.parquet
 *   DIR/data/glm-5.1/train.parquet
 *   DIR/sample.json                  generator version, seed, rows per config
 *
 * Usage: node scripts/sample.ts [--out DIR] [--scale small|full] [--rows-kimi N] [--rows-glm N] [--seed N]
 */
import { flagInt, parseFlags } from './lib/cli-args.ts'
import { generateSample, type Progress, SCALES, type Scale } from './lib/sample/generate.ts'

const USAGE =
  'usage: node scripts/sample.ts [--out DIR] [--scale small|full] [--rows-kimi N] [--rows-glm N] [--seed N]\n'

/** Bad usage: the reason and the usage line on stderr, exit 2. */
function usage(reason?: string): never {
  process.stderr.write(`${reason ? `sample: ${reason}\n` : ''}${USAGE}`)
  process.exit(2)
}

function mb(n: number): string {
  return `${(n / 1e6).toFixed(1)} MB`
}

async function main(): Promise<void> {
  let cli: { out: string; scale: Scale; rowsKimi?: number; rowsGlm?: number; seed: number }
  try {
    const flags = parseFlags(process.argv.slice(2), {
      out: { type: 'string', default: 'sample-data' },
      scale: { type: 'string', default: 'small' },
      'rows-kimi': { type: 'string' },
      'rows-glm': { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    })
    if (flags.help) usage()
    if (flags.scale !== 'small' && flags.scale !== 'full') {
      throw new Error(`flag "--scale" must be small or full, got "${flags.scale}"`)
    }
    cli = {
      out: flags.out,
      scale: flags.scale,
      rowsKimi: flagInt('rows-kimi', flags['rows-kimi']),
      rowsGlm: flagInt('rows-glm', flags['rows-glm']),
      seed: flagInt('seed', flags.seed, 1),
    }
  } catch (err) {
    usage((err as Error).message)
  }
  const preset = SCALES[cli.scale]
  const rowsKimi = cli.rowsKimi ?? preset.rowsKimi
  const rowsGlm = cli.rowsGlm ?? preset.rowsGlm
  const total = rowsKimi + rowsGlm
  const started = performance.now()
  const tty = process.stderr.isTTY
  let lastDraw = 0
  let base = 0
  let lastConfig = ''
  const draw = (p: Progress, force = false) => {
    if (p.config !== lastConfig) {
      if (lastConfig) base += p.config === 'glm-5.1' ? rowsKimi : 0
      lastConfig = p.config
    }
    const now = performance.now()
    if (!force && now - lastDraw < (tty ? 100 : 5000)) return
    lastDraw = now
    const done = base + p.rowsDone
    const width = 30
    const filled = Math.round((done / Math.max(1, total)) * width)
    const secs = (now - started) / 1000
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} rows  ${p.config} ${p.rowsDone}/${p.rowsTotal}  ${secs.toFixed(1)}s`
    process.stderr.write(tty ? `\r${line}` : `${line}\n`)
  }
  const result = await generateSample({
    out: cli.out,
    rowsKimi,
    rowsGlm,
    seed: cli.seed,
    scale: cli.scale,
    onProgress: (p) => draw(p, p.rowsDone === p.rowsTotal),
  })
  if (tty) process.stderr.write('\n')
  const secs = ((performance.now() - started) / 1000).toFixed(1)
  process.stderr.write(
    `GENERATED SAMPLE (not the real dataset) in ${result.out}, seed ${cli.seed}, ${secs}s\n`,
  )
  for (const f of result.files) {
    process.stderr.write(
      `  ${f.path}  ${f.rows} rows  ${f.rowGroups} row groups  ${mb(f.bytes)} (${f.bytes} bytes, ~${mb(f.textBytes)} text)\n`,
    )
  }
  process.stderr.write(`  ${result.card}\n  ${result.manifest}\n`)
}

main().catch((err: unknown) => {
  process.stderr.write(`sample: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exit(1)
})
