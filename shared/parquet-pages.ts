/**
 * A page-level parquet reader for every layout real writers produce (pyarrow defaults with one row group and no
 * page index, small row groups, data page v2, snappy / zstd / none, `datasets` with a page index, hyparquet-writer).
 *
 * hyparquet reads a column chunk whole unless the file has an offset index; this module never does. It reads
 * page headers with small range reads (`parquetWalkPages`), records where each page starts and which row it starts
 * with when the file has no offset index (`parquetPageMap`, "our own page index", JSON-serialisable), reads a row
 * range through the pages that hold it (`parquetReadRange`), and scans rows page by page with one decoded page per
 * leaf column in memory (`parquetScanRows`). Page decoding, dictionary conversion and Dremel assembly are
 * hyparquet's own functions, so the rows equal what `parquetReadObjects` returns.
 *
 * Runtime-neutral: all I/O goes through the caller's `AsyncBuffer`.
 */
import { decompress as zstdDecompress } from 'fzstd'
import {
  type AsyncBuffer,
  type ColumnChunk,
  type ColumnMetaData,
  type Compressors,
  type DecodedArray,
  type Encoding,
  type FileMetaData,
  type PageHeader,
  parquetSchema,
  readOffsetIndex,
  type SchemaTree,
} from 'hyparquet'
import { assembleLists, assembleNested } from 'hyparquet/src/assemble.js'
import { parquetHeader } from 'hyparquet/src/column.js'
import { convert, convertWithDictionary, DEFAULT_PARSERS } from 'hyparquet/src/convert.js'
import { decompressPage, readDataPage, readDataPageV2 } from 'hyparquet/src/datapage.js'
import { readRleBitPackedHybrid } from 'hyparquet/src/encoding.js'
import { readPlain } from 'hyparquet/src/plain.js'
import { getMaxDefinitionLevel, getMaxRepetitionLevel, getTreePath } from 'hyparquet/src/schema.js'
import { BufferPool } from './buffer-pool.ts'
import { snappyDecompress, snappyDecompressInto, snappyDecompressPrefix } from './snappy.ts'

/** hyparquet's per-column decoding parameters (not exported by name). */
type ColumnDecoder = Parameters<typeof readDataPage>[2]

/** Bytes read at once when looking for a page header (headers are tens of bytes; statistics can be longer). */
export const HEADER_WINDOW = 64 * 1024

/** A header that does not fit this many bytes is not a page header (a corrupt or misread file). */
const MAX_HEADER_BYTES = 16 * 1024 * 1024

/**
 * Codecs: snappy by our block-copying decoder (shared/snappy.ts; hyparquet's copies byte by byte), zstd in pure JS
 * (pyarrow's `compression='zstd'`).
 */
export const COMPRESSORS: Compressors = {
  SNAPPY: snappyDecompress,
  ZSTD: (input, outputLength) => zstdDecompress(input, new Uint8Array(outputLength)),
}

/** Decoders that write into a given buffer of the exact length (pooled page buffers, see `PAGE_POOL`). */
const DECODE_INTO: Partial<Record<keyof Compressors, (input: Uint8Array, output: Uint8Array) => Uint8Array>> =
  {
    SNAPPY: snappyDecompressInto,
    ZSTD: (input, output) => zstdDecompress(input, output),
  }

/**
 * Idle page buffers kept for reuse at most: two pyarrow pages (~4 MB each decompressed), about what the
 * isolate's memory gate lets run at once for cold traces. Reads and scans decompress string pages into pooled
 * buffers: a data page's buffer goes back once its last value is taken (taken values are strings or copies), the
 * dictionary page's when the row group ends.
 */
export const MAX_IDLE_PAGE_BYTES = 8 * 1024 * 1024

/** The process's pool of decompressed page buffers (shared/buffer-pool.ts). */
export const PAGE_POOL = new BufferPool(MAX_IDLE_PAGE_BYTES)

/**
 * Replace a codec's decoder in this process: the Worker and the Node side both plug in the WebAssembly snappy
 * (shared/snappy-wasm.ts), each compiling the module its own way. `decodeInto` writes exactly `output.length`
 * bytes into `output` (a possibly reused buffer) or throws.
 */
export function parquetUseCodec(
  codec: 'SNAPPY' | 'ZSTD',
  decodeInto: (input: Uint8Array, output: Uint8Array) => Uint8Array,
): void {
  COMPRESSORS[codec] = (input, outputLength) => decodeInto(input, new Uint8Array(outputLength))
  DECODE_INTO[codec] = decodeInto
}

/** One page of a column chunk, as its header describes it. */
export interface PageInfo {
  /** File offset of the page header. */
  offset: number
  headerSize: number
  /** Bytes after the header (the spec's `compressed_page_size`). */
  compressedSize: number
  type: PageHeader['type']
  /** Level entries in the page (values including nulls and list entries). */
  numValues: number
  /** Rows in the page (data page v2 only: v2 pages start at row boundaries). */
  numRows?: number
  header: PageHeader
}

/** A page header with its body (compressed bytes). */
interface RawPage {
  info: PageInfo
  body: Uint8Array
}

/**
 * A chunk's dictionary page, fetched only if a data page read needs it: pyarrow falls back to plain pages once a
 * chunk's dictionary is full (~1 MB), so most rows of a big text column never use it.
 */
interface DeferredDictionary {
  deferred: () => Promise<RawPage>
}

/** Where a page is: the parquet `PageLocation` in numbers, so it survives JSON. */
export interface PageLocationJson {
  /** File offset of the page header. */
  offset: number
  /** Header plus compressed body bytes (like the offset index's `compressed_page_size`). */
  size: number
  /** Row (relative to the row group) of the first row that starts in this page. */
  firstRow: number
}

/** The pages of one column chunk. */
export interface ChunkPageMap {
  /** The dictionary page, when the chunk has one: [offset, size incl. header]. */
  dictionary?: { offset: number; size: number }
  pages: PageLocationJson[]
  /** Rows starting in the last page, while a resumable build is in the middle of the chunk. */
  lastRows?: number
}

/**
 * "Our own page index" for a file without one: for each row group, the pages of each needed leaf column
 * (keyed by dotted `path_in_schema`). JSON-serialisable, to be stored next to the file (keyed by its sha).
 */
export interface ParquetPageMap {
  version: 1
  rowGroups: Record<string, ChunkPageMap>[]
}

