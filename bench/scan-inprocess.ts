/**
 * The scan bench's in-process lines (`bench/scan.ts` runs this in a fresh process per file):
 *
 *   node bench/scan-inprocess.ts FILE [--repeat 3] [--config kimi]
 *
 * Each repeat is one pass over FILE's rows, slice by slice through the stats CLI's reader (`streamRowSlices`),
 * timing apart, over the same rows:
 * - `jsonParse`: `JSON.parse` of each row's `conversations` as JSON text (the strings are built before the
 *   timed loop);
 * - `fullParse`: `parseRow(row, ctx)` (every tool response's content parsed: the trace API's work) + `statsAddRow`;
 * - `lazyStats`: `parseRow(row, ctx, { lazyContent: true })` + `statsAddRow` (the stats CLI's per-row work);
 * - `reader`: the wait for each slice of `streamRowSlices` (file reads and page decoding: the CLI's reader);
 * and then, in a pass of its own, `hyparquet`: hyparquet's `parquetReadObjects` decoding the whole file, all
 * columns, one row group at a time. The three in-memory timings rotate their order per slice, so none always runs
 * right after another's garbage. Prints one JSON line: seconds per repeat for each line, rows, and the text MB
 * (10^6 UTF-8 bytes of `conversations` values and `from`s plus `tools`).
 */
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet'
import { flagInt, parseFlagsAndPositionals } from '../scripts/lib/cli-args.ts'
import { openLocalParquet, streamRowSlices } from '../scripts/lib/local-parquet.ts'
import { parquetRowGroups } from '../shared/parquet.ts'
import { emptyStats, statsAddRow } from '../shared/stats.ts'
import { parseRow } from '../shared/trace.ts'

/** Seconds of each line in one repeat. */
export interface InProcessPass {
  jsonParse: number
  fullParse: number
  lazyStats: number
  reader: number
  hyparquet: number
}

/** What this script prints. */
export interface InProcessResult {
  rows: number
  textMB: number
  passes: InProcessPass[]
}

const encoder = new TextEncoder()
const utf8 = (s: unknown) => (typeof s === 'string' ? encoder.encode(s).length : 0)

/** UTF-8 bytes of a row's conversation text (`from` and `value` of every message) and `tools`. */
export function rowTextBytes(row: Record<string, unknown>): number {
  let n = utf8(row.tools)
  const convs = row.conversations
  if (Array.isArray(convs))
    for (const m of convs as { from?: unknown; value?: unknown }[]) n += utf8(m.from) + utf8(m.value)
  return n
}

async function pass(
  file: string,
  config: string,
  countText: boolean,
): Promise<{ p: InProcessPass; rows: number; bytes: number }> {
  const source = await openLocalParquet(file)
  const ctx = { config, dataset: 'bench', revision: 'bench', sample: true }
  const fullStats = emptyStats({ ...ctx, rowsTotal: source.rows })
  const lazyStats = emptyStats({ ...ctx, rowsTotal: source.rows })
  const ms = { jsonParse: 0, fullParse: 0, lazyStats: 0, reader: 0 }
  let rows = 0
  let bytes = 0
  let sink = 0
  const reader = streamRowSlices(source)
  for (let i = 0; ; i++) {
    let t = performance.now()
    const next = await reader.next()
    ms.reader += performance.now() - t
    if (next.done) break
    const slice = next.value.rows
    rows += slice.length
    if (countText) for (const row of slice) bytes += rowTextBytes(row)
    const texts = slice.map((r) => JSON.stringify(r.conversations ?? null))
    const runs: (() => void)[] = [
      () => {
        t = performance.now()
        for (const text of texts) sink += (JSON.parse(text) as unknown[] | null)?.length ?? 0
        ms.jsonParse += performance.now() - t
      },
      () => {
        t = performance.now()
        for (const row of slice) statsAddRow(fullStats, parseRow(row, ctx))
        ms.fullParse += performance.now() - t
      },
      () => {
        t = performance.now()
        for (const row of slice) statsAddRow(lazyStats, parseRow(row, ctx, { lazyContent: true }))
        ms.lazyStats += performance.now() - t
      },
    ]
    for (let k = 0; k < runs.length; k++) (runs[(i + k) % runs.length] as () => void)()
  }
  if (sink < 0 || fullStats.rows !== rows || lazyStats.rows !== rows) throw new Error('rows lost')

  // hyparquet alone: the whole file, every column, one row group at a time.
  const t = performance.now()
  const buffer = await asyncBufferFromFile(file)
  const metadata = await parquetMetadataAsync(buffer)
  let decoded = 0
  for (const group of parquetRowGroups(metadata)) {
    const objects = await parquetReadObjects({
      file: buffer,
      metadata,
      rowStart: group.start,
      rowEnd: group.start + group.rows,
    })
    decoded += objects.length
  }
  const hyparquet = (performance.now() - t) / 1000
  if (decoded !== rows) throw new Error(`hyparquet decoded ${decoded} rows, the reader ${rows}`)
  const s = (x: number) => x / 1000
  return {
    p: {
      jsonParse: s(ms.jsonParse),
      fullParse: s(ms.fullParse),
      lazyStats: s(ms.lazyStats),
      reader: s(ms.reader),
      hyparquet,
    },
    rows,
    bytes,
  }
}

async function main(): Promise<void> {
  const { values: flags, positionals } = parseFlagsAndPositionals(process.argv.slice(2), {
    repeat: { type: 'string' },
    config: { type: 'string', default: 'kimi' },
  })
  const file = positionals[0]
  if (!file || positionals.length > 1)
    throw new Error('usage: node bench/scan-inprocess.ts FILE [--repeat N] [--config C]')
  const repeat = Math.max(1, flagInt('repeat', flags.repeat, 3))
  const out: InProcessResult = { rows: 0, textMB: 0, passes: [] }
  for (let r = 0; r < repeat; r++) {
    const { p, rows, bytes } = await pass(file, flags.config, r === 0)
    if (r === 0) {
      out.rows = rows
      out.textMB = bytes / 1e6
    }
    out.passes.push(p)
  }
  process.stdout.write(`${JSON.stringify(out)}\n`)
}

main().catch((err: Error) => {
  process.stderr.write(`scan-inprocess: ${err.stack ?? err.message}\n`)
  process.exit(1)
})
