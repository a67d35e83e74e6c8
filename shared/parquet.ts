/**
 * Reading the dataset's parquet files with hyparquet over any `AsyncBuffer` (a local file, Hub range requests,
 * an R2 block cache). Runtime-neutral: the caller supplies the buffer.
 *
 * Memory model: a slice of rows is decoded at once. With an offset index (parquet PageLocation lists) hyparquet
 * reads only the pages that hold the requested rows; without one, the whole column chunk of the row group is
 * read and decoded, so `planSlices` refuses layouts whose chunk would exceed the budget (`ParquetLayoutError`).
 */
import { type AsyncBuffer, type FileMetaData, parquetMetadataAsync, parquetReadObjects } from 'hyparquet'

export type { AsyncBuffer, FileMetaData }

/** The six columns of both configs, in file order. */
export const DATASET_COLUMNS = ['id', 'conversations', 'tools', 'category', 'subcategory', 'task'] as const

/** Default decoded-bytes budget of one slice (well under a Worker's 128 MB). */
export const DEFAULT_SLICE_BUDGET = 24 * 1024 * 1024

/** The file's layout cannot be read within the memory budget. */
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
  /** True when every column chunk has an offset index (pages can be read individually). */
  offsetIndex: boolean
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
    for (const chunk of group.columns) {
      uncompressedBytes += Number(chunk.meta_data?.total_uncompressed_size ?? 0)
      compressedBytes += Number(chunk.meta_data?.total_compressed_size ?? 0)
      if (!chunk.offset_index_offset || !chunk.offset_index_length) offsetIndex = false
    }
    const info = { index, start, rows, uncompressedBytes, compressedBytes, offsetIndex }
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
 * Cut a file's rows into slices whose decoded size stays under `budgetBytes`, never crossing a row group.
 * Throws `ParquetLayoutError` when a row group without an offset index is larger than the budget (reading any
 * of its rows would decode the whole group).
 */
export function planSlices(metadata: FileMetaData, budgetBytes = DEFAULT_SLICE_BUDGET): RowRange[] {
  const slices: RowRange[] = []
  for (const group of parquetRowGroups(metadata)) {
    if (group.rows === 0) continue
    if (!group.offsetIndex && group.uncompressedBytes > budgetBytes) {
      throw new ParquetLayoutError(
        `row group ${group.index} holds ${group.uncompressedBytes} uncompressed bytes without an offset index; ` +
          `reading it needs more than the ${budgetBytes}-byte memory budget`,
      )
    }
    const perRow = group.uncompressedBytes / group.rows
    const rowsPerSlice = Math.max(1, Math.floor(budgetBytes / Math.max(1, perRow)))
    for (let s = 0; s < group.rows; s += rowsPerSlice) {
      slices.push({ start: group.start + s, end: group.start + Math.min(group.rows, s + rowsPerSlice) })
    }
  }
  return slices
}

/** Check that reading rows [start, end) fits the budget; throws `ParquetLayoutError` otherwise. */
export function assertReadable(
  metadata: FileMetaData,
  range: RowRange,
  budgetBytes = DEFAULT_SLICE_BUDGET,
): void {
  for (const group of parquetRowGroups(metadata)) {
    const end = group.start + group.rows
    if (end <= range.start || group.start >= range.end) continue
    if (!group.offsetIndex && group.uncompressedBytes > budgetBytes) {
      throw new ParquetLayoutError(
        `rows ${range.start}..${range.end} lie in row group ${group.index} (${group.uncompressedBytes} uncompressed ` +
          `bytes, no offset index), which exceeds the ${budgetBytes}-byte memory budget`,
      )
    }
  }
}

/** Read the `id` column only (a few bytes per row): the id -> row index. */
export async function parquetReadIds(file: AsyncBuffer, metadata: FileMetaData): Promise<string[]> {
  const rows = await parquetReadObjects({ file, metadata, columns: ['id'], useOffsetIndex: true })
  return rows.map((r) => String(r.id))
}

/**
 * Read whole rows [start, end) as objects with the dataset's columns. With an offset index only the pages
 * holding those rows are fetched.
 */
export async function parquetReadRows(
  file: AsyncBuffer,
  metadata: FileMetaData,
  range: RowRange,
): Promise<Record<string, unknown>[]> {
  if (range.end <= range.start) return []
  return parquetReadObjects({
    file,
    metadata,
    rowStart: range.start,
    rowEnd: range.end,
    columns: [...DATASET_COLUMNS],
    useOffsetIndex: true,
  })
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