/** Byte range [start, end) of a column chunk (dictionary page included). */
export function chunkByteRange(meta: ColumnMetaData): { start: number; end: number } {
  const data = Number(meta.data_page_offset)
  const dict = meta.dictionary_page_offset === undefined ? undefined : Number(meta.dictionary_page_offset)
  // Some writers set dictionary_page_offset to 0 for "none"; a dictionary always precedes the data pages.
  const start = dict !== undefined && dict > 0 && dict < data ? dict : data
  return { start, end: start + Number(meta.total_compressed_size) }
}

/**
 * An AsyncBuffer that can also answer with a view (the Worker's block cache: a cold read's bytes stay in the
 * buffer they arrived in). The page reader prefers `sliceView`; the view is read, never written.
 */
export interface ViewAsyncBuffer extends AsyncBuffer {
  sliceView?: (start: number, end?: number) => Uint8Array | Promise<Uint8Array>
}

async function readBytes(file: ViewAsyncBuffer, start: number, end: number): Promise<Uint8Array> {
  if (file.sliceView) {
    const view = await file.sliceView(start, end)
    return view.subarray(0, Math.min(view.byteLength, end - start))
  }
  const buf = await file.slice(start, end)
  // An AsyncBuffer may return more than asked for: clamp.
  return new Uint8Array(buf, 0, Math.min(buf.byteLength, end - start))
}

function pageInfo(offset: number, headerSize: number, header: PageHeader): PageInfo {
  const v2 = header.data_page_header_v2
  const numValues =
    header.data_page_header?.num_values ?? v2?.num_values ?? header.dictionary_page_header?.num_values ?? 0
  const info: PageInfo = {
    offset,
    headerSize,
    compressedSize: header.compressed_page_size,
    type: header.type,
    numValues,
    header,
  }
  if (v2) info.numRows = v2.num_rows
  return info
}

/**
 * Walk the pages of a column chunk from its first byte: header read-aheads of `windowBytes` bytes; a header cut by the end
 * of a read-ahead is read again from its start with a bigger read-ahead. With `bodies`, each page's compressed bytes are
 * returned too, read together with the next header read-ahead (one request per page); memory holds one page at a time.
 */
async function* walkChunk(
  file: AsyncBuffer,
  meta: ColumnMetaData,
  bodies: boolean,
  windowBytes = HEADER_WINDOW,
  from?: number,
): AsyncGenerator<RawPage> {
  const { start, end } = chunkByteRange(meta)
  let pos = from ?? start
  let buf: Uint8Array = new Uint8Array(0)
  let bufStart = start
  while (pos < end) {
    let header: PageHeader | undefined
    let headerSize = 0
    for (let size = windowBytes; header === undefined; size *= 2) {
      const at = pos - bufStart
      if (at < 0 || at >= buf.length || size > windowBytes) {
        buf = await readBytes(file, pos, Math.min(end, pos + size))
        bufStart = pos
      }
      const off = pos - bufStart
      const view = new DataView(buf.buffer, buf.byteOffset + off, buf.length - off)
      const reader = { view, offset: 0 }
      try {
        const parsed = parquetHeader(reader)
        // Thrift strings are read from the underlying buffer: a header longer than the bytes read was cut.
        if (reader.offset > view.byteLength) throw new RangeError('page header cut by the read-ahead')
        header = parsed
        headerSize = reader.offset
      } catch (err) {
        // Cut by the read-ahead: read again, bigger. Anything else is a broken file.
        if (bufStart + buf.length >= end || size >= MAX_HEADER_BYTES) throw err
      }
    }
    if (header.type === undefined || !Number.isInteger(header.compressed_page_size)) {
      throw new Error(
        `parquet column ${meta.path_in_schema.join('.')}: no page header at byte ${pos} (a corrupt file or footer)`,
      )
    }
    const info = pageInfo(pos, headerSize, header)
    const bodyStart = pos + headerSize
    const bodyEnd = bodyStart + info.compressedSize
    let body: Uint8Array = new Uint8Array(0)
    if (bodies) {
      if (bodyEnd > bufStart + buf.length) {
        // The body leaves the read-ahead: fetch it with the next header read-ahead in one request.
        buf = await readBytes(file, bodyStart, Math.min(end, bodyEnd + windowBytes))
        bufStart = bodyStart
      }
      body = buf.subarray(bodyStart - bufStart, bodyEnd - bufStart)
    }
    yield { info, body }
    pos = bodyEnd
  }
}

/**
 * The headers of every page of a column chunk, in file order (dictionary page first), read through read-aheads of
 * `windowBytes` bytes: header bytes only, never the page bodies (beyond what a read-ahead holds).
 */
export async function* parquetWalkPages(
  file: AsyncBuffer,
  meta: ColumnMetaData,
  windowBytes = HEADER_WINDOW,
): AsyncGenerator<PageInfo> {
  for await (const { info } of walkChunk(file, meta, false, windowBytes)) yield info
}

/** The schema path and decoder of one leaf column. */
export interface Leaf {
  path: string
  pathInSchema: string[]
  schemaPath: SchemaTree[]
  decoder: ColumnDecoder
  maxDef: number
  maxRep: number
}

/** The leaf column of a chunk (exported for the page decoders' tests). */
export function leafOf(tree: SchemaTree, meta: ColumnMetaData): Leaf {
  const schemaPath = getTreePath(tree, meta.path_in_schema)
  const element = schemaPath[schemaPath.length - 1]?.element
  if (!element) throw new Error(`parquet schema has no leaf ${meta.path_in_schema.join('.')}`)
  return {
    path: meta.path_in_schema.join('.'),
    pathInSchema: meta.path_in_schema,
    schemaPath,
    decoder: {
      pathInSchema: meta.path_in_schema,
      type: meta.type,
      element,
      schemaPath,
      codec: meta.codec,
      parsers: DEFAULT_PARSERS,
      compressors: COMPRESSORS,
      utf8: true,
    },
    maxDef: getMaxDefinitionLevel(schemaPath),
    maxRep: getMaxRepetitionLevel(schemaPath),
  }
}

/** Leaf column chunks of a row group under the given top-level columns (all when undefined), in file order. */
function groupLeaves(
  metadata: FileMetaData,
  tree: SchemaTree,
  group: number,
  columns?: readonly string[],
): { chunk: ColumnChunk; meta: ColumnMetaData; leaf: Leaf }[] {
  const out: { chunk: ColumnChunk; meta: ColumnMetaData; leaf: Leaf }[] = []
  for (const chunk of metadata.row_groups[group]?.columns ?? []) {
    const meta = chunk.meta_data
    if (!meta)
      throw new Error('parquet column chunk without metadata (external column chunks are not supported)')
    const top = meta.path_in_schema[0] ?? ''
    if (columns && !columns.includes(top)) continue
    out.push({ chunk, meta, leaf: leafOf(tree, meta) })
  }
  return out
}

