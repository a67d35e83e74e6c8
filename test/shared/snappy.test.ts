/**
 * Our snappy decoder (and the WebAssembly one the Node side uses) against hyparquet's (an independent implementation) on every snappy page of the layout
 * fixtures that real writers produced, and on hand-built streams; malformed streams throw, never read or write
 * out of bounds.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parquetMetadata } from 'hyparquet'
import { parquetHeader } from 'hyparquet/src/column.js'
import { snappyUncompress } from 'hyparquet/src/snappy.js'
import { snappyUncompressor } from 'hysnappy'
import { describe, expect, it } from 'vitest'
import { writeSnappyWasm } from '../../scripts/lib/snappy-wasm-file.ts'
import { SnappyError, snappyDecompress, snappyDecompressPrefix } from '../../shared/snappy.ts'
import { snappyWasmDecoder } from '../../shared/snappy-wasm.ts'

const LAYOUTS = join(import.meta.dirname, '../fixtures/layouts')

/** Every compressed page body of the snappy column chunks of a file. */
function snappyPages(name: string): { body: Uint8Array; size: number }[] {
  const bytes = readFileSync(join(LAYOUTS, name))
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
  const pages: { body: Uint8Array; size: number }[] = []
  for (const group of parquetMetadata(ab).row_groups) {
    for (const column of group.columns) {
      const meta = column.meta_data
      if (meta === undefined) continue
      if (meta.codec !== 'SNAPPY') continue
      let pos = Number(meta.dictionary_page_offset ?? meta.data_page_offset)
      const end = pos + Number(meta.total_compressed_size)
      while (pos < end) {
        const reader = { view: new DataView(ab, pos), offset: 0 }
        const header = parquetHeader(reader)
        const start = pos + reader.offset
        const body = new Uint8Array(ab, start, header.compressed_page_size)
        // v2 pages keep their levels uncompressed in front of the snappy stream.
        const levels =
          header.type === 'DATA_PAGE_V2'
            ? (header.data_page_header_v2?.definition_levels_byte_length ?? 0) +
              (header.data_page_header_v2?.repetition_levels_byte_length ?? 0)
            : 0
        if (header.type !== 'DATA_PAGE_V2' || header.data_page_header_v2?.is_compressed !== false) {
          pages.push({ body: body.subarray(levels), size: header.uncompressed_page_size - levels })
        }
        pos = start + header.compressed_page_size
      }
    }
  }
  return pages
}

const wasm = snappyUncompressor()
/** The Worker's decoder: the module file `npm install` writes, through shared/snappy-wasm.ts. */
const workerModule = new WebAssembly.Module(readFileSync(writeSnappyWasm()))
const workerWasm = snappyWasmDecoder(workerModule)
/** The same with a tiny page cap: every page falls back to the JavaScript decoder. */
const workerFallback = snappyWasmDecoder(workerModule, 16)

describe('snappyDecompress', () => {
  const files = ['pyarrow-defaults.parquet', 'pyarrow-rg20.parquet', 'pyarrow-v2.parquet', 'datasets.parquet']
  it.each(files)('%s: every snappy page decodes exactly as hyparquet decodes it', (name) => {
    const pages = snappyPages(name)
    expect(pages.length).toBeGreaterThan(0)
    let bytes = 0
    for (const page of pages) {
      const expected = new Uint8Array(page.size)
      snappyUncompress(page.body, expected)
      expect(Buffer.from(snappyDecompress(page.body, page.size)).equals(Buffer.from(expected))).toBe(true)
      // The Node side's WebAssembly decoder (scripts/lib/local-parquet.ts) too.
      expect(Buffer.from(wasm(page.body, page.size)).equals(Buffer.from(expected))).toBe(true)
      // The Worker's, into a dirty reused buffer (as the page pool hands them out).
      for (const decode of [workerWasm, workerFallback]) {
        const dirty = new Uint8Array(page.size).fill(0xa5)
        expect(Buffer.from(decode(page.body, dirty)).equals(Buffer.from(expected))).toBe(true)
      }
      bytes += page.size
    }
    expect(bytes).toBeGreaterThan(5_000)
  })

  it.each(files)('%s: a decoded prefix equals the start of the whole page, for any limit', (name) => {
    let prefixes = 0
    for (const page of snappyPages(name)) {
      const whole = snappyDecompress(page.body, page.size)
      for (const limit of [1, 4, 100, 4096, page.size >> 1, page.size - 1]) {
        if (limit < 1 || limit >= page.size) continue
        const head = snappyDecompressPrefix(page.body, page.size, limit)
        // At least `limit` bytes unless an element would not fit the prefix's buffer (limit + 64 KiB).
        expect(head.length).toBeLessThanOrEqual(page.size)
        if (limit + 65536 >= page.size) expect(head.length).toBeGreaterThanOrEqual(limit)
        expect(Buffer.from(head).equals(Buffer.from(whole.subarray(0, head.length)))).toBe(true)
        if (head.length >= limit) prefixes++
      }
    }
    expect(prefixes).toBeGreaterThan(10)
  })

  it('decodes literals, short and long copies, overlapping runs and 4-byte offsets', () => {
    // "abcd" literal, copy 1-byte offset (len 8, offset 4) -> "abcdabcdabcd", copy 2-byte offset overlapping
    // (len 30, offset 1) -> 30 x "d", literal of 61 bytes via a 1-byte length, copy 4-byte offset (len 40).
    const long = new Uint8Array(61).map((_, i) => 65 + (i % 26))
    const stream = [
      0, // the preamble (the total length as a varint), set below
      0,
      (4 - 1) << 2,
      ...[97, 98, 99, 100],
      (1 | ((8 - 4) << 2)) & 0xff,
      4,
      2 | ((30 - 1) << 2),
      1,
      0,
      (60 << 2) | 0,
      61 - 1,
      ...long,
      3 | ((40 - 1) << 2),
      50,
      0,
      0,
      0,
    ]
    const total = 4 + 8 + 30 + 61 + 40
    stream[0] = (total & 0x7f) | 0x80
    stream[1] = total >> 7
    const out = snappyDecompress(Uint8Array.from(stream), total)
    const text = Buffer.from(out).toString('latin1')
    const lit = Buffer.from(long).toString('latin1')
    const before = `abcdabcdabcd${'d'.repeat(30)}${lit}`
    expect(text).toBe(before + before.slice(before.length - 50, before.length - 10))
  })

  it('throws SnappyError on truncated, inconsistent or out-of-range streams', () => {
    const bad: [number[], number][] = [
      [[], 0],
      [[5], 4], // declared 5, header says 4
      [[4, 0x0c, 97], 4], // literal of 4 with 1 byte
      [[4, 0x01 | (0 << 2), 9], 4], // copy before any output
      [[8, 0x0c, 97, 98, 99, 100, 0x01 | (4 << 2), 4], 8], // copy of 8 runs past the declared length
      [[8, 0x0c, 97, 98, 99, 100], 8], // ends early
      [[0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 1], // endless varint
    ]
    for (const [stream, size] of bad) {
      expect(() => snappyDecompress(Uint8Array.from(stream), size)).toThrow(SnappyError)
      expect(() => workerWasm(Uint8Array.from(stream), new Uint8Array(size))).toThrow(SnappyError)
    }
  })
})
