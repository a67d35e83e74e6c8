/**
 * Slicing plans and the memory budget: offset-indexed column chunks cost their rows' share, chunks without an
 * offset index are read whole for any row, and a layout that cannot fit the budget is refused with an error that
 * says why (the Worker turns it into a 503 problem, never an out-of-memory crash).
 */
import type { FileMetaData } from 'hyparquet'
import { describe, expect, it } from 'vitest'
import { assertReadable, ParquetLayoutError, parquetRowGroups, planSlices } from '../../shared/parquet.ts'

const MB = 2 ** 20

/** A footer with the given row groups: [rows, [uncompressedBytes, hasOffsetIndex][] per column]. */
function footer(groups: [number, [number, boolean][]][]): FileMetaData {
  return {
    version: 2,
    schema: [{ name: 'root', num_children: 0 }],
    num_rows: BigInt(groups.reduce((n, g) => n + g[0], 0)),
    metadata_length: 0,
    row_groups: groups.map(([rows, columns]) => ({
      num_rows: BigInt(rows),
      total_byte_size: 0n,
      columns: columns.map(([bytes, indexed]) => ({
        file_offset: 0n,
        ...(indexed ? { offset_index_offset: 1n, offset_index_length: 10 } : {}),
        meta_data: {
          type: 'BYTE_ARRAY',
          encodings: [],
          path_in_schema: ['x'],
          codec: 'SNAPPY',
          num_values: BigInt(rows),
          total_uncompressed_size: BigInt(bytes),
          total_compressed_size: BigInt(Math.round(bytes / 4)),
          data_page_offset: 0n,
        },
      })),
    })),
  } as FileMetaData
}

describe('planSlices', () => {
  it('cuts row groups by the budget and never crosses a group', () => {
    const meta = footer([
      [
        100,
        [
          [100 * MB, true],
          [1 * MB, false],
        ],
      ],
      [50, [[10 * MB, true]]],
    ])
    const slices = planSlices(meta, 24 * MB)
    expect(slices[0]).toEqual({ start: 0, end: 23 }) // 24 MB / 1.01 MB per row
    expect(slices.every((s) => s.end <= 100 || s.start >= 100)).toBe(true)
    expect(slices.at(-1)).toEqual({ start: 100, end: 150 })
    expect(slices.reduce((n, s) => n + s.end - s.start, 0)).toBe(150)
    expect(parquetRowGroups(meta)[0]?.unindexedBytes).toBe(1 * MB)
  })

  it('slices a big row group without an offset index like an indexed one (pages are read one by one)', () => {
    for (const indexed of [false, true]) {
      const meta = footer([[7646, [[500 * MB, indexed]]]])
      expect(() => assertReadable(meta, { start: 3, end: 4 }, 24 * MB)).not.toThrow()
      const slices = planSlices(meta, 24 * MB)
      expect(slices.length).toBe(Math.ceil(7646 / Math.floor((24 * MB) / ((500 * MB) / 7646))))
      expect(slices.at(-1)?.end).toBe(7646)
    }
  })

  it('refuses a codec the reader cannot decompress, naming the column and codec', () => {
    const meta = footer([[10, [[1 * MB, false]]]])
    const chunk = meta.row_groups[0]?.columns[0]
    if (chunk?.meta_data) chunk.meta_data.codec = 'GZIP'
    expect(() => assertReadable(meta, { start: 3, end: 4 })).toThrow(ParquetLayoutError)
    expect(() => assertReadable(meta, { start: 3, end: 4 })).toThrow(
      /rows 3..4 lie in row group 0, whose column x is compressed with GZIP/,
    )
    expect(() => planSlices(meta)).toThrow(/GZIP/)
  })
})
