/**
 * CPU of the Worker's stats slice work, measured in Node (workerd's clocks do not advance during CPU work) over the
 * shared/ modules of any checkout of this repository:
 *
 *   node bench/slice-cpu.ts --root DIR --file F --ranges RANGES.json
 *
 * For each row range [start, end) of RANGES.json, what `computeSlice` (workers/data/slices.ts) does between the
 * read and the R2 writes: the rows through DIR's `parquetReadRows` (the reader `DataContext.withRows` calls), then
 * per row `parseRow(row, ctx, { lazyContent: true })` and `statsAddRow`, the summaries' JSON and
 * `finalizeStats`'s JSON. Snappy pages are decoded as DIR's Worker decodes them: where DIR has the WebAssembly
 * decoder (`workers/generated/snappy.wasm` + shared/snappy-wasm.ts, installed the way workers/snappy.ts installs
 * it, with the Worker's page cap), through it; otherwise by DIR's JavaScript decoder. CPU time is `process.cpuUsage()` (user + system, every thread of the process), read
 * around the read and around the rest. The rows' text (UTF-8 bytes of each message's `from` and `value` and of
 * `tools`) is counted after the timed part. Every slice is counted, the first ones (a cold JIT) included.
 * The file is read through one descriptor, one positional read per request, as the Worker gets each request's
 * bytes in one buffer (until 2026-12-02 through hyparquet's `asyncBufferFromFile`, which opens a read stream per
 * request and joins its 64 KiB chunks: open, read, concat and close were 7.5% of the current code's CPU here, and
 * none of it is Worker work). Prints one JSON line.
 */

import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseFlags } from '../scripts/lib/cli-args.ts'
import { fileBuffer } from '../scripts/lib/file-buffer.ts'
import { useCheckoutSnappy } from './lib/checkouts.ts'

/** What the harness prints. */
export interface SliceCpuResult {
  root: string
  slices: number
  rows: number
  /** Which snappy decoder the slices used: the Worker's WebAssembly module, or JavaScript. */
  snappy: 'wasm' | 'js'
  /** 10^6 UTF-8 bytes of the rows' conversations and tools text. */
  textMB: number
  /** CPU milliseconds: reading (page reads and decoding), the rest (parse, stats, JSON), and their sum. */
  readMs: number
  workMs: number
  totalMs: number
  msPerMB: number
}

type Row = Record<string, unknown>
interface Modules {
  parquetOpen: (file: unknown) => Promise<unknown>
  parquetReadRows: (file: unknown, metadata: unknown, range: { start: number; end: number }) => Promise<Row[]>
  parseRow: (row: unknown, ctx: object, options: { lazyContent: boolean }) => { trace: { summary: unknown } }
  emptyStats: (meta: object) => unknown
  statsAddRow: (stats: unknown, parsed: unknown) => void
  finalizeStats: (stats: unknown) => unknown
}

const encoder = new TextEncoder()
const utf8 = (s: unknown) => (typeof s === 'string' ? encoder.encode(s).length : 0)

function rowText(row: Row): number {
  let n = utf8(row.tools)
  const convs = row.conversations
  if (Array.isArray(convs))
    for (const m of convs as { from?: unknown; value?: unknown }[]) n += utf8(m.from) + utf8(m.value)
  return n
}

const cpuMs = (since: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(since)
  return (d.user + d.system) / 1000
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), {
    root: { type: 'string' },
    file: { type: 'string' },
    ranges: { type: 'string' },
  })
  if (!flags.root || !flags.file || !flags.ranges)
    throw new Error('usage: node bench/slice-cpu.ts --root DIR --file F --ranges RANGES.json')
  const root = resolve(flags.root)
  const ranges = JSON.parse(readFileSync(flags.ranges, 'utf8')) as { start: number; end: number }[]
  if (ranges.length === 0) throw new Error(`${flags.ranges} lists no row range`)
  const m = {
    ...(await import(join(root, 'shared/parquet.ts'))),
    ...(await import(join(root, 'shared/trace.ts'))),
    ...(await import(join(root, 'shared/stats.ts'))),
  } as Modules
  // As workers/snappy.ts does in the Worker (it imports the .wasm, which Node cannot; the bytes are the same).
  const snappy = await useCheckoutSnappy(root)
  // The file's bytes as the Worker gets a read's bytes from R2 or the Hub, each request's in one buffer: one open
  // descriptor and one positional read per request (scripts/lib/file-buffer.ts), the same for every checkout.
  const file = fileBuffer(flags.file)
  const metadata = await m.parquetOpen(file)
  const info = { dataset: 'bench', revision: 'bench', sample: true }
  const config = 'kimi'
  let rows = 0
  let bytes = 0
  let readMs = 0
  let workMs = 0
  let sink = 0
  for (const range of ranges) {
    const c0 = process.cpuUsage()
    const slice = await m.parquetReadRows(file, metadata, range)
    readMs += cpuMs(c0)
    const c1 = process.cpuUsage()
    const stats = m.emptyStats({ ...info, config, rowsTotal: ranges[ranges.length - 1]?.end ?? 0 })
    const summaries: unknown[] = []
    for (const row of slice) {
      const parsed = m.parseRow(row, { ...info, config }, { lazyContent: true })
      m.statsAddRow(stats, parsed)
      summaries.push(parsed.trace.summary)
    }
    const summariesJson = JSON.stringify(summaries)
    const statsJson = JSON.stringify(m.finalizeStats(stats))
    workMs += cpuMs(c1)
    sink += summariesJson.length + statsJson.length
    if (slice.length !== range.end - range.start)
      throw new Error(`rows ${range.start}..${range.end}: read ${slice.length} rows`)
    rows += slice.length
    for (const row of slice) bytes += rowText(row)
  }
  if (sink <= 0) throw new Error('no output')
  const textMB = bytes / 1e6
  const result: SliceCpuResult = {
    root,
    snappy,
    slices: ranges.length,
    rows,
    textMB,
    readMs,
    workMs,
    totalMs: readMs + workMs,
    msPerMB: (readMs + workMs) / textMB,
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

main().catch((err: Error) => {
  process.stderr.write(`slice-cpu: ${err.stack ?? err.message}\n`)
  process.exit(1)
})
