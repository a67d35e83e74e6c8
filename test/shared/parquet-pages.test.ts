/**
 * The page-level reader against files written by other tools (test/fixtures/layouts, made by make_layouts.py with
 * pyarrow, datasets and hyparquet-writer): every row range and every scan equals hyparquet's own full read of the
 * same file; the page map we build equals the writer's offset index where there is one; and a scan of a file
 * without a page index never asks for more than one page (plus a header window) at once.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type AsyncBuffer, parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet'
import { decompressPage, readDataPage, readDataPageV2 } from 'hyparquet/src/datapage.js'
import { describe, expect, it } from 'vitest'
import { parquetRangeCost, parquetReadIds, parquetReadRows, planSlices } from '../../shared/parquet.ts'
import {
  COMPRESSORS,
  leafOf,
  MAX_IDLE_PAGE_BYTES,
  PAGE_POOL,
  type PageMapJob,
  parquetOffsetIndexMap,
  parquetPageMap,
  parquetPageMapStep,
  parquetReadRange,
  parquetScanRows,
  parquetUnindexedBytes,
  parquetWalkPages,
  readLazyDataPage,
  readLazyDataPageV2,
} from '../../shared/parquet-pages.ts'

const DIR = join(import.meta.dirname, '../fixtures/layouts')
const LAYOUTS = readdirSync(DIR)
  .filter((f) => f.endsWith('.parquet'))
  .sort()
/** make_layouts.py keeps one long message in this row, so it spans pages in the small-page layouts. */
const LONG_ROW = 31

/** An in-memory AsyncBuffer that records every request. */
function countingBuffer(bytes: Uint8Array) {
  const requests: [number, number][] = []
  const file: AsyncBuffer = {
    byteLength: bytes.byteLength,
    slice(start, end = bytes.byteLength) {
      requests.push([start, end])
      return bytes.slice(start, end).buffer
    },
  }
  return { file, requests }
}

function open(name: string) {
  const bytes = new Uint8Array(readFileSync(join(DIR, name)))
  const metadata = parquetMetadata(bytes.buffer)
  return { bytes, metadata, ...countingBuffer(bytes) }
}

/** hyparquet's full read (whole column chunks, no page index): the independent reference. */
async function reference(name: string) {
  const { bytes } = open(name)
  // hyparquet's own snappy (independent of ours); zstd is not built into hyparquet.
  return parquetReadObjects({ file: bytes.buffer, compressors: { ZSTD: COMPRESSORS.ZSTD } })
}

it('has every layout of make_layouts.py', () => {
  expect(LAYOUTS).toEqual([
    'datasets.parquet',
    'hyparquet-writer.parquet',
    'pyarrow-defaults.parquet',
    'pyarrow-none.parquet',
    'pyarrow-plain.parquet',
    'pyarrow-rg20.parquet',
    'pyarrow-small-pages-index.parquet',
    'pyarrow-small-pages.parquet',
    'pyarrow-v2-small-zstd.parquet',
    'pyarrow-v2.parquet',
    'pyarrow-zstd.parquet',
    'split-rows.parquet',
  ])
})

