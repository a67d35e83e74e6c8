/**
 * Streaming a local parquet file slice by slice in bounded memory (page by page, read with positional reads:
 * file-buffer.ts). Used by the stats and export CLIs, the site build and the benchmarks.
 */
import { existsSync } from 'node:fs'
import { isAbsolute, join, relative } from 'node:path'
import {
  type AsyncBuffer,
  DEFAULT_SLICE_BUDGET,
  type FileMetaData,
  parquetOpen,
  parquetRowCount,
  planSlices,
  type RowRange,
} from '../../shared/parquet.ts'
import { parquetScanRows, parquetUseCodec } from '../../shared/parquet-pages.ts'
import { snappyWasmDecoder } from '../../shared/snappy-wasm.ts'
import { fileBuffer } from './file-buffer.ts'
import { hysnappyWasmBytes } from './snappy-wasm-file.ts'

// Snappy pages through WebAssembly in Node (about 2.5x the JavaScript decoder's speed on the sample's pages): the
// module the Worker imports, compiled here from the same bytes. No page-size cap: Node has no 128 MB isolate.
parquetUseCodec(
  'SNAPPY',
  snappyWasmDecoder(new WebAssembly.Module(hysnappyWasmBytes()), Number.POSITIVE_INFINITY),
)

/** An opened local parquet file. */
export interface LocalParquet {
  path: string
  file: AsyncBuffer
  metadata: FileMetaData
  rows: number
}

/** The default dataset directory (`npm run sample`), where repository paths like `data/kimi/train.parquet` live. */
const DEFAULT_DATASET_DIR = join(import.meta.dirname, '../../sample-data')

/**
 * A data file path as the user wrote it, or, for a repository-relative path such as `data/kimi/train.parquet`
 * (the dataset's own layout) that does not exist here, the same path inside the default dataset directory.
 */
export function resolveDataFile(path: string): string {
  if (existsSync(path) || isAbsolute(path)) return path
  const inSample = join(DEFAULT_DATASET_DIR, path)
  if (existsSync(inSample)) {
    process.stderr.write(
      `note: ${path} not found here; reading ${relative(process.cwd(), inSample)} (the generated sample)\n`,
    )
    return inSample
  }
  return path
}

/** Open a local parquet file and read its footer; throws naming the path when it is missing or not parquet. */
export async function openLocalParquet(requested: string): Promise<LocalParquet> {
  const path = resolveDataFile(requested)
  let file: AsyncBuffer
  try {
    file = fileBuffer(path)
  } catch {
    const hint = existsSync(DEFAULT_DATASET_DIR)
      ? ''
      : ' (run "npm run sample" to generate the sample dataset)'
    throw new Error(`cannot open ${requested}: no such file${hint}`)
  }
  let metadata: FileMetaData
  try {
    metadata = await parquetOpen(file)
  } catch (err) {
    throw new Error(`${path} is not a readable parquet file: ${(err as Error).message}`)
  }
  return { path, file, metadata, rows: parquetRowCount(metadata) }
}

/** One slice of rows read from a file. */
export interface RowSlice {
  range: RowRange
  rows: Record<string, unknown>[]
}

/** Options of `streamRowBatches` and `streamRowSlices`. */
export interface StreamOptions {
  /** Decoded bytes per slice (`planSlices`); default `DEFAULT_SLICE_BUDGET`. */
  budgetBytes?: number
  /** Rows [start, end) only; default every row. */
  range?: RowRange
}

/** Rows a batch holds at most (a batch never crosses a slice either). */
const BATCH_ROWS = 32

/** One batch of rows; `sliceEnd`: the batch ends a slice of `planSlices`. */
export interface RowBatch extends RowSlice {
  sliceEnd: boolean
}

/**
 * Yield the file's rows in batches of at most `BATCH_ROWS` rows, each inside one slice of `budgetBytes` decoded,
 * from one sequential scan page by page (shared/parquet-pages.ts): one decoded page per leaf column at a time,
 * never a whole column chunk, and no page map needed for a file without a page index.
 *
 * For a consumer that is done with each row once it has seen it (the stats scan): a batch's strings die young, in
 * V8's young generation, where a whole slice kept alive (~24 MB of strings) outlived the scavenges and was copied to
 * the old generation first.
 */
export async function* streamRowBatches(
  source: LocalParquet,
  options: StreamOptions = {},
): AsyncGenerator<RowBatch> {
  const all = planSlices(source.metadata, options.budgetBytes ?? DEFAULT_SLICE_BUDGET)
  const within = options.range
  const slices = within
    ? all
        .map((s) => ({ start: Math.max(s.start, within.start), end: Math.min(s.end, within.end) }))
        .filter((s) => s.end > s.start)
    : all
  const first = slices[0]
  const last = slices[slices.length - 1]
  if (!first || !last) return
  let i = 0
  let start = first.start
  let rows: Record<string, unknown>[] = []
  const scan = parquetScanRows(
    source.file,
    source.metadata,
    { start: first.start, end: last.end },
    { batchRows: BATCH_ROWS },
  )
  for await (const batch of scan) {
    for (const row of batch) {
      rows.push(row)
      const end = start + rows.length
      const sliceEnd = end === (slices[i] as RowRange).end
      if (sliceEnd || rows.length === BATCH_ROWS) {
        yield { range: { start, end }, rows, sliceEnd }
        rows = []
        start = end
        if (sliceEnd) i++
      }
    }
  }
}

/**
 * Yield the file's rows slice by slice (each within `budgetBytes` decoded), from the scan of `streamRowBatches`.
 * At most one slice of rows is alive at once.
 */
export async function* streamRowSlices(
  source: LocalParquet,
  options: StreamOptions = {},
): AsyncGenerator<RowSlice> {
  let rows: Record<string, unknown>[] = []
  let start = -1
  for await (const batch of streamRowBatches(source, options)) {
    if (start < 0) start = batch.range.start
    for (const row of batch.rows) rows.push(row)
    if (batch.sliceEnd) {
      yield { range: { start, end: batch.range.end }, rows }
      rows = []
      start = -1
    }
  }
}