const bitWidth = (value: number) => 32 - Math.clz32(value)

/**
 * Bytes of a snappy page decoded first when only its repetition levels are wanted: they lead a v1 page (a 4-byte
 * length, then the levels), a few KB for pages of ~50 rows. A page whose levels are longer is decoded whole.
 */
const LEVELS_PREFIX_BYTES = 64 * 1024

/** The decompressed start of a v1 page that holds its repetition levels (the whole page when needed). */
function levelsPrefix(body: Uint8Array, info: PageInfo, leaf: Leaf): Uint8Array {
  const size = info.header.uncompressed_page_size
  if (leaf.decoder.codec === 'SNAPPY') {
    const head = snappyDecompressPrefix(body, size, LEVELS_PREFIX_BYTES)
    if (head.length >= 4) {
      const levels = new DataView(head.buffer, head.byteOffset, 4).getUint32(0, true)
      if (4 + levels <= head.length) return head
    }
  }
  return decompressPage(body, size, leaf.decoder.codec, COMPRESSORS)
}

/**
 * Rows starting in a data page v1 of a repeated column: decode its repetition levels only (for snappy, only the
 * start of the page is decompressed: a full-scale page map walked ~700 MB of decompressed pages otherwise).
 */
function rowStartsV1(body: Uint8Array, info: PageInfo, leaf: Leaf): number {
  const page = levelsPrefix(body, info, leaf)
  const levels = new Array<number>(info.numValues)
  const reader = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 }
  readRleBitPackedHybrid(reader, bitWidth(leaf.maxRep), levels)
  let starts = 0
  for (const level of levels) if (level === 0) starts++
  return starts
}

/**
 * Walk one column chunk and record its pages: offset, size and first row. Flat columns need headers only (one
 * level entry per row); v2 pages carry their row count; repeated v1 pages are decompressed one at a time to count
 * the rows that start in them (repetition level 0).
 */
async function chunkPageMap(file: AsyncBuffer, meta: ColumnMetaData, leaf: Leaf): Promise<ChunkPageMap> {
  const map: ChunkPageMap = { pages: [] }
  await mapPages(file, meta, leaf, map, undefined, Infinity)
  return map
}

/**
 * Add the pages of a chunk to `map`, from byte `from` (default: the chunk's start; the first row of the page there
 * follows from the pages already in `map`) until the chunk ends or `maxBytes` of pages have been walked.
 * Returns the offset of the next page header, or undefined when the chunk is done.
 */
async function mapPages(
  file: AsyncBuffer,
  meta: ColumnMetaData,
  leaf: Leaf,
  map: ChunkPageMap,
  from: number | undefined,
  maxBytes: number,
): Promise<{ next?: number; bytes: number }> {
  const last = map.pages[map.pages.length - 1]
  let row = last ? last.firstRow + (map.lastRows ?? 0) : 0
  let bytes = 0
  const needBodies = leaf.maxRep > 0
  for await (const { info, body } of walkChunk(file, meta, needBodies, HEADER_WINDOW, from)) {
    if (bytes >= maxBytes) return { next: info.offset, bytes }
    const size = info.headerSize + info.compressedSize
    bytes += size
    if (info.type === 'DICTIONARY_PAGE') {
      map.dictionary = { offset: info.offset, size }
      continue
    }
    if (info.type !== 'DATA_PAGE' && info.type !== 'DATA_PAGE_V2') continue
    map.pages.push({ offset: info.offset, size, firstRow: row })
    let rows: number
    if (leaf.maxRep === 0) rows = info.numRows ?? info.numValues
    else if (info.numRows !== undefined) rows = info.numRows
    else rows = rowStartsV1(body, info, leaf)
    row += rows
    map.lastRows = rows
  }
  delete map.lastRows
  return { bytes }
}

/**
 * A resumable page-map build (a Queue job: each step walks a bounded number of bytes and returns the state to
 * store; the next step continues from it). Only chunks without an offset index are mapped.
 */
export interface PageMapJob {
  version: 1
  /** The chunks mapped so far (the one in progress included). */
  map: ParquetPageMap
  /** The chunk in progress: row group and leaf (index among the group's leaves of `columns`). */
  group: number
  leaf: number
  /** File offset of the next page header of that chunk (undefined: its start). */
  offset?: number
  done: boolean
  /** Compressed bytes walked so far, and in all chunks to map (progress). */
  bytesDone: number
  bytesTotal: number
}

/** Chunks of a file without an offset index, in walking order. */
function unindexedChunks(metadata: FileMetaData, columns?: readonly string[]) {
  const tree = parquetSchema(metadata)
  return metadata.row_groups.map((_, g) =>
    groupLeaves(metadata, tree, g, columns).filter(
      ({ chunk }) => !chunk.offset_index_offset || !chunk.offset_index_length,
    ),
  )
}

/** Compressed bytes of the chunks without an offset index: what a page-map build walks (0: nothing to build). */
export function parquetUnindexedBytes(metadata: FileMetaData, columns?: readonly string[]): number {
  let bytes = 0
  for (const group of unindexedChunks(metadata, columns))
    for (const { meta } of group) bytes += Number(meta.total_compressed_size)
  return bytes
}

/**
 * One step of a resumable page-map build: continue `job` (or start one) and walk about `maxBytes` of pages (at
 * least one page). Memory: one page at a time. When `done`, `job.map` is the file's page map.
 */
export async function parquetPageMapStep(
  file: AsyncBuffer,
  metadata: FileMetaData,
  job: PageMapJob | undefined,
  options: { maxBytes: number; columns?: readonly string[] },
): Promise<PageMapJob> {
  const chunks = unindexedChunks(metadata, options.columns)
  const state: PageMapJob = job ?? {
    version: 1,
    map: { version: 1, rowGroups: metadata.row_groups.map(() => ({})) },
    group: 0,
    leaf: 0,
    done: false,
    bytesDone: 0,
    bytesTotal: parquetUnindexedBytes(metadata, options.columns),
  }
  let budget = options.maxBytes
  while (!state.done && budget > 0) {
    const group = chunks[state.group]
    const entry = group?.[state.leaf]
    if (!group || !entry) {
      if (state.group >= chunks.length) state.done = true
      else {
        state.group++
        state.leaf = 0
      }
      continue
    }
    const groupMap = state.map.rowGroups[state.group] as Record<string, ChunkPageMap>
    const chunkMap = groupMap[entry.leaf.path] ?? { pages: [] }
    groupMap[entry.leaf.path] = chunkMap
    const { next, bytes } = await mapPages(file, entry.meta, entry.leaf, chunkMap, state.offset, budget)
    budget -= bytes
    state.bytesDone += bytes
    if (next === undefined) {
      state.leaf++
      delete state.offset
    } else state.offset = next
  }
  return state
}