describe.each(LAYOUTS)('%s', (name) => {
  it('reads every row range like hyparquet reads the whole file', async () => {
    const expected = await reference(name)
    const { file, metadata } = open(name)
    const n = expected.length
    expect(n).toBe(60)
    const ranges: [number, number][] = [
      [0, n],
      [0, 1],
      [n >> 1, (n >> 1) + 1],
      [n - 1, n],
      [LONG_ROW - 1, LONG_ROW + 2],
      [LONG_ROW, LONG_ROW + 1],
      [LONG_ROW + 1, LONG_ROW + 2],
      [13, 47],
      [19, 21],
      [39, 41],
    ]
    for (let r = 0; r < n; r += 7) ranges.push([r, r + 1])
    for (const [start, end] of ranges) {
      const rows = await parquetReadRange(file, metadata, { start, end })
      expect(rows, `rows ${start}..${end}`).toEqual(expected.slice(start, end))
    }
    // The dataset's row objects keep the file's column order.
    const [first] = await parquetReadRange(file, metadata, { start: 0, end: 1 })
    expect(Object.keys(first ?? {})).toEqual(Object.keys(expected[0] ?? {}))
  })

  it('scans rows in order, page by page, from the start and from inside a row group', async () => {
    const expected = await reference(name)
    const { file, metadata } = open(name)
    for (const [start, end, batchRows] of [
      [0, 60, 64],
      [0, 60, 5],
      [13, 50, 7],
      [LONG_ROW, LONG_ROW + 1, 1],
    ] as const) {
      const rows: Record<string, unknown>[] = []
      for await (const batch of parquetScanRows(file, metadata, { start, end }, { batchRows })) {
        expect(batch.length).toBeLessThanOrEqual(batchRows)
        rows.push(...batch)
      }
      expect(rows, `scan ${start}..${end}`).toEqual(expected.slice(start, end))
    }
  })

  it('reads chosen columns only', async () => {
    const expected = await reference(name)
    const { file, metadata } = open(name)
    const rows = await parquetReadRange(file, metadata, { start: 5, end: 9 }, { columns: ['id', 'task'] })
    expect(rows).toEqual(expected.slice(5, 9).map((r) => ({ id: r.id, task: r.task })))
  })

  it('builds a page map whose pages the header walk agrees with (and the offset index, where there is one)', async () => {
    const { file, metadata } = open(name)
    const map = await parquetPageMap(file, metadata)
    expect(JSON.parse(JSON.stringify(map))).toEqual(map)
    for (let g = 0; g < metadata.row_groups.length; g++) {
      const group = map.rowGroups[g] ?? {}
      expect(Object.keys(group)).toEqual([
        'id',
        'conversations.list.element.from',
        'conversations.list.element.value',
        'tools',
        'category',
        'subcategory',
        'task',
      ])
      const rows = Number(metadata.row_groups[g]?.num_rows)
      for (const [path, chunk] of Object.entries(group)) {
        expect(chunk.pages[0]?.firstRow, path).toBe(0)
        const firsts = chunk.pages.map((p) => p.firstRow)
        expect(firsts, path).toEqual([...firsts].sort((a, b) => a - b))
        // A last page may hold only the end of the last row: it starts no row, its first row is `rows`.
        expect(firsts.at(-1), path).toBeLessThanOrEqual(rows)
      }
      const indexed = await parquetOffsetIndexMap(file, metadata, g)
      if (indexed) expect(group, `row group ${g}`).toEqual(indexed)
    }
  })
})

describe('layout coverage', () => {
  it('has layouts with and without an offset index, one row group and several, many pages per chunk', async () => {
    const facts: Record<
      string,
      { groups: number; indexed: boolean; valuePages: number; splitRows: boolean; pageTypes: string[] }
    > = {}
    for (const name of LAYOUTS) {
      const { file, metadata } = open(name)
      const map = await parquetPageMap(file, metadata)
      const value = map.rowGroups.flatMap((g) => g['conversations.list.element.value']?.pages ?? [])
      const types = new Set<string>()
      for (const group of metadata.row_groups)
        for (const chunk of group.columns)
          if (chunk.meta_data)
            for await (const page of parquetWalkPages(file, chunk.meta_data)) types.add(page.type)
      facts[name] = {
        groups: metadata.row_groups.length,
        indexed: metadata.row_groups.every((g) => g.columns.every((c) => c.offset_index_length)),
        valuePages: value.length,
        // A page in which no row starts holds only the middle of a row that began before it.
        splitRows: map.rowGroups.some((g) =>
          (g['conversations.list.element.value']?.pages ?? []).some(
            (p, i, pages) => i > 0 && p.firstRow === pages[i - 1]?.firstRow,
          ),
        ),
        pageTypes: [...types].sort(),
      }
    }
    expect(facts['pyarrow-defaults.parquet']).toMatchObject({ groups: 1, indexed: false })
    expect(facts['pyarrow-rg20.parquet']).toMatchObject({ groups: 3, indexed: false })
    expect(facts['datasets.parquet']).toMatchObject({ indexed: true })
    expect(facts['pyarrow-small-pages.parquet']).toMatchObject({ indexed: false })
    expect(facts['pyarrow-small-pages.parquet']?.valuePages).toBeGreaterThan(20)
    expect(facts['pyarrow-small-pages-index.parquet']).toMatchObject({ indexed: true })
    expect(facts['pyarrow-small-pages-index.parquet']?.valuePages).toBeGreaterThan(20)
    expect(facts['split-rows.parquet']).toMatchObject({ indexed: false, splitRows: true })
    expect(Object.values(facts).filter((f) => f.splitRows)).toHaveLength(1)
    expect(facts['pyarrow-v2.parquet']?.pageTypes).toContain('DATA_PAGE_V2')
    expect(facts['pyarrow-defaults.parquet']?.pageTypes).toEqual(['DATA_PAGE', 'DICTIONARY_PAGE'])
  })
})

