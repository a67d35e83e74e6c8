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

/**
 * Yield the file's rows slice by slice (each within `budgetBytes` decoded), from one sequential scan page by page
 * (shared/parquet-pages.ts): one decoded page per leaf column at a time, never a whole column chunk, and no page
 * map needed for a file without a page index. At most one slice of rows is alive at once.
 */
export async function* streamRowSlices(
  source: LocalParquet,
  options: { budgetBytes?: number; range?: RowRange } = {},
): AsyncGenerator<RowSlice> {
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
  let rows: Record<string, unknown>[] = []
  const scan = parquetScanRows(
    source.file,
    source.metadata,
    { start: first.start, end: last.end },
    { batchRows: 256 },
  )
  for await (const batch of scan) {
    for (const row of batch) {
      rows.push(row)
      const range = slices[i] as RowRange
      if (range.start + rows.length === range.end) {
        yield { range, rows }
        rows = []
        i++
      }
    }
  }
}