/**
 * Build the page map of a file (or of some row groups): for every leaf column of `columns` (default: all), where
 * each page is and the first row that starts in it. Reads headers only for flat columns; the bodies of repeated
 * v1 pages one at a time. Chunks that have an offset index are mapped too (the test compares both).
 */
export async function parquetPageMap(
  file: AsyncBuffer,
  metadata: FileMetaData,
  options: { columns?: readonly string[]; rowGroups?: readonly number[] } = {},
): Promise<ParquetPageMap> {
  const tree = parquetSchema(metadata)
  const map: ParquetPageMap = { version: 1, rowGroups: metadata.row_groups.map(() => ({})) }
  const groups = options.rowGroups ?? metadata.row_groups.map((_, i) => i)
  for (const g of groups) {
    const entry = map.rowGroups[g]
    if (!entry) continue
    for (const { meta, leaf } of groupLeaves(metadata, tree, g, options.columns)) {
      entry[leaf.path] = await chunkPageMap(file, meta, leaf)
    }
  }
  return map
}

/** Offset indexes already read, per column chunk (the metadata objects live as long as their file is open). */
const offsetIndexMemo = new WeakMap<ColumnChunk, ChunkPageMap>()

/** Page locations of a column chunk from its offset index (undefined without one). */
async function offsetIndexPages(
  file: AsyncBuffer,
  chunk: ColumnChunk,
  meta: ColumnMetaData,
): Promise<ChunkPageMap | undefined> {
  if (!chunk.offset_index_offset || !chunk.offset_index_length) return undefined
  const known = offsetIndexMemo.get(chunk)
  if (known) return known
  const start = Number(chunk.offset_index_offset)
  const bytes = await readBytes(file, start, start + chunk.offset_index_length)
  const locations = readOffsetIndex({
    view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    offset: 0,
  }).page_locations
  const pages = locations.map((p) => ({
    offset: Number(p.offset),
    size: p.compressed_page_size,
    firstRow: Number(p.first_row_index),
  }))
  const map: ChunkPageMap = { pages }
  const first = pages[0]?.offset
  const { start: chunkStart } = chunkByteRange(meta)
  // The dictionary page (if any) lies between the chunk's start and the first data page.
  if (first !== undefined && chunkStart < first)
    map.dictionary = { offset: chunkStart, size: first - chunkStart }
  offsetIndexMemo.set(chunk, map)
  return map
}

/**
 * The page locations of every leaf chunk of one row group from the file's offset index, as a page map
 * (undefined when some chunk has no offset index).
 */
export async function parquetOffsetIndexMap(
  file: AsyncBuffer,
  metadata: FileMetaData,
  group: number,
  columns?: readonly string[],
): Promise<Record<string, ChunkPageMap> | undefined> {
  const out: Record<string, ChunkPageMap> = {}
  for (const { chunk, meta, leaf } of groupLeaves(metadata, parquetSchema(metadata), group, columns)) {
    const pages = await offsetIndexPages(file, chunk, meta)
    if (!pages) return undefined
    out[leaf.path] = pages
  }
  return out
}

/** Pages of a chunk that can hold rows [lo, hi) of its group (a repeated row may continue into later pages). */
function selectPages(pages: PageLocationJson[], groupRows: number, lo: number, hi: number, flat: boolean) {
  let from = -1
  let to = -1
  for (let i = 0; i < pages.length; i++) {
    const first = (pages[i] as PageLocationJson).firstRow
    const next = pages[i + 1]?.firstRow ?? groupRows
    // Row lo starts in the one page with first <= lo < next.
    if (from < 0 && first <= lo && lo < next) from = i
    // Pages starting at row hi may still hold the end of row hi - 1 (repeated columns only).
    if (flat ? first < hi : first <= hi) to = i
  }
  if (from < 0) from = 0
  return pages.slice(from, to + 1)
}

/** Pages from known locations: the dictionary, then the selected data pages, fetched together or one by one. */
async function* locatedPages(
  file: AsyncBuffer,
  map: ChunkPageMap,
  pages: PageLocationJson[],
  together: boolean,
): AsyncGenerator<RawPage | DeferredDictionary> {
  const parse = (bytes: Uint8Array, offset: number): RawPage => {
    const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 }
    const header = parquetHeader(reader)
    const info = pageInfo(offset, reader.offset, header)
    return { info, body: bytes.subarray(reader.offset, reader.offset + info.compressedSize) }
  }
  if (map.dictionary) {
    const { offset, size } = map.dictionary
    yield { deferred: async () => parse(await readBytes(file, offset, offset + size), offset) }
  }
  const first = pages[0]
  const last = pages[pages.length - 1]
  if (!first || !last) return
  if (together) {
    const start = first.offset
    const bytes = await readBytes(file, start, last.offset + last.size)
    for (const p of pages) yield parse(bytes.subarray(p.offset - start, p.offset - start + p.size), p.offset)
    return
  }
  for (const p of pages) yield parse(await readBytes(file, p.offset, p.offset + p.size), p.offset)
}

/** Levels and values of a run of level entries (one or more rows of one leaf). */
interface LeafRows {
  def: Levels
  rep: Levels
  values: unknown[]
}

/**
 * Definition or repetition levels: one byte each when the leaf's levels fit (every real schema), else 32 bits.
 * Typed, because a page may hold hundreds of thousands of entries (pyarrow writes a whole row group's `from`
 * leaf, every message of the file, as one page): plain arrays of that length cost ~1.5 MB each and more time.
 */
type Levels = Uint8Array | Int32Array

/** A level array of `n` entries for levels up to `max`. */
function levelArray(n: number, max: number): Levels {
  return max < 256 ? new Uint8Array(n) : new Int32Array(n)
}

