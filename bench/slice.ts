/**
 * `npm run bench -- --only slice`: CPU milliseconds per MB of row text of the Worker's stats slice work, on the
 * current code and on the code as it was before the scan-engine work (commit 91d9c17), in the same run.
 *
 * The baseline is a git worktree at `.cache/bench-baseline` (made once: `git worktree add --detach`, with
 * `node_modules` linked to this checkout's: the same hyparquet 1.33.0 the baseline's lockfile pins). The harness,
 * bench/slice-cpu.ts, runs once per checkout in a fresh process, alternating current / baseline three times, over
 * the same row ranges: the current `planSlices` of the file with the Worker's SLICE_BUDGET_MB (wrangler.toml).
 *
 * The file is the bench's sample as generated (hyparquet-writer, with an offset index on multi-page chunks), where
 * both versions read only a slice's own pages. A file without a page index is not compared: the baseline Worker
 * refused such layouts above its budget and otherwise decoded whole column chunks per slice.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openLocalParquet } from '../scripts/lib/local-parquet.ts'
import { planSlices } from '../shared/parquet.ts'
import { describeHead, median, prepareWorktree, runPerCheckout } from './lib/checkouts.ts'
import type { SliceCpuResult } from './slice-cpu.ts'

const ROOT = join(import.meta.dirname, '..')
/** The last commit before the scan-engine work. */
export const BASELINE_COMMIT = '91d9c17'
const BASELINE_DIR = join(ROOT, '.cache/bench-baseline')
const REPEAT = 3

const say = (line = '') => process.stdout.write(`${line}\n`)

/** The baseline worktree, made when missing; throws when the directory holds another commit. */
export function prepareBaseline(): string {
  return prepareWorktree(BASELINE_COMMIT, BASELINE_DIR)
}

/** SLICE_BUDGET_MB of wrangler.toml: the decoded bytes of one stats slice in the deployed Worker. */
function workerSliceBudgetMB(): number {
  const m = /^SLICE_BUDGET_MB\s*=\s*"(\d+)"/m.exec(readFileSync(join(ROOT, 'wrangler.toml'), 'utf8'))
  if (!m) throw new Error('wrangler.toml sets no SLICE_BUDGET_MB')
  return Number(m[1])
}

/** Measure both checkouts over `file`'s Worker slices; prints a table and returns the runs. */
export async function benchSliceCpu(file: string): Promise<Record<string, unknown>> {
  const baseline = prepareBaseline()
  const budgetMB = workerSliceBudgetMB()
  const source = await openLocalParquet(file)
  const ranges = planSlices(source.metadata, budgetMB * 2 ** 20)
  const dir = mkdtempSync(join(tmpdir(), 'hte-bench-slice-'))
  const rangesFile = join(dir, 'ranges.json')
  writeFileSync(rangesFile, JSON.stringify(ranges))
  const roots = { current: ROOT, baseline } as const
  let runs: Record<keyof typeof roots, SliceCpuResult[]>
  try {
    runs = runPerCheckout<keyof typeof roots, SliceCpuResult>(
      'slice-cpu.ts',
      roots,
      ['--file', file, '--ranges', rangesFile],
      REPEAT,
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  const first = runs.current[0] as SliceCpuResult
  for (const run of [...runs.current, ...runs.baseline]) {
    if (run.rows !== first.rows || Math.abs(run.textMB - first.textMB) > 1e-9)
      throw new Error(
        `checkouts read different rows: ${run.rows} rows ${run.textMB} MB vs ${first.rows} ${first.textMB}`,
      )
  }
  const current = `current (${describeHead(['shared'])})`
  say(`  ${file}`)
  say(
    `  ${ranges.length} slices (current planSlices, SLICE_BUDGET_MB ${budgetMB}), ${first.rows} rows, ` +
      `${first.textMB.toFixed(0)} MB of row text; process.cpuUsage() user+system, ${REPEAT} fresh processes per checkout`,
  )
  say(
    '  file reads: one positional read per request through one descriptor, for both checkouts (bench/slice-cpu.ts)',
  )
  say(
    `  ${''.padEnd(48)} ${'min ms/MB'.padStart(10)} ${'median'.padStart(10)}   median read / parse+stats+JSON ms/MB`,
  )
  const perMB = (xs: SliceCpuResult[], k: 'msPerMB' | 'readMs' | 'workMs') =>
    xs.map((x) => (k === 'msPerMB' ? x.msPerMB : x[k] / x.textMB))
  for (const [name, label] of [
    ['current', `${current}, ${runs.current[0]?.snappy} snappy`],
    ['baseline', `baseline (${BASELINE_COMMIT}), ${runs.baseline[0]?.snappy} snappy`],
  ] as const) {
    const xs = runs[name]
    say(
      `  ${label.padEnd(48)} ${Math.min(...perMB(xs, 'msPerMB'))
        .toFixed(2)
        .padStart(10)} ` +
        `${median(perMB(xs, 'msPerMB')).toFixed(2).padStart(10)}   ` +
        `${median(perMB(xs, 'readMs')).toFixed(2)} / ${median(perMB(xs, 'workMs')).toFixed(2)}`,
    )
  }
  const ratio = median(perMB(runs.baseline, 'msPerMB')) / median(perMB(runs.current, 'msPerMB'))
  say(
    `  baseline / current (medians): ${ratio.toFixed(2)}x  (target >= 2x lower CPU: ${ratio >= 2 ? 'MET' : 'MISSED'})`,
  )
  return { file, budgetMB, slices: ranges.length, current, runs, baselineOverCurrent: ratio }
}