describe('memory of a scan without a page index', () => {
  it.each([
    'pyarrow-defaults.parquet',
    'pyarrow-small-pages.parquet',
    'pyarrow-v2-small-zstd.parquet',
    'split-rows.parquet',
  ])('%s: no request is larger than the largest page plus a header window', async (name) => {
    const headerWindow = 1024
    const { file, metadata, requests } = open(name)
    const map = await parquetPageMap(file, metadata)
    let largest = 0
    for (const group of map.rowGroups)
      for (const chunk of Object.values(group)) {
        for (const page of chunk.pages) largest = Math.max(largest, page.size)
        largest = Math.max(largest, chunk.dictionary?.size ?? 0)
      }
    requests.length = 0
    let rows = 0
    for await (const batch of parquetScanRows(file, metadata, { start: 0, end: 60 }, { headerWindow }))
      rows += batch.length
    expect(rows).toBe(60)
    const biggest = Math.max(...requests.map(([s, e]) => e - s))
    expect(biggest).toBeLessThanOrEqual(largest + headerWindow)
    // Several pages per column chunk, so "one page at a time" is not the whole chunk by accident.
    const chunkBytes = Math.max(
      ...metadata.row_groups.flatMap((g) => g.columns.map((c) => Number(c.meta_data?.total_compressed_size))),
    )
    if (name !== 'pyarrow-defaults.parquet') expect(biggest).toBeLessThan(chunkBytes)
  })
})

describe('shared/parquet.ts on every layout', () => {
  it.each(LAYOUTS)('%s: parquetReadRows and parquetReadIds equal the full read', async (name) => {
    const expected = await reference(name)
    const { file, metadata } = open(name)
    expect(await parquetReadIds(file, metadata)).toEqual(expected.map((r) => r.id))
    const slices = planSlices(metadata, 64 * 1024)
    expect(slices.length).toBeGreaterThan(1)
    const rows: Record<string, unknown>[] = []
    for (const slice of slices) rows.push(...(await parquetReadRows(file, metadata, slice)))
    expect(rows).toEqual(expected)
    const cost = await parquetRangeCost(file, metadata, { start: 30, end: 31 })
    expect(cost.compressed).toBeGreaterThan(0)
    expect(cost.compressed).toBeLessThanOrEqual(file.byteLength)
    // One row decodes at most its pages' bytes, and no more than a slice of many rows over the same pages.
    expect(cost.decoded).toBeGreaterThan(0)
    expect(cost.decoded).toBeLessThanOrEqual(cost.uncompressed)
    const wide = await parquetRangeCost(file, metadata, { start: 0, end: expected.length })
    expect(wide.decoded).toBeGreaterThan(cost.decoded)
  })
})

