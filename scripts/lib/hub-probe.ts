/**
 * The Hub probe (the `npm run probe` CLI is `scripts/probe.ts`): what the Hub serves for each config's parquet
 * file of a dataset revision: size, row groups, codecs, encodings, page indexes, pages per column chunk, whether
 * the Worker's reader can read the layout within its slice budget, and the time and upstream traffic of one cold
 * trace read with hyparquet over HTTP range requests exactly like the Worker does (a counting AsyncBuffer on the
 * Hub's `resolve` URL and the CDN URL it redirects to). The token is sent to the Hub endpoint only.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  type AsyncBuffer,
  type ColumnChunk,
  type FileMetaData,
  parquetMetadataAsync,
  parquetReadObjects,
  readOffsetIndex,
} from 'hyparquet'
import { configsFromCardData } from '../../shared/dataset.ts'
import { DATASET_COLUMNS, ParquetLayoutError, parquetRowGroups, planSlices } from '../../shared/parquet.ts'

const ROOT = join(import.meta.dirname, '../..')
const REQUEST_TIMEOUT_MS = 60_000
const ATTEMPTS = 4

/** The Hub (or its CDN) could not be reached at all: network down, DNS, refused, timed out. */
export class HubUnreachableError extends Error {
  override name = 'HubUnreachableError'
  /** Why, as a short phrase (`ECONNREFUSED 127.0.0.1:1`). */
  readonly reason: string
  constructor(message: string, reason: string) {
    super(message)
    this.reason = reason
  }
}

/** A plain, expected failure: one line for the user, no stack. */
export class ProbeError extends Error {
  override name = 'ProbeError'
}

/** Upstream traffic of one phase. */
export interface Traffic {
  requests: number
  bytes: number
  ms: number
}

/** One leaf column across the file's row groups. */
export interface ColumnReport {
  /** Dotted leaf path, e.g. `conversations.list.element.value`. */
  column: string
  codecs: string[]
  encodings: string[]
  /** Column chunks (one per row group). */
  chunks: number
  /** Chunks with an offset index / a column index. */
  offsetIndex: number
  columnIndex: number
  /** Data pages per chunk (offset index, else the chunk's encoding stats); null where unknown. */
  pagesMin: number | null
  pagesMax: number | null
  pagesTotal: number | null
  compressedBytes: number
  uncompressedBytes: number
}

/** Everything the probe found about one config's file. */
export interface FileReport {
  config: string
  path: string
  size: number
  createdBy: string | null
  rows: number
  rowGroups: { rows: number; compressedBytes: number; uncompressedBytes: number }[]
  columns: ColumnReport[]
  footer: Traffic
  pageIndex: Traffic | null
  /** The Worker's reader: slices it would cut at the budget, or why it refuses the layout. */
  worker: { budgetMB: number; slices: number | null; error: string | null }
  coldTrace:
    | (Traffic & {
        row: number
        id: string
        messages: number
        /** Compressed bytes of the pages holding the row (an ideal reader's floor), from the offset index. */
        rowPageBytes: number
      })
    | { skipped: string }
}

/** The whole probe. */
export interface ProbeReport {
  endpoint: string
  dataset: string
  revision: string
  sha: string
  files: FileReport[]
}

/** Options of {@link probeHub}. */
export interface ProbeOptions {
  endpoint: string
  dataset: string
  revision: string
  token?: string
  /** Only these configs (default: every config of the card). */
  configs?: string[]
  /** The Worker's slice budget in MB (default: `SLICE_BUDGET_MB` of wrangler.toml, else 12). */
  budgetMB?: number
  /** Skip the cold trace when it would download more than this (default 256 MB). */
  maxReadMB?: number
  /** Called with each file's report as soon as it is complete. */
  onFile?: (report: FileReport) => void
}

const MB = 2 ** 20
const fmtInt = (n: number) => n.toLocaleString('en-US')
const fmtMB = (n: number) => `${(n / MB).toFixed(n < 10 * MB ? 2 : 1)} MB`
const fmtBytes = (n: number) =>
  n < 10_000 ? `${fmtInt(n)} B` : n < MB ? `${(n / 1024).toFixed(1)} KB` : fmtMB(n)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The reason a `fetch` threw, as a short phrase (`ECONNREFUSED 127.0.0.1:1`, `ENOTFOUND huggingface.co`). */