/** `levels` as a `Levels` array (hyparquet decodes v2 pages into plain arrays). */
function toLevels(levels: ArrayLike<number>, max: number): Levels {
  if (levels instanceof Uint8Array || levels instanceof Int32Array) return levels
  const out = levelArray(levels.length, max)
  out.set(levels)
  return out
}

/** `tail` then `next` in one typed array (bytes when both are bytes, else 32-bit). */
function joinTyped(tail: Levels, next: Levels): Levels {
  const out =
    tail instanceof Uint8Array && next instanceof Uint8Array
      ? new Uint8Array(tail.length + next.length)
      : new Int32Array(tail.length + next.length)
  out.set(tail)
  out.set(next, tail.length)
  return out
}

function joinLevels(tail: Levels, next: Levels): Levels {
  return tail.length === 0 ? next : joinTyped(tail, next)
}

/** A lazy leaf's undecoded values: byte views, or dictionary indices (typed, one page of them). */
type Values = unknown[] | Int32Array

function joinValues(tail: Values, next: Values): Values {
  if (tail.length === 0) return next
  if (tail instanceof Int32Array && next instanceof Int32Array) return joinTyped(tail, next) as Int32Array
  const out: unknown[] = []
  for (let i = 0; i < tail.length; i++) out.push(tail[i])
  for (let i = 0; i < next.length; i++) out.push(next[i])
  return out
}

/** A data page decoded for the lazy cursor, in the shape of hyparquet's `DataPage`. */
interface LazyDataPage {
  definitionLevels: Levels | undefined
  repetitionLevels: Levels
  dataPage: Values
}

/** Whether the lazy decoders take a page's encoding: true for PLAIN, false for dictionary, null for others. */
function lazyPlain(encoding: Encoding): boolean | null {
  if (encoding === 'PLAIN') return true
  return encoding === 'PLAIN_DICTIONARY' || encoding === 'RLE_DICTIONARY' ? false : null
}

/**
 * A v1 data page of a string leaf for the lazy cursor: levels into typed arrays, values as byte views (PLAIN) or
 * dictionary indices (an Int32Array), the same entries hyparquet's `readDataPage` gives. Other encodings: null
 * (the caller uses `readDataPage`).
 */
export function readLazyDataPage(
  bytes: Uint8Array,
  daph: NonNullable<PageHeader['data_page_header']>,
  leaf: Leaf,
): LazyDataPage | null {
  const plain = lazyPlain(daph.encoding)
  if (plain === null) return null
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const reader = { view, offset: 0 }
  const n = daph.num_values
  const { maxDef, maxRep } = leaf
  let rep: Levels = new Uint8Array(0)
  if (maxRep && leaf.schemaPath.length > 1) {
    rep = levelArray(n, maxRep)
    readRleBitPackedHybrid(reader, bitWidth(maxRep), rep as unknown as DecodedArray)
  }
  let def: Levels | undefined
  let count = n
  if (maxDef) {
    def = levelArray(n, maxDef)
    readRleBitPackedHybrid(reader, bitWidth(maxDef), def as unknown as DecodedArray)
    count = 0
    for (let i = 0; i < n; i++) if (def[i] === maxDef) count++
  }
  return {
    definitionLevels: def,
    repetitionLevels: rep,
    dataPage: readLazyValues(reader, plain, count, leaf),
  }
}

/** The values of a PLAIN or dictionary-encoded page section: byte views, or indices in an Int32Array. */
function readLazyValues(
  reader: { view: DataView; offset: number },
  plain: boolean,
  count: number,
  leaf: Leaf,
): Values {
  if (plain) {
    const values = readPlain(reader, leaf.decoder.type, count, leaf.decoder.element.type_length)
    return Array.isArray(values) ? values : Array.from(values as ArrayLike<unknown>)
  }
  const width = reader.view.getUint8(reader.offset++)
  const indices = new Int32Array(count)
  if (width) readRleBitPackedHybrid(reader, width, indices, reader.view.byteLength - reader.offset)
  return indices
}

/**
 * A v2 data page of a string leaf for the lazy cursor, like `readLazyDataPage`: the levels (stored uncompressed
 * before the values) into typed arrays, the values section decompressed with the leaf's decoder. Other
 * encodings: null (the caller uses `readDataPageV2`).
 */
export function readLazyDataPageV2(
  bytes: Uint8Array,
  header: PageHeader,
  leaf: Leaf,
  decoder: Leaf['decoder'],
): LazyDataPage | null {
  const daph2 = header.data_page_header_v2
  if (!daph2) return null
  const plain = lazyPlain(daph2.encoding)
  if (plain === null) return null
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 }
  const n = daph2.num_values
  const { maxDef, maxRep } = leaf
  const repBytes = daph2.repetition_levels_byte_length
  const defBytes = daph2.definition_levels_byte_length
  let rep: Levels = new Uint8Array(0)
  if (maxRep) {
    rep = levelArray(n, maxRep)
    readRleBitPackedHybrid(reader, bitWidth(maxRep), rep as unknown as DecodedArray, repBytes)
  }
  reader.offset = repBytes
  let def: Levels | undefined
  if (maxDef) {
    def = levelArray(n, maxDef)
    readRleBitPackedHybrid(reader, bitWidth(maxDef), def as unknown as DecodedArray, defBytes)
  }
  const size = header.uncompressed_page_size - repBytes - defBytes
  let page = bytes.subarray(repBytes + defBytes)
  // A page without values may have zero compressed bytes, which is not a valid stream.
  if (daph2.is_compressed !== false && size) {
    page = decompressPage(page, size, decoder.codec, decoder.compressors)
  }
  const values = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 }
  const dataPage = readLazyValues(values, plain, n - daph2.num_nulls, leaf)
  return { definitionLevels: def, repetitionLevels: rep, dataPage }
}

/**
 * The decoded entries of one leaf column, consumed row by row. Holds the current page's entries plus the unread
 * tail of the previous page (a row that continues across pages), never a whole column chunk.
 */
class LeafCursor {
  private def: Levels = new Uint8Array(0)
  private rep: Levels = new Uint8Array(0)
  private values: Values = []
  /** Next unread entry and value. */
  private e = 0
  private v = 0
  /** Row (group-relative) of the entry at `e`; -1 until the first row start is known. */
  row: number
  done = false
  private dictionary: DecodedArray | undefined
  private pending = true
  /**
   * String leaves keep their values undecoded (byte views into the page, or dictionary indices) until a row is
   * taken: rows that are skipped (the other rows of a page a trace's row shares) never become strings, and a
   * dictionary entry is decoded once, when first used.
   */
  private readonly lazy: boolean
  private rawDictionary: unknown[] | undefined
  private dictionaryStrings: unknown[] = []

