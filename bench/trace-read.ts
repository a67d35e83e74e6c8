/**
 * `npm run bench -- --only traceread`: CPU of cold single-row reads (the decode behind a cold `/api/trace/:id`) on
 * the full-scale file of each layout real writers produce, on the current code and on commit bedd686 (the end of
 * the previous round of reader work), in the same run.
 *
 * The baseline is a git worktree at `.cache/bench-baseline-traceread`. The harness, bench/trace-read-cpu.ts, runs
 * once per checkout in a fresh process, alternating current / baseline three times, over the same 200 rows spread
 * across the file (row i * 7919 mod rows). Layout files are those of the memory bench (bench/lib/memory-layouts.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openLocalParquet } from '../scripts/lib/local-parquet.ts'
import { parquetRowCount } from '../shared/parquet.ts'
import { describeHead, median, prepareWorktree, runPerCheckout } from './lib/checkouts.ts'
import { MEMORY_LAYOUTS, prepareLayoutData } from './lib/memory-layouts.ts'
import type { TraceReadCpuResult } from './trace-read-cpu.ts'

const ROOT = join(import.meta.dirname, '..')
/** The reader as the previous round left it. */
export const TRACE_READ_BASELINE = 'bedd686'
const REPEAT = 3
const READS = 200

const say = (line = '') => process.stdout.write(`${line}\n`)

/** Measure both checkouts on each layout's kimi file written from `sampleDir`. */
export async function benchTraceRead(sampleDir: string): Promise<Record<string, unknown>> {
  const baseline = prepareWorktree(TRACE_READ_BASELINE, join(ROOT, '.cache/bench-baseline-traceread'))
  const roots = { current: ROOT, baseline } as const
  const current = `current (${describeHead(['shared'])})`
  const results: Record<string, unknown> = { baseline: TRACE_READ_BASELINE, current }
  say(
    `  ${READS} rows per file, read one at a time over the trace's columns (all but id); process.cpuUsage() ` +
      `user+system per read; ${REPEAT} fresh processes per checkout`,
  )
  say(
    `  ${'layout / checkout'.padEnd(58)} ${'median ms'.padStart(10)} ${'p90 ms'.padStart(8)} ${'total ms'.padStart(9)}`,
  )
  const dir = mkdtempSync(join(tmpdir(), 'hte-bench-traceread-'))
  try {
    for (const layout of MEMORY_LAYOUTS) {
      const data = prepareLayoutData(sampleDir, layout)
      const file = join(data.dir, 'data/kimi/train.parquet')
      const n = parquetRowCount((await openLocalParquet(file)).metadata)
      const rows = Array.from({ length: Math.min(READS, n) }, (_, i) => (i * 7919) % n)
      const rowsFile = join(dir, `${layout}.json`)
      writeFileSync(rowsFile, JSON.stringify(rows))
      const runs = runPerCheckout<keyof typeof roots, TraceReadCpuResult>(
        'trace-read-cpu.ts',
        roots,
        ['--file', file, '--rows', rowsFile],
        REPEAT,
      )
      const chars = runs.current[0]?.chars
      for (const run of [...runs.current, ...runs.baseline]) {
        if (run.chars !== chars)
          throw new Error(`${layout}: checkouts read different text (${run.chars} vs ${chars})`)
      }
      say(
        `  ${layout}: ${data.layout}${data.written ? '' : ' (NOT this layout: the generated sample stands in)'}`,
      )
      const row: Record<string, number> = {}
      for (const [name, label] of [
        ['current', `${current}, ${runs.current[0]?.snappy} snappy`],
        ['baseline', `baseline (${TRACE_READ_BASELINE}), ${runs.baseline[0]?.snappy} snappy`],
      ] as const) {
        const xs = runs[name]
        const med = median(xs.map((x) => x.medianMs))
        row[`${name}MedianMs`] = med
        say(
          `    ${label.padEnd(56)} ${med.toFixed(2).padStart(10)} ${median(xs.map((x) => x.p90Ms))
            .toFixed(2)
            .padStart(8)} ${median(xs.map((x) => x.totalMs))
            .toFixed(0)
            .padStart(9)}`,
        )
      }
      const ratio = (row.baselineMedianMs ?? 0) / (row.currentMedianMs ?? 1)
      say(`    baseline / current (median ms per read): ${ratio.toFixed(2)}x`)
      results[layout] = {
        file,
        layout: data.layout,
        rows: rows.length,
        ...row,
        baselineOverCurrent: ratio,
        runs,
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return results
}