function networkReason(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } }
  if (e?.name === 'TimeoutError') return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`
  const cause = e?.cause
  if (cause?.message === 'bad port') return 'fetch refuses to connect to that port'
  if (cause?.code) return cause.message?.includes(cause.code) ? cause.message : `${cause.code}`
  return cause?.message ?? e?.message ?? String(err)
}

/** `SLICE_BUDGET_MB` from wrangler.toml (what the deployed Worker will use). */
function workerBudgetMB(): number {
  try {
    const m = /^SLICE_BUDGET_MB\s*=\s*"(\d+(?:\.\d+)?)"/m.exec(
      readFileSync(join(ROOT, 'wrangler.toml'), 'utf8'),
    )
    if (m) return Number(m[1])
  } catch {
    // no wrangler.toml next to the script
  }
  return 12
}

/** HTTP client for one probe: retries, the token for the Hub origin only, a tally of requests and bytes. */
class HubClient {
  requests = 0
  bytes = 0
  private readonly origin: string
  private readonly token: string | undefined

  constructor(endpoint: string, token: string | undefined) {
    this.origin = new URL(endpoint).origin
    this.token = token
  }

  /** fetch with bounded retries on network errors, 429 and 5xx (honouring Retry-After). */
  async fetch(url: string, init: { headers?: Record<string, string>; redirect?: RequestRedirect } = {}) {
    const headers: Record<string, string> = { ...init.headers }
    if (this.token && new URL(url).origin === this.origin) headers.authorization = `Bearer ${this.token}`
    let last: unknown
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      if (attempt > 0) await sleep(500 * 2 ** (attempt - 1))
      let res: Response
      try {
        this.requests++
        res = await fetch(url, {
          headers,
          redirect: init.redirect ?? 'follow',
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        })
      } catch (err) {
        last = err
        if ((err as { cause?: { message?: string } }).cause?.message === 'bad port') break // not transient
        continue
      }
      if (res.status !== 429 && res.status < 500) return res
      last = new ProbeError(`HTTP ${res.status} from ${url}`)
      const wait = Number(res.headers.get('retry-after'))
      await res.body?.cancel()
      if (Number.isFinite(wait) && wait > 0) await sleep(Math.min(wait, 60) * 1000)
    }
    if (last instanceof ProbeError) throw last
    const reason = networkReason(last)
    throw new HubUnreachableError(`could not reach ${new URL(url).origin} (${reason})`, reason)
  }

  /** Body bytes, counted. */
  async body(res: Response): Promise<ArrayBuffer> {
    const buf = await res.arrayBuffer()
    this.bytes += buf.byteLength
    return buf
  }
}

/**
 * An AsyncBuffer over a file on the Hub: `resolve/{sha}/{path}` answers 302 to a signed CDN URL, which is reused
 * until it expires (403: resolve again). Every slice is one Range request; a 200 (Range ignored) is refused rather
 * than buffering the whole file.
 */
async function hubFile(client: HubClient, resolveUrl: string): Promise<AsyncBuffer> {
  let target = resolveUrl
  const rangeGet = async (start: number, endInclusive: number): Promise<Response> => {
    for (let tries = 0; ; tries++) {
      let res = await client.fetch(target, {
        headers: { range: `bytes=${start}-${endInclusive}` },
        redirect: 'manual',
      })
      if (res.status >= 300 && res.status < 400) {
        const location = res.headers.get('location')
        await res.body?.cancel()
        if (!location) throw new ProbeError(`${resolveUrl}: redirect without Location`)
        target = new URL(location, target).toString()
        res = await client.fetch(target, {
          headers: { range: `bytes=${start}-${endInclusive}` },
          redirect: 'manual',
        })
      }
      if (res.status === 403 && target !== resolveUrl && tries === 0) {
        await res.body?.cancel()
        target = resolveUrl // the signed URL expired: resolve again
        continue
      }
      if (res.status === 200) {
        await res.body?.cancel()
        throw new ProbeError(`${target} ignored the Range header (answered 200 with the whole file)`)
      }
      if (res.status !== 206) {
        const code = res.headers.get('x-error-code')
        await res.body?.cancel()
        throw new ProbeError(
          `HTTP ${res.status}${code ? ` ${code}` : ''} for bytes ${start}-${endInclusive} of ${resolveUrl}`,
        )
      }
      return res
    }
  }
  const first = await rangeGet(0, 0)
  const total = Number(/\/(\d+)\s*$/.exec(first.headers.get('content-range') ?? '')?.[1])
  await client.body(first)
  if (!Number.isFinite(total) || total <= 0)
    throw new ProbeError(
      `${resolveUrl}: no file size in Content-Range "${first.headers.get('content-range')}"`,
    )
  return {
    byteLength: total,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const stop = Math.min(end ?? total, total)
      if (stop <= start) return new ArrayBuffer(0)
      const buf = await client.body(await rangeGet(start, stop - 1))
      if (buf.byteLength !== stop - start)
        throw new ProbeError(`asked bytes ${start}-${stop - 1} of ${resolveUrl}, got ${buf.byteLength} bytes`)
      return buf
    },
  }
}

/** Run `fn` and report the traffic it caused on `client`. */
async function measured<T>(client: HubClient, fn: () => Promise<T>): Promise<[T, Traffic]> {
  const r0 = client.requests
  const b0 = client.bytes
  const t0 = performance.now()
  const value = await fn()
  return [
    value,
    { requests: client.requests - r0, bytes: client.bytes - b0, ms: Math.round(performance.now() - t0) },
  ]
}

/** Offset indexes of every chunk that has one, keyed "group/chunk"; read in one request when they sit together. */
async function readOffsetIndexes(
  file: AsyncBuffer,
  metadata: FileMetaData,
): Promise<Map<string, number[][]>> {
  const wanted: { key: string; start: number; end: number }[] = []
  for (const [g, group] of metadata.row_groups.entries()) {
    for (const [c, chunk] of group.columns.entries()) {
      if (chunk.offset_index_offset === undefined || !chunk.offset_index_length) continue
      const start = Number(chunk.offset_index_offset)
      wanted.push({ key: `${g}/${c}`, start, end: start + chunk.offset_index_length })
    }
  }
  const out = new Map<string, number[][]>()
  if (wanted.length === 0) return out
  const lo = Math.min(...wanted.map((w) => w.start))
  const hi = Math.max(...wanted.map((w) => w.end))
  const together = hi - lo <= 32 * MB ? await file.slice(lo, hi) : null
  for (const w of wanted) {
    const view = together
      ? new DataView(together, w.start - lo, w.end - w.start)
      : new DataView(await file.slice(w.start, w.end))
    const { page_locations } = readOffsetIndex({ view, offset: 0 })
    // [first_row_index, offset, compressed_page_size] per data page
    out.set(
      w.key,
      page_locations.map((p) => [Number(p.first_row_index), Number(p.offset), p.compressed_page_size]),
    )
  }
  return out
}

/** Data pages of a chunk from its encoding stats (writers that record them), or null. */
function pagesFromEncodingStats(chunk: ColumnChunk): number | null {
  const stats = chunk.meta_data?.encoding_stats
  if (!stats?.length) return null
  let n = 0
  for (const s of stats) if (s.page_type === 'DATA_PAGE' || s.page_type === 'DATA_PAGE_V2') n += s.count
  return n
}

function columnReports(metadata: FileMetaData, offsetIndexes: Map<string, number[][]>): ColumnReport[] {
  const byPath = new Map<
    string,
    ColumnReport & { codecSet: Set<string>; encSet: Set<string>; unknownPages: boolean }
  >()
  for (const [g, group] of metadata.row_groups.entries()) {
    for (const [c, chunk] of group.columns.entries()) {
      const meta = chunk.meta_data
      const column = meta?.path_in_schema.join('.') ?? `#${c}`
      let r = byPath.get(column)
      if (!r) {
        r = {
          column,
          codecs: [],
          encodings: [],
          chunks: 0,
          offsetIndex: 0,
          columnIndex: 0,
          pagesMin: null,
          pagesMax: null,
          pagesTotal: null,
          compressedBytes: 0,
          uncompressedBytes: 0,
          codecSet: new Set(),
          encSet: new Set(),
          unknownPages: false,
        }
        byPath.set(column, r)
      }
      r.chunks++
      if (meta) {
        r.codecSet.add(meta.codec)
        for (const e of meta.encodings) r.encSet.add(e)
        r.compressedBytes += Number(meta.total_compressed_size)
        r.uncompressedBytes += Number(meta.total_uncompressed_size)
      }
      if (chunk.offset_index_offset !== undefined && chunk.offset_index_length) r.offsetIndex++
      if (chunk.column_index_offset !== undefined && chunk.column_index_length) r.columnIndex++
      const pages = offsetIndexes.get(`${g}/${c}`)?.length ?? pagesFromEncodingStats(chunk)
      if (pages === null) r.unknownPages = true
      else {
        r.pagesMin = Math.min(r.pagesMin ?? pages, pages)
        r.pagesMax = Math.max(r.pagesMax ?? pages, pages)
        r.pagesTotal = (r.pagesTotal ?? 0) + pages
      }
    }
  }
  return [...byPath.values()].map(({ codecSet, encSet, unknownPages, ...r }) => ({
    ...r,
    codecs: [...codecSet],
    encodings: [...encSet],
    ...(unknownPages ? { pagesMin: null, pagesMax: null, pagesTotal: null } : {}),
  }))
}