  readonly leaf: Leaf
  /** The leaf's decoder; with a pool, its string pages decompress into pooled buffers held in `held`. */
  private readonly decoder: Leaf['decoder']
  private readonly pool: BufferPool | undefined
  /**
   * Pooled buffers in use. `end`: the index in `values` up to which a data page's values reach (its buffer goes
   * back to the pool once `v` passes it); Infinity for the dictionary page (kept until `release`) and for a page
   * being decoded.
   */
  private held: { buffer: Uint8Array; end: number; dictionary: boolean }[] = []
  private readonly pages: AsyncIterator<RawPage | DeferredDictionary>
  /** The chunk's dictionary page until a dictionary-encoded data page needs it decoded. */
  private dictionarySource: (() => Promise<RawPage>) | undefined

  /**
   * `firstRow`: the first row starting in the first data page (0 at the start of a chunk). The pages of a string
   * leaf decompress into `PAGE_POOL`'s buffers, each given back once its values are taken; the caller must call
   * `release` when done (the dictionary page and any page not taken to the end go back then).
   */
  constructor(leaf: Leaf, pages: AsyncIterator<RawPage | DeferredDictionary>, firstRow: number) {
    this.leaf = leaf
    this.pages = pages
    this.row = firstRow
    this.lazy = leaf.decoder.type === 'BYTE_ARRAY'
    const into = DECODE_INTO[leaf.decoder.codec as keyof Compressors]
    this.pool = this.lazy && into ? PAGE_POOL : undefined
    const active = this.pool
    if (active && into) {
      const pooledDecode = (input: Uint8Array, length: number) => {
        const output = active.take(length)
        this.held.push({ buffer: output, end: Number.POSITIVE_INFINITY, dictionary: false })
        return into(input, output)
      }
      this.decoder = {
        ...leaf.decoder,
        compressors: { ...COMPRESSORS, [leaf.decoder.codec]: pooledDecode },
      }
    } else {
      this.decoder = leaf.decoder
    }
  }

  /** Give the pooled page buffers back: the cursor must not be used afterwards. */
  release(): void {
    const held = this.held
    this.held = []
    this.def = new Uint8Array(0)
    this.rep = new Uint8Array(0)
    this.values = []
    this.rawDictionary = undefined
    this.done = true
    for (const { buffer } of held) this.pool?.release(buffer)
  }

  /**
   * Give back the pooled buffers of data pages whose values are all taken (`v` passed their end); `shift`: the
   * number of leading values just dropped from `values` (their ends move down by as much).
   */
  private releaseTaken(shift = 0): void {
    if (this.held.length === 0) return
    const kept: typeof this.held = []
    for (const entry of this.held) {
      if (entry.dictionary || entry.end > this.v) {
        entry.end -= shift
        kept.push(entry)
      } else {
        this.pool?.release(entry.buffer)
      }
    }
    this.held = kept
  }

  /** Complete rows buffered: each ends where the next row starts (repetition level 0) or at the chunk's end. */
  completeRows(): number {
    if (this.leaf.maxRep === 0) return this.def.length - this.e
    let rows = 0
    for (let i = this.e + 1; i < this.rep.length; i++) if (this.rep[i] === 0) rows++
    if (this.done && this.e < this.rep.length) rows++
    return rows
  }

  /** Decode the next data page into the buffer (false at the end of the pages). */
  async load(): Promise<boolean> {
    for (;;) {
      const next = await this.pages.next()
      if (next.done) {
        this.done = true
        return false
      }
      const raw = next.value
      if ('deferred' in raw) {
        this.dictionarySource = raw.deferred
        continue
      }
      const { info, body } = raw
      const decoder = this.decoder
      if (info.type === 'DICTIONARY_PAGE') {
        this.dictionarySource = async () => raw
        continue
      }
      let decoded: {
        definitionLevels?: ArrayLike<number>
        repetitionLevels: ArrayLike<number>
        dataPage: Values | DecodedArray
      }
      let encoding: Encoding
      if (info.type === 'DATA_PAGE' && info.header.data_page_header) {
        const daph = info.header.data_page_header
        encoding = daph.encoding
        if (encoding.endsWith('_DICTIONARY')) await this.loadDictionary()
        const page = decompressPage(
          body,
          info.header.uncompressed_page_size,
          decoder.codec,
          decoder.compressors,
        )
        decoded = (this.lazy && readLazyDataPage(page, daph, this.leaf)) || readDataPage(page, daph, decoder)
      } else if (info.type === 'DATA_PAGE_V2' && info.header.data_page_header_v2) {
        encoding = info.header.data_page_header_v2.encoding
        if (encoding.endsWith('_DICTIONARY')) await this.loadDictionary()
        decoded =
          (this.lazy && readLazyDataPageV2(body, info.header, this.leaf, decoder)) ||
          readDataPageV2(body, info.header, decoder)
      } else {
        continue // index pages and unknown page types carry no rows
      }
      // Lazy leaves: dictionary indices (numbers) or byte views, decoded by `take`.
      const values = this.lazy
        ? decoded.dataPage
        : convertWithDictionary(decoded.dataPage as DecodedArray, this.dictionary, encoding, decoder)
      if (this.lazy && encoding.endsWith('_DICTIONARY') && !this.rawDictionary) {
        throw new Error(`${this.leaf.path}: a dictionary-encoded page without a dictionary page`)
      }
      this.append(info.numValues, decoded.definitionLevels, decoded.repetitionLevels, values)
      // The page's pooled buffer lives until its last value is taken.
      for (const entry of this.held) {
        if (!entry.dictionary && entry.end === Number.POSITIVE_INFINITY) entry.end = this.values.length
      }
      return true
    }
  }