describe('resumable page-map build (the Worker Queue job)', () => {
  it.each(LAYOUTS)(
    '%s: small steps through JSON give the map of the chunks without an offset index',
    async (name) => {
      const { file, metadata } = open(name)
      const full = await parquetPageMap(file, metadata)
      let job: PageMapJob | undefined
      let steps = 0
      do {
        job = JSON.parse(
          JSON.stringify(await parquetPageMapStep(file, metadata, job, { maxBytes: 3000 })),
        ) as PageMapJob
        steps++
        expect(job.bytesDone).toBeLessThanOrEqual(job.bytesTotal)
      } while (!job.done && steps < 10_000)
      expect(job.done).toBe(true)
      expect(job.bytesDone).toBe(job.bytesTotal)
      expect(job.bytesTotal).toBe(parquetUnindexedBytes(metadata))
      metadata.row_groups.forEach((group, g) => {
        const expected: Record<string, unknown> = {}
        for (const chunk of group.columns) {
          const path = chunk.meta_data?.path_in_schema.join('.') ?? ''
          if (!chunk.offset_index_length) expected[path] = full.rowGroups[g]?.[path]
        }
        expect(job?.map.rowGroups[g], `row group ${g}`).toEqual(expected)
      })
      if (job.bytesTotal > 6000) expect(steps).toBeGreaterThan(1)
      // Reads with the job's map equal the full read.
      const expected = await reference(name)
      expect(await parquetReadRange(file, metadata, { start: 29, end: 33 }, { pageMap: job.map })).toEqual(
        expected.slice(29, 33),
      )
    },
  )
})

describe('pooled page buffers (range reads)', () => {
  it('reuse released buffers, and no row read concurrently points into one (released buffers are poisoned)', async () => {
    PAGE_POOL.poison = true
    const before = { ...PAGE_POOL.counts }
    try {
      for (const name of LAYOUTS) {
        const expected = await reference(name)
        const { file, metadata } = open(name)
        const n = expected.length
        const ranges: [number, number][] = []
        for (let r = 0; r < n; r += 3) ranges.push([r, Math.min(n, r + 1 + (r % 5))])
        ranges.push([0, n], [LONG_ROW, LONG_ROW + 1])
        // All reads in flight together, compared only once every one has ended and released its buffers
        // (which the poison then overwrote): a row holding a view into a pooled page would read 0xA5 bytes.
        const results = await Promise.all(
          ranges.map(([start, end]) => parquetReadRange(file, metadata, { start, end })),
        )
        for (const [i, [start, end]] of ranges.entries()) {
          expect(results[i], `${name} rows ${start}..${end}`).toEqual(expected.slice(start, end))
        }
      }
    } finally {
      PAGE_POOL.poison = false
    }
    const taken = PAGE_POOL.counts.taken - before.taken
    const released = PAGE_POOL.counts.released - before.released
    // The snappy and zstd layouts decompress their string pages into the pool; every one comes back.
    expect(taken).toBeGreaterThan(100)
    expect(released).toBe(taken)
    expect(PAGE_POOL.counts.reused - before.reused).toBeGreaterThan(taken / 2)
    expect(PAGE_POOL.idleBytes).toBeLessThanOrEqual(MAX_IDLE_PAGE_BYTES)
  })
})

describe('pooled page buffers (scans)', () => {
  it('a scan gives each page back once its values are taken, and no row points into a given-back page', async () => {
    PAGE_POOL.poison = true
    try {
      for (const name of LAYOUTS) {
        const expected = await reference(name)
        const { file, metadata } = open(name)
        const before = { ...PAGE_POOL.counts }
        // Small batches: pages are given back (and poisoned) while the scan goes on; the rows are compared only
        // after the whole scan, so a value still pointing into a page given back early would read 0xA5 bytes.
        const rows: Record<string, unknown>[] = []
        let peakHeld = 0
        for await (const batch of parquetScanRows(
          file,
          metadata,
          { start: 0, end: expected.length },
          { batchRows: 2 },
        )) {
          rows.push(...batch)
          peakHeld = Math.max(peakHeld, PAGE_POOL.counts.taken - PAGE_POOL.counts.released)
        }
        expect(rows, name).toEqual(expected)
        const taken = PAGE_POOL.counts.taken - before.taken
        expect(PAGE_POOL.counts.released - before.released, `${name}: every pooled page comes back`).toBe(
          taken,
        )
        if (taken > 20) {
          // Pages go back during the scan, not all at the end of the row group: a few in use at a time.
          expect(peakHeld, `${name}: pooled pages in use at once (of ${taken})`).toBeLessThan(taken / 2)
        }
      }
    } finally {
      PAGE_POOL.poison = false
    }
  })
})