/** Compressed bytes of the pages holding `row` (dictionary pages included; chunks without offset index: whole). */
function rowPageBytes(metadata: FileMetaData, offsetIndexes: Map<string, number[][]>, row: number): number {
  const group = parquetRowGroups(metadata).find((g) => row >= g.start && row < g.start + g.rows)
  if (!group) return 0
  let total = 0
  for (const [c, chunk] of (metadata.row_groups[group.index]?.columns ?? []).entries()) {
    const meta = chunk.meta_data
    if (!meta) continue
    const pages = offsetIndexes.get(`${group.index}/${c}`)
    if (!pages) {
      total += Number(meta.total_compressed_size)
      continue
    }
    const i = pages.findLastIndex((p) => (p[0] ?? 0) <= row - group.start)
    // a row may continue on the next pages (a repeated column's page ends at a row boundary: the next page starts a new row)
    total += pages[i]?.[2] ?? 0
    if (meta.dictionary_page_offset !== undefined)
      total += Number(meta.data_page_offset) - Number(meta.dictionary_page_offset)
  }
  return total
}

/** Probe one config's file. */
async function probeFile(
  client: HubClient,
  options: ProbeOptions,
  sha: string,
  config: string,
  path: string,
): Promise<FileReport> {
  const resolveUrl = `${options.endpoint}/datasets/${options.dataset}/resolve/${sha}/${path.split('/').map(encodeURIComponent).join('/')}`
  const [{ file, metadata }, footer] = await measured(client, async () => {
    const file = await hubFile(client, resolveUrl)
    return { file, metadata: await parquetMetadataAsync(file) }
  })
  const hasPageIndex = metadata.row_groups.some((g) => g.columns.some((c) => c.offset_index_length))
  const [offsetIndexes, pageIndexTraffic] = await measured(client, () => readOffsetIndexes(file, metadata))
  const groups = parquetRowGroups(metadata)
  const rows = Number(metadata.num_rows)
  const budgetMB = options.budgetMB ?? workerBudgetMB()
  let worker: FileReport['worker']
  try {
    worker = { budgetMB, slices: planSlices(metadata, budgetMB * MB).length, error: null }
  } catch (err) {
    if (!(err instanceof ParquetLayoutError)) throw err
    worker = { budgetMB, slices: null, error: err.message }
  }
  let coldTrace: FileReport['coldTrace']
  const row = Math.floor(rows / 2)
  const floor = rowPageBytes(metadata, offsetIndexes, row)
  const maxRead = (options.maxReadMB ?? 256) * MB
  if (rows === 0) coldTrace = { skipped: 'the file has no rows' }
  else if (floor > maxRead) {
    coldTrace = {
      skipped: `reading row ${fmtInt(row)} would download about ${fmtMB(floor)} (column chunks without an offset index are read whole), over --max-read-mb ${options.maxReadMB ?? 256}`,
    }
  } else {
    const names = new Set(metadata.schema.slice(1).map((s) => s.name))
    const columns = DATASET_COLUMNS.filter((c) => names.has(c))
    const [objects, traffic] = await measured(client, () =>
      parquetReadObjects({
        file,
        metadata,
        rowStart: row,
        rowEnd: row + 1,
        columns: columns.length ? [...columns] : undefined,
        useOffsetIndex: true,
      }),
    )
    const obj = objects[0] ?? {}
    coldTrace = {
      ...traffic,
      row,
      id: String(obj.id ?? ''),
      messages: Array.isArray(obj.conversations) ? obj.conversations.length : 0,
      rowPageBytes: floor,
    }
  }
  return {
    config,
    path,
    size: file.byteLength,
    createdBy: metadata.created_by ?? null,
    rows,
    rowGroups: groups.map((g) => ({
      rows: g.rows,
      compressedBytes: g.compressedBytes,
      uncompressedBytes: g.uncompressedBytes,
    })),
    columns: columnReports(metadata, offsetIndexes),
    footer,
    pageIndex: hasPageIndex ? pageIndexTraffic : null,
    worker,
    coldTrace,
  }
}