  /** Fetch and decode the chunk's dictionary page (once), for a dictionary-encoded data page. */
  private async loadDictionary(): Promise<void> {
    const source = this.dictionarySource
    if (!source) return
    this.dictionarySource = undefined
    const { info, body } = await source()
    const decoder = this.decoder
    const page = decompressPage(body, info.header.uncompressed_page_size, decoder.codec, decoder.compressors)
    for (const entry of this.held) if (entry.end === Number.POSITIVE_INFINITY) entry.dictionary = true
    const reader = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 }
    const plain = readPlain(reader, decoder.type, info.numValues, decoder.element.type_length)
    if (this.lazy) {
      this.rawDictionary = Array.from(plain as ArrayLike<unknown>)
      this.dictionaryStrings = new Array(this.rawDictionary.length)
    } else {
      this.dictionary = convert(plain, decoder)
    }
  }

  private append(
    n: number,
    def: ArrayLike<number> | undefined,
    rep: ArrayLike<number>,
    values: Values | DecodedArray,
  ) {
    const { maxDef, maxRep } = this.leaf
    const newDef = def?.length ? toLevels(def, maxDef) : levelArray(n, maxDef).fill(maxDef)
    const newRep = maxRep ? toLevels(rep, maxRep) : levelArray(n, 0)
    const newValues: Values =
      Array.isArray(values) || values instanceof Int32Array
        ? values
        : Array.from(values as ArrayLike<unknown>)
    // Values before `v` are dropped below: pages holding only those go back to the pool.
    this.releaseTaken(this.v)
    if (this.e < this.def.length) {
      this.def = joinLevels(this.def.subarray(this.e), newDef)
      this.rep = joinLevels(this.rep.subarray(this.e), newRep)
      this.values = joinValues(this.values.slice(this.v), newValues)
    } else {
      this.def = newDef
      this.rep = newRep
      this.values = newValues
    }
    this.e = 0
    this.v = 0
    if (this.pending) {
      // The first page read may begin with the tail of the row before `row`: not ours.
      let i = 0
      while (i < this.rep.length && this.rep[i] !== 0) {
        if (this.def[i] === maxDef) this.v++
        i++
      }
      this.e = i
      if (i < this.rep.length) this.pending = false
    }
  }

  /** Take (or skip) the next `k` complete rows. */
  take(k: number, keep: boolean): LeafRows | undefined {
    const start = this.e
    const vStart = this.v
    let i = this.e
    if (this.leaf.maxRep === 0) {
      i += k
      for (let j = start; j < i; j++) if (this.def[j] === this.leaf.maxDef) this.v++
    } else {
      let rows = 0
      for (; i < this.rep.length; i++) {
        if (this.rep[i] === 0 && rows++ === k) break
        if (this.def[i] === this.leaf.maxDef) this.v++
      }
    }
    this.e = i
    this.row += k
    if (!keep) {
      this.releaseTaken()
      return undefined
    }
    const values = this.values.slice(vStart, this.v)
    const taken = {
      def: this.def.slice(start, i),
      rep: this.leaf.maxRep ? this.rep.slice(start, i) : new Uint8Array(0),
      values: this.lazy ? this.materialise(values) : (values as unknown[]),
    }
    // Taken values are strings (or copies) now: pages whose values are all taken go back to the pool.
    this.releaseTaken()
    return taken
  }

  /** Decode a lazy leaf's taken values: byte views in one `convert` call, dictionary entries once each. */
  private materialise(values: Values): unknown[] {
    const out = new Array<unknown>(values.length)
    const at: number[] = []
    const bytes: unknown[] = []
    for (let i = 0; i < values.length; i++) {
      const v = values[i]
      if (typeof v === 'number') out[i] = this.dictionaryEntry(v)
      else {
        at.push(i)
        bytes.push(v)
      }
    }
    if (bytes.length > 0) {
      const strings = convert(bytes as DecodedArray, this.leaf.decoder)
      for (let j = 0; j < at.length; j++) out[at[j] as number] = this.owned(strings[j])
    }
    return out
  }

  /** A value that stays binary (not UTF-8) is copied out of a pooled page, which is reused after `release`. */
  private owned(value: unknown): unknown {
    return this.pool && value instanceof Uint8Array ? value.slice() : value
  }

  private dictionaryEntry(index: number): unknown {
    const known = this.dictionaryStrings[index]
    if (known !== undefined) return known
    const raw = this.rawDictionary?.[index]
    if (raw === undefined) throw new Error(`${this.leaf.path}: dictionary index ${index} out of range`)
    const value = this.owned(convert([raw] as DecodedArray, this.leaf.decoder)[0])
    this.dictionaryStrings[index] = value
    return value
  }
}

/** Assemble the rows taken from each leaf into row objects (hyparquet's Dremel assembly). */
function assembleRows(
  tree: SchemaTree,
  leaves: Map<string, LeafRows>,
  cursors: LeafCursor[],
  count: number,
  columns: readonly string[] | undefined,
): Record<string, unknown>[] {
  const data = new Map<string, DecodedArray>()
  for (const cursor of cursors) {
    const rows = leaves.get(cursor.leaf.path)
    if (!rows) continue
    const assembled = assembleLists(
      [],
      rows.def as unknown as number[],
      rows.rep as unknown as number[],
      rows.values as DecodedArray,
      cursor.leaf.schemaPath,
    )
    data.set(cursor.leaf.path, assembled)
  }
  const out: Record<string, unknown>[] = Array.from({ length: count }, () => ({}))
  for (const child of tree.children) {
    const name = child.element.name
    if (columns && !columns.includes(name)) continue
    if (child.children.length) assembleNested(data, child, DEFAULT_PARSERS)
    const column = data.get(name)
    if (!column) continue
    for (let r = 0; r < count; r++) (out[r] as Record<string, unknown>)[name] = column[r]
  }
  return out
}

/** Where the pages of the row groups come from: the offset index, a page map, or a walk from the chunk start. */
export interface PageSourceOptions {
  /** A page map built earlier (`parquetPageMap`) for chunks without an offset index. */
  pageMap?: ParquetPageMap
  /**
   * Build the page map of a row group on demand when a range starts inside it and a chunk has no offset index
   * (default true; the result is remembered per file for later reads, see `pageMapMemo`).
   */
  buildPageMap?: boolean
}

/** Page maps built on demand, per file footer (the metadata object lives as long as its file is open). */
const pageMapMemo = new WeakMap<FileMetaData, Record<string, ChunkPageMap>[]>()

/** Record a page map (e.g. one loaded from storage) for a file's footer, for the reads that follow. */
export function parquetRememberPageMap(metadata: FileMetaData, map: ParquetPageMap): void {
  const memo = pageMapMemo.get(metadata) ?? metadata.row_groups.map(() => ({}))
  for (const [i, group] of map.rowGroups.entries()) Object.assign(memo[i] ?? {}, group)
  pageMapMemo.set(metadata, memo)
}

/**
 * The page map entries built (or remembered) so far for a file's footer: what to store next to the file so that
 * the next process needs no second pass (undefined when none).
 */