describe("the string leaves' page decoders", () => {
  it.each(LAYOUTS)("%s: every data page decodes to what hyparquet's page decoders give", async (name) => {
    const { bytes, metadata, file } = open(name)
    const tree = parquetSchema(metadata)
    const seen = { v1: 0, v2: 0, dictionary: 0, plain: 0 }
    for (const group of metadata.row_groups) {
      for (const chunk of group.columns) {
        const meta = chunk.meta_data
        if (meta?.type !== 'BYTE_ARRAY') continue
        const leaf = leafOf(tree, meta)
        // hyparquet's decoders with hyparquet's own snappy: only zstd comes from us.
        const decoder = { ...leaf.decoder, compressors: { ZSTD: COMPRESSORS.ZSTD } }
        for await (const info of parquetWalkPages(file, meta)) {
          const start = info.offset + info.headerSize
          const body = bytes.subarray(start, start + info.compressedSize)
          let ours: ReturnType<typeof readLazyDataPage>
          let ref: {
            definitionLevels?: ArrayLike<number>
            repetitionLevels: ArrayLike<number>
            dataPage: ArrayLike<unknown>
          }
          if (info.type === 'DATA_PAGE' && info.header.data_page_header) {
            const daph = info.header.data_page_header
            const page = decompressPage(
              body,
              info.header.uncompressed_page_size,
              meta.codec,
              decoder.compressors,
            )
            ours = readLazyDataPage(page, daph, leaf)
            ref = readDataPage(page, daph, decoder)
            seen.v1++
          } else if (info.type === 'DATA_PAGE_V2') {
            ours = readLazyDataPageV2(body, info.header, leaf, decoder)
            ref = readDataPageV2(body, info.header, decoder)
            seen.v2++
          } else {
            continue
          }
          if (!ours) throw new Error(`${name}: a ${info.type} page the lazy decoder does not take`)
          expect(Array.from(ours.repetitionLevels)).toEqual(Array.from(ref.repetitionLevels))
          // hyparquet drops definition levels that are all at the maximum.
          const refDef = ref.definitionLevels?.length
            ? Array.from(ref.definitionLevels)
            : new Array(info.numValues).fill(leaf.maxDef)
          expect(Array.from(ours.definitionLevels ?? [])).toEqual(leaf.maxDef ? refDef : [])
          expect(ours.dataPage.length).toBe(ref.dataPage.length)
          if (ours.dataPage instanceof Int32Array) {
            seen.dictionary++
            expect(Array.from(ours.dataPage)).toEqual(Array.from(ref.dataPage as ArrayLike<number>))
          } else {
            seen.plain++
            for (let i = 0; i < ours.dataPage.length; i++) {
              expect(ours.dataPage[i]).toEqual(ref.dataPage[i])
            }
          }
        }
      }
    }
    expect(seen.v1 + seen.v2).toBeGreaterThan(0)
    expect(seen.dictionary + seen.plain).toBe(seen.v1 + seen.v2)
  })

  it('covers v1 and v2 pages, dictionary and plain', async () => {
    const kinds = new Set<string>()
    for (const name of LAYOUTS) {
      const { metadata, file } = open(name)
      for (const group of metadata.row_groups) {
        for (const chunk of group.columns) {
          const meta = chunk.meta_data
          if (meta?.type !== 'BYTE_ARRAY') continue
          for await (const info of parquetWalkPages(file, meta)) {
            const daph = info.header.data_page_header ?? info.header.data_page_header_v2
            if (daph)
              kinds.add(
                `${info.type} ${daph.encoding.endsWith('_DICTIONARY') ? 'dictionary' : daph.encoding}`,
              )
          }
        }
      }
    }
    expect([...kinds].sort()).toEqual([
      'DATA_PAGE PLAIN',
      'DATA_PAGE dictionary',
      'DATA_PAGE_V2 PLAIN',
      'DATA_PAGE_V2 dictionary',
    ])
  })
})
