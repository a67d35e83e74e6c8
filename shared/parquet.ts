/**
 * Reading the dataset's parquet files over any `AsyncBuffer` (a local file, Hub range requests, an R2 block
 * cache). Runtime-neutral: the caller supplies the buffer.
 *
 * Memory model: a slice of rows is decoded at once, page by page (`parquet-pages.ts`): only the pages that hold
 * the requested rows are read, located through the file's offset index or, for a file without one (pyarrow's
 * defaults: one row group, no page index), through a page map built on first use from the page headers (and the
 * repetition levels of the nested pages, one page at a time) and remembered per opened file. No layout is read
 * as whole column chunks, so none is refused for its chunk sizes.
 */
import { type AsyncBuffer, type FileMetaData, parquetMetadataAsync, readOffsetIndex } from 'hyparquet'
import { type ParquetPageMap, parquetReadRange, parquetRememberedPageMap } from './parquet-pages.ts'

export type { ViewAsyncBuffer } from './parquet-pages.ts'
export type { AsyncBuffer, FileMetaData }

/** The six columns of both configs, in file order. */
export const DATASET_COLUMNS = ['id', 'conversations', 'tools', 'category', 'subcategory', 'task'] as const

/** Default decoded-bytes budget of one slice (well under a Worker's 128 MB). */
export const DEFAULT_SLICE_BUDGET = 24 * 1024 * 1024

/**
 * The file's layout cannot be read within the memory budget. Since the page-level reader, no layout is refused for
 * its chunk sizes; kept for callers that still distinguish it (and future refusals, e.g. unsupported codecs).
 */
export class ParquetLayoutError extends Error {
  override name = 'ParquetLayoutError'
}

/** One row group as the reader sees it. */
export interface RowGroupInfo {
  index: number
  /** First row (file-wide index). */
  start: number
  rows: number
  /** Uncompressed bytes of all column chunks. */
  uncompressedBytes: number
  /** Compressed bytes of all column chunks. */
  compressedBytes: number
  /** True when every column chunk has an offset index (pages located without a page map). */
  offsetIndex: boolean
  /** Uncompressed bytes of the column chunks without an offset index (their pages need a page map). */
  unindexedBytes: number
}

/** A half-open row range [start, end). */
export interface RowRange {
  start: number
  end: number
}

/** Read and parse the footer (hyparquet reads the last 512 KB first, then more if the footer is longer). */
export function parquetOpen(file: AsyncBuffer): Promise<FileMetaData> {
  return parquetMetadataAsync(file)
}

/** Total rows of a file. */
export function parquetRowCount(metadata: FileMetaData): number {
  return Number(metadata.num_rows)
}

/** Row groups with their row ranges, sizes and whether pages are individually addressable. */
export function parquetRowGroups(metadata: FileMetaData): RowGroupInfo[] {
  let start = 0
  return metadata.row_groups.map((group, index) => {
    const rows = Number(group.num_rows)
    let uncompressedBytes = 0
    let compressedBytes = 0
    let offsetIndex = true
    let unindexedBytes = 0
    for (const chunk of group.columns) {
      const bytes = Number(chunk.meta_data?.total_uncompressed_size ?? 0)
      uncompressedBytes += bytes
      compressedBytes += Number(chunk.meta_data?.total_compressed_size ?? 0)
      if (!chunk.offset_index_offset || !chunk.offset_index_length) {
        offsetIndex = false
        unindexedBytes += bytes
      }
    }
    const info = { index, start, rows, uncompressedBytes, compressedBytes, offsetIndex, unindexedBytes }
    start += rows
    return info
  })
}

/** Names of the top-level columns of a file. */
export function parquetColumnNames(metadata: FileMetaData): string[] {
  const names: string[] = []
  const root = metadata.schema[0]
  let i = 1
  // Walk the flattened schema tree: each top-level element is followed by its descendants.
  const skip = (count: number) => {
    for (let k = 0; k < count; k++) {
      const el = metadata.schema[i++]
      if (el?.num_children) skip(el.num_children)
    }
  }
  for (let c = 0; c < (root?.num_children ?? 0); c++) {
    const el = metadata.schema[i++]
    if (!el) break
    names.push(el.name)
    if (el.num_children) skip(el.num_children)
  }
  return names
}

/** Missing dataset columns, so callers can explain a wrong file instead of crashing on it. */
export function parquetMissingColumns(metadata: FileMetaData): string[] {
  const have = new Set(parquetColumnNames(metadata))
  return DATASET_COLUMNS.filter((c) => !have.has(c))
}

/**
 * Cut a file's rows into slices whose decoded size stays under `budgetBytes` (by each row group's average bytes
 * per row), never crossing a row group. Every layout can be sliced: pages are read one by one, with or without
 * an offset index. Throws `ParquetLayoutError` for a codec the reader lacks (see `assertReadable`).
 */