/** Probe every config file of a dataset revision on the Hub. */
export async function probeHub(options: ProbeOptions): Promise<ProbeReport> {
  const endpoint = options.endpoint.replace(/\/+$/, '')
  let base: URL
  try {
    base = new URL(endpoint)
  } catch {
    throw new ProbeError(`--endpoint "${options.endpoint}" is not a URL`)
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new ProbeError(`--endpoint "${options.endpoint}" is not an http(s) URL`)
  const client = new HubClient(endpoint, options.token)
  const infoUrl = `${endpoint}/api/datasets/${options.dataset}/revision/${encodeURIComponent(options.revision)}`
  let res: Response
  try {
    res = await client.fetch(infoUrl)
  } catch (err) {
    if (err instanceof HubUnreachableError)
      throw new HubUnreachableError(`could not reach the Hub at ${endpoint} (${err.reason})`, err.reason)
    throw err
  }
  if (!res.ok) {
    const code = res.headers.get('x-error-code')
    await res.body?.cancel()
    const hint =
      res.status === 401 || res.status === 403 || res.status === 404
        ? options.token
          ? ': check --dataset and --revision (and that HF_TOKEN may read it)'
          : ': check --dataset and --revision (set HF_TOKEN for a gated or private dataset)'
        : ''
    throw new ProbeError(
      `the Hub at ${endpoint} answered HTTP ${res.status}${code ? ` ${code}` : ''} for ${options.dataset}@${options.revision}${hint}`,
    )
  }
  let info: { sha?: unknown; cardData?: unknown }
  try {
    info = (await res.json()) as typeof info
  } catch {
    throw new ProbeError(`${infoUrl} did not answer JSON: is ${endpoint} a Hugging Face Hub?`)
  }
  const sha = typeof info.sha === 'string' ? info.sha : ''
  if (!/^[0-9a-f]{40}$/.test(sha))
    throw new ProbeError(`dataset info of ${options.dataset}@${options.revision} has no commit sha`)
  let configs = configsFromCardData(info.cardData)
  if (configs.length === 0)
    throw new ProbeError(`the card of ${options.dataset}@${sha} declares no parquet configs`)
  if (options.configs?.length) {
    const unknown = options.configs.filter((c) => !configs.some((x) => x.name === c))
    if (unknown.length)
      throw new ProbeError(
        `unknown config ${unknown.join(', ')} (the card has ${configs.map((c) => c.name).join(', ')})`,
      )
    configs = configs.filter((c) => options.configs?.includes(c.name))
  }
  const files: FileReport[] = []
  for (const c of configs) {
    const report = await probeFile(client, { ...options, endpoint }, sha, c.name, c.path)
    files.push(report)
    options.onFile?.(report)
  }
  return { endpoint, dataset: options.dataset, revision: options.revision, sha, files }
}

/** The human-readable report of one file. */
export function formatFile(f: FileReport): string {
  const lines: string[] = []
  const traffic = (t: Traffic) =>
    `${t.requests} request${t.requests === 1 ? '' : 's'}, ${fmtBytes(t.bytes)}, ${t.ms} ms`
  lines.push(`${f.config}: ${f.path}`)
  lines.push(`  size           ${fmtInt(f.size)} bytes (${fmtMB(f.size)})`)
  if (f.createdBy) lines.push(`  created by     ${f.createdBy}`)
  lines.push(
    `  rows           ${fmtInt(f.rows)} in ${f.rowGroups.length} row group${f.rowGroups.length === 1 ? '' : 's'}`,
  )
  const shown =
    f.rowGroups.length <= 24
      ? f.rowGroups.map((g, i) => [i, g] as const)
      : [
          ...f.rowGroups.slice(0, 10).map((g, i) => [i, g] as const),
          ...f.rowGroups.slice(-10).map((g, i) => [f.rowGroups.length - 10 + i, g] as const),
        ]
  let previous = -1
  for (const [i, g] of shown) {
    if (i !== previous + 1) lines.push(`  …              (${i - previous - 1} more row groups)`)
    previous = i
    lines.push(
      `  row group ${String(i).padEnd(4)} rows ${fmtInt(g.rows).padStart(7)}  compressed ${fmtMB(g.compressedBytes).padStart(9)}  uncompressed ${fmtMB(g.uncompressedBytes).padStart(9)}`,
    )
  }
  const width = Math.max(6, ...f.columns.map((c) => c.column.length))
  lines.push(
    `  ${'column'.padEnd(width)}  ${'codec'.padEnd(12)} ${'offset idx'.padEnd(10)} ${'column idx'.padEnd(10)} ${'pages/chunk'.padEnd(12)} ${'compressed'.padStart(10)} ${'uncompr.'.padStart(10)}  encodings`,
  )
  for (const c of f.columns) {
    const pages =
      c.pagesMin === null ? '?' : c.pagesMin === c.pagesMax ? `${c.pagesMin}` : `${c.pagesMin}–${c.pagesMax}`
    lines.push(
      `  ${c.column.padEnd(width)}  ${c.codecs.join(',').padEnd(12)} ${`${c.offsetIndex}/${c.chunks}`.padEnd(10)} ${`${c.columnIndex}/${c.chunks}`.padEnd(10)} ${pages.padEnd(12)} ${fmtBytes(c.compressedBytes).padStart(10)} ${fmtBytes(c.uncompressedBytes).padStart(10)}  ${c.encodings.join(',')}`,
    )
  }
  const withIndex = f.columns.filter((c) => c.offsetIndex === c.chunks).length
  lines.push(
    `  page index     ${withIndex === f.columns.length ? 'offset index on every column chunk' : withIndex === 0 ? 'none (no offset index: a row costs its whole column chunks)' : `offset index on ${withIndex} of ${f.columns.length} columns`}`,
  )
  lines.push(`  footer read    ${traffic(f.footer)}`)
  if (f.pageIndex) lines.push(`  offset indexes ${traffic(f.pageIndex)}`)
  lines.push(
    `  Worker reader  ${f.worker.slices !== null ? `ok: ${fmtInt(f.worker.slices)} stats slices at SLICE_BUDGET_MB=${f.worker.budgetMB}` : `REFUSES this layout at SLICE_BUDGET_MB=${f.worker.budgetMB}: ${f.worker.error}`}`,
  )
  const t = f.coldTrace
  if ('skipped' in t) lines.push(`  cold trace     skipped: ${t.skipped}`)
  else {
    lines.push(
      `  cold trace     row ${fmtInt(t.row)} (${t.id}, ${t.messages} messages): ${traffic(t)}; pages holding the row ${fmtBytes(t.rowPageBytes)}`,
    )
    lines.push(
      `  cold + footer  ${traffic({ requests: t.requests + f.footer.requests, bytes: t.bytes + f.footer.bytes, ms: t.ms + f.footer.ms })}`,
    )
  }
  return lines.join('\n')
}