export function parquetRememberedPageMap(metadata: FileMetaData): ParquetPageMap | undefined {
  const memo = pageMapMemo.get(metadata)
  if (!memo?.some((g) => Object.keys(g).length > 0)) return undefined
  return { version: 1, rowGroups: memo.map((g) => ({ ...g })) }
}

/** The page map entry of a chunk: given, remembered, or (when asked) built now and remembered. */
async function chunkPages(
  file: AsyncBuffer,
  metadata: FileMetaData,
  group: number,
  chunk: ColumnChunk,
  meta: ColumnMetaData,
  leaf: Leaf,
  options: PageSourceOptions,
  build: boolean,
): Promise<ChunkPageMap | undefined> {
  const given = options.pageMap?.rowGroups[group]?.[leaf.path]
  if (given) return given
  const indexed = await offsetIndexPages(file, chunk, meta)
  if (indexed) return indexed
  let memo = pageMapMemo.get(metadata)
  const known = memo?.[group]?.[leaf.path]
  if (known) return known
  if (!build) return undefined
  const map = await chunkPageMap(file, meta, leaf)
  if (!memo) {
    memo = metadata.row_groups.map(() => ({}))
    pageMapMemo.set(metadata, memo)
  }
  const entry = memo[group]
  if (entry) entry[leaf.path] = map
  return map
}

/** Options of `parquetScanRows` / `parquetReadRange`. */
export interface ScanOptions extends PageSourceOptions {
  /** Top-level columns to read (default: all). */
  columns?: readonly string[]
  /** Rows per yielded batch at most (default 64). */
  batchRows?: number
  /** Bytes read at once when walking page headers (default `HEADER_WINDOW`). */
  headerWindow?: number
}

/**
 * Stream the rows [start, end) of a file in order, in batches, page by page: per leaf column one decoded page
 * (plus the unread tail of the previous one) is in memory at a time, and pages are fetched one by one. A range
 * starting at a row group's first row needs no page locations (the chunk is walked from its start); one starting
 * inside a group uses the offset index, the page map, or builds the map (headers, and levels of repeated pages).
 */
export async function* parquetScanRows(
  file: AsyncBuffer,
  metadata: FileMetaData,
  range: { start: number; end: number },
  options: ScanOptions = {},
): AsyncGenerator<Record<string, unknown>[]> {
  yield* scanRows(file, metadata, range, options, false)
}

/** Rows a range read decodes at a time (see `parquetReadRange`). */
const RANGE_BATCH_ROWS = 16

/**
 * Read rows [start, end) as objects equal to hyparquet's `parquetReadObjects`: only the pages that hold them
 * (plus each chunk's dictionary page), found through the offset index or a page map, each chunk's selected pages
 * fetched in one request.
 */
export async function parquetReadRange(
  file: AsyncBuffer,
  metadata: FileMetaData,
  range: { start: number; end: number },
  options: ScanOptions = {},
): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = []
  // The pages are fetched together, but decompressed and taken 16 rows at a time: each page's buffer goes back to
  // the pool before the range's later pages need one (all at once, a 5 MB slice's pages overflowed the pool's
  // 8 MB of idle buffers when they came back, and the next read allocated them again: 153 of 659 reused).
  for await (const batch of scanRows(
    file,
    metadata,
    range,
    { batchRows: RANGE_BATCH_ROWS, ...options },
    true,
  )) {
    for (const row of batch) rows.push(row)
  }
  return rows
}

async function* scanRows(
  file: AsyncBuffer,
  metadata: FileMetaData,
  range: { start: number; end: number },
  options: ScanOptions,
  together: boolean,
): AsyncGenerator<Record<string, unknown>[]> {
  const tree = parquetSchema(metadata)
  const batchRows = options.batchRows ?? 64
  let groupStart = 0
  for (let g = 0; g < metadata.row_groups.length; g++) {
    const groupRows = Number(metadata.row_groups[g]?.num_rows ?? 0)
    const lo = Math.max(range.start, groupStart) - groupStart
    const hi = Math.min(range.end, groupStart + groupRows) - groupStart
    groupStart += groupRows
    if (hi <= lo) continue
    const cursors: LeafCursor[] = []
    // String pages are pooled: each goes back once its values are taken, the rest when the group ends (below).
    try {
      for (const { chunk, meta, leaf } of groupLeaves(metadata, tree, g, options.columns)) {
        const flat = leaf.maxRep === 0
        // A pass over the whole group can walk the chunk; a range inside it wants the pages located.
        const needLocations = lo > 0 || hi < groupRows
        const map = await chunkPages(
          file,
          metadata,
          g,
          chunk,
          meta,
          leaf,
          options,
          needLocations && options.buildPageMap !== false,
        )
        if (map) {
          const pages = selectPages(map.pages, groupRows, lo, hi, flat)
          const firstRow = pages[0]?.firstRow ?? 0
          cursors.push(new LeafCursor(leaf, locatedPages(file, map, pages, together), firstRow))
        } else {
          cursors.push(new LeafCursor(leaf, walkChunk(file, meta, true, options.headerWindow), 0))
        }
      }
      // Skip to lo, then emit complete rows in batches.
      for (let row = lo; row < hi; ) {
        const want = Math.min(batchRows, hi - row)
        let ready = Infinity
        for (const cursor of cursors) {
          // Drop rows before the range (the first page may start before it).
          while (cursor.row < row) {
            let complete = cursor.completeRows()
            while (complete === 0 && !cursor.done) {
              await cursor.load()
              complete = cursor.completeRows()
            }
            if (complete === 0) throw new Error(`parquet column ${cursor.leaf.path} ends before row ${row}`)
            cursor.take(Math.min(complete, row - cursor.row), false)
          }
          // One more page only when no complete row is buffered: memory stays at one page per leaf (a range
          // read, `together`, loads pages until its batch of rows is complete).
          let complete = cursor.completeRows()
          while ((together ? complete < want : complete === 0) && !cursor.done) {
            await cursor.load()
            complete = cursor.completeRows()
          }
          ready = Math.min(ready, complete)
        }
        const count = Math.min(want, ready)
        if (!(count > 0)) throw new Error(`parquet row group ${g} ends before row ${row} of ${groupRows}`)
        const taken = new Map<string, LeafRows>()
        for (const cursor of cursors) taken.set(cursor.leaf.path, cursor.take(count, true) as LeafRows)
        yield assembleRows(tree, taken, cursors, count, options.columns)
        row += count
      }
    } finally {
      for (const cursor of cursors) cursor.release()
    }
  }
}