export function planSlices(metadata: FileMetaData, budgetBytes = DEFAULT_SLICE_BUDGET): RowRange[] {
  assertReadable(metadata, { start: 0, end: parquetRowCount(metadata) })
  const slices: RowRange[] = []
  for (const group of parquetRowGroups(metadata)) {
    if (group.rows === 0) continue
    const perRow = group.uncompressedBytes / group.rows
    const rowsPerSlice = Math.max(1, Math.floor(budgetBytes / Math.max(1, perRow)))
    for (let s = 0; s < group.rows; s += rowsPerSlice) {
      slices.push({ start: group.start + s, end: group.start + Math.min(group.rows, s + rowsPerSlice) })
    }
  }
  return slices
}

/** Codecs the page reader decompresses (hyparquet's snappy, fzstd's zstd, none). */
const SUPPORTED_CODECS = new Set(['UNCOMPRESSED', 'SNAPPY', 'ZSTD'])

/**
 * Check that rows [start, end) can be read; throws `ParquetLayoutError` naming the column and codec when a
 * column chunk holding them is compressed with a codec the reader lacks (GZIP, LZ4, BROTLI). Chunk sizes no
 * longer matter: pages are read one by one.
 */
export function assertReadable(
  metadata: FileMetaData,
  range: RowRange,
  _budgetBytes = DEFAULT_SLICE_BUDGET,
): void {
  for (const group of parquetRowGroups(metadata)) {
    const end = group.start + group.rows
    if (end <= range.start || group.start >= range.end) continue
    for (const chunk of metadata.row_groups[group.index]?.columns ?? []) {
      const codec = chunk.meta_data?.codec
      if (codec && !SUPPORTED_CODECS.has(codec)) {
        throw new ParquetLayoutError(
          `rows ${range.start}..${range.end} lie in row group ${group.index}, whose column ` +
            `${chunk.meta_data?.path_in_schema.join('.')} is compressed with ${codec}, which this reader cannot decompress`,
        )
      }
    }
  }
}

/** Read the `id` column only (a few bytes per row), page by page: the id -> row index. */
export async function parquetReadIds(file: AsyncBuffer, metadata: FileMetaData): Promise<string[]> {
  const rows = await parquetReadRange(
    file,
    metadata,
    { start: 0, end: parquetRowCount(metadata) },
    { columns: ['id'] },
  )
  return rows.map((r) => String(r.id))
}

/**
 * Read whole rows [start, end) as objects with the dataset's columns (the objects hyparquet's
 * `parquetReadObjects` returns). Only the pages holding those rows are fetched (plus dictionary pages); a chunk
 * without an offset index is located through `pageMap`, a page map remembered for this file, or one built now.
 * `columns`: fewer top-level columns than the dataset's (a trace whose id is already known skips `id`).
 */
export async function parquetReadRows(
  file: AsyncBuffer,
  metadata: FileMetaData,
  range: RowRange,
  options: { pageMap?: ParquetPageMap; columns?: readonly string[] } = {},
): Promise<Record<string, unknown>[]> {
  if (range.end <= range.start) return []
  return parquetReadRange(file, metadata, range, { columns: DATASET_COLUMNS, ...options })
}

/** Decoded bytes a row range is expected to need (from row-group averages). */
export function estimateRangeBytes(metadata: FileMetaData, range: RowRange): number {
  let bytes = 0
  for (const group of parquetRowGroups(metadata)) {
    const lo = Math.max(range.start, group.start)
    const hi = Math.min(range.end, group.start + group.rows)
    if (hi > lo) bytes += (group.uncompressedBytes / group.rows) * (hi - lo)
  }
  return bytes
}

/**
 * Compressed bytes of the pages that hold one row: what an ideal reader must fetch for it (benchmarks and the
 * I/O-contract tests compare real upstream traffic with this). Column chunks without an offset index count
 * whole. Keys of `byColumn` are top-level column names.
 */
export async function parquetRowPageBytes(
  file: AsyncBuffer,
  metadata: FileMetaData,
  row: number,
): Promise<{ total: number; byColumn: Record<string, number> }> {
  const byColumn: Record<string, number> = {}
  let total = 0
  const group = parquetRowGroups(metadata).find((g) => row >= g.start && row < g.start + g.rows)
  for (const chunk of group ? (metadata.row_groups[group.index]?.columns ?? []) : []) {
    let size = Number(chunk.meta_data?.total_compressed_size ?? 0)
    if (chunk.offset_index_length && group) {
      const offset = Number(chunk.offset_index_offset)
      const buf = await file.slice(offset, offset + chunk.offset_index_length)
      const pages = readOffsetIndex({ view: new DataView(buf), offset: 0 }).page_locations
      const i = pages.findLastIndex((p) => Number(p.first_row_index) <= row - group.start)
      size = pages[i]?.compressed_page_size ?? 0
    }
    const column = chunk.meta_data?.path_in_schema[0] ?? ''
    byColumn[column] = (byColumn[column] ?? 0) + size
    total += size
  }
  return { total, byColumn }
}

