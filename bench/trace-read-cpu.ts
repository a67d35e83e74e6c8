/**
 * CPU of cold single-row reads (what a cold `/api/trace/:id` decodes), measured in Node over the shared/ modules of
 * any checkout of this repository:
 *
 *   node bench/trace-read-cpu.ts --root DIR --file F --rows ROWS.json
 *
 * Opens F and builds its page map with DIR's `parquetPageMap` (not timed: the Worker's Queue job builds it once per
 * file), then for each row r of ROWS.json reads rows [r, r + 1) with DIR's `parquetReadRows` over the columns a
 * trace reads (all but `id`), as a range read. Snappy pages decode as DIR's Worker decodes them. CPU time is
 * `process.cpuUsage()` (user + system) around each read; every read is counted, the first ones (a cold JIT)
 * included. Prints one JSON line.
 */
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { asyncBufferFromFile } from 'hyparquet'
import { parseFlags } from '../scripts/lib/cli-args.ts'
import { median, useCheckoutSnappy } from './lib/checkouts.ts'

/** What the harness prints. */
export interface TraceReadCpuResult {
  root: string
  snappy: 'wasm' | 'js'
  reads: number
  /** CPU milliseconds of all reads, and the median and 90th percentile of one read. */
  totalMs: number
  medianMs: number
  p90Ms: number
  /** Characters of the rows' conversation values (a check that both checkouts read the same rows). */
  chars: number
}

const TRACE_COLUMNS = ['conversations', 'tools', 'category', 'subcategory', 'task']

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), {
    root: { type: 'string' },
    file: { type: 'string' },
    rows: { type: 'string' },
  })
  if (!flags.root || !flags.file || !flags.rows)
    throw new Error('usage: node bench/trace-read-cpu.ts --root DIR --file F --rows ROWS.json')
  const root = resolve(flags.root)
  const rows = JSON.parse(readFileSync(flags.rows, 'utf8')) as number[]
  if (rows.length === 0) throw new Error(`${flags.rows} lists no row`)
  const m = {
    ...(await import(join(root, 'shared/parquet.ts'))),
    ...(await import(join(root, 'shared/parquet-pages.ts'))),
  }
  const snappy = await useCheckoutSnappy(root)
  const file = await asyncBufferFromFile(flags.file)
  const metadata = await m.parquetOpen(file)
  const pageMap = await m.parquetPageMap(file, metadata, {})
  const times: number[] = []
  let chars = 0
  for (const r of rows) {
    const c0 = process.cpuUsage()
    const read = (await m.parquetReadRows(
      file,
      metadata,
      { start: r, end: r + 1 },
      { pageMap, columns: TRACE_COLUMNS },
    )) as { conversations?: { value?: string }[] }[]
    const d = process.cpuUsage(c0)
    times.push((d.user + d.system) / 1000)
    if (read.length !== 1) throw new Error(`row ${r}: read ${read.length} rows`)
    for (const msg of read[0]?.conversations ?? []) chars += msg.value?.length ?? 0
  }
  const sorted = [...times].sort((a, b) => a - b)
  const result: TraceReadCpuResult = {
    root,
    snappy,
    reads: rows.length,
    totalMs: times.reduce((a, b) => a + b, 0),
    medianMs: median(times),
    p90Ms: sorted[Math.floor(sorted.length * 0.9)] ?? 0,
    chars,
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

main().catch((err: Error) => {
  process.stderr.write(`trace-read-cpu: ${err.stack ?? err.message}\n`)
  process.exit(1)
})