/** Parsed page locations per column chunk (the metadata objects live as long as their file is open). */
const pageLocationMemo = new WeakMap<object, { first_row_index: bigint; compressed_page_size: number }[]>()

/**
 * Bytes a read of rows [start, end) fetches (`compressed`), decompresses (`uncompressed`: whole pages, the
 * dictionary pages included) and turns into values (`decoded`: the rows' share of their pages, estimated by the
 * rows each page holds; the reader decodes only the values of the rows it returns). Estimates.
 */
export interface RangeCost {
  compressed: number
  uncompressed: number
  decoded: number
}

/** A page allowance for chunks whose pages are not located yet (pyarrow's default data page size). */
const UNLOCATED_PAGE_BYTES = 1024 * 1024

/**
 * What reading rows [start, end) costs, page by page: for column chunks with an offset index or a remembered page
 * map, the pages holding those rows (plus the dictionary page); for chunks not located yet, the rows' share of
 * the chunk plus one page (the map is built one page at a time). Uncompressed sizes of single pages are not in
 * the offset index: each page is scaled by its chunk's compression ratio. `columns`: only these top-level
 * columns (default all).
 */
export async function parquetRangeCost(
  file: AsyncBuffer,
  metadata: FileMetaData,
  range: RowRange,
  columns?: readonly string[],
): Promise<RangeCost> {
  let compressed = 0
  let uncompressed = 0
  let decoded = 0
  const remembered = parquetRememberedPageMap(metadata)
  for (const group of parquetRowGroups(metadata)) {
    const groupEnd = group.start + group.rows
    if (groupEnd <= range.start || group.start >= range.end) continue
    const lo = Math.max(range.start, group.start) - group.start
    const hi = Math.min(range.end, groupEnd) - group.start
    for (const chunk of metadata.row_groups[group.index]?.columns ?? []) {
      const meta = chunk.meta_data
      if (!meta) continue
      if (columns && !columns.includes(meta.path_in_schema[0] ?? '')) continue
      const chunkCompressed = Number(meta.total_compressed_size)
      const ratio = Number(meta.total_uncompressed_size) / Math.max(1, chunkCompressed)
      const mapped = remembered?.rowGroups[group.index]?.[meta.path_in_schema.join('.')]
      let pages = pageLocationMemo.get(chunk)
      if (!pages && mapped) {
        pages = mapped.pages.map((p) => ({
          offset: BigInt(p.offset),
          compressed_page_size: p.size,
          first_row_index: BigInt(p.firstRow),
        }))
      } else if (!pages && (!chunk.offset_index_offset || !chunk.offset_index_length)) {
        const share = (hi - lo) / group.rows
        const page = Math.min(chunkCompressed, UNLOCATED_PAGE_BYTES)
        compressed += chunkCompressed * share + page
        uncompressed += (chunkCompressed * share + page) * ratio
        decoded += chunkCompressed * share * ratio
        continue
      }
      if (!pages) {
        const offset = Number(chunk.offset_index_offset)
        const buf = await file.slice(offset, offset + Number(chunk.offset_index_length))
        pages = readOffsetIndex({ view: new DataView(buf), offset: 0 }).page_locations
        pageLocationMemo.set(chunk, pages)
      }
      let bytes = 0
      if (meta.dictionary_page_offset !== undefined && meta.dictionary_page_offset !== null) {
        bytes += Math.max(0, Number(meta.data_page_offset) - Number(meta.dictionary_page_offset))
      }
      for (let i = 0; i < pages.length; i++) {
        const page = pages[i] as (typeof pages)[number]
        const first = Number(page.first_row_index)
        const next = i + 1 < pages.length ? Number(pages[i + 1]?.first_row_index) : group.rows
        // A page holds rows [first, next]; a nested value may continue into the next page (<=).
        if (next < lo || first >= hi) continue
        bytes += page.compressed_page_size
        // The rows' share of the page (at least one row: a page holding only a row's tail still decodes it).
        const rows = Math.max(1, next - first)
        const overlap = Math.max(1, Math.min(next, hi) - Math.max(first, lo))
        decoded += page.compressed_page_size * ratio * Math.min(1, overlap / rows)
      }
      compressed += bytes
      uncompressed += bytes * ratio
    }
  }
  return { compressed, uncompressed, decoded }
}
