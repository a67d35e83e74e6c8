/**
 * `npm run bench -- --only memory` (and `--only coldload`): the Worker under `wrangler dev` over a full-scale kimi
 * file in each layout real writers produce (`--layout datasets|pyarrow-defaults|pyarrow-rg1000|all`, default all,
 * one after the other, each with a fresh `wrangler dev` and cold R2; bench/lib/memory-layouts.ts writes the
 * files), with the isolate's heap read over the devtools inspector (`Runtime.getHeapUsage` every 100 ms: `usedSize`
 * + `backingStorageSize` + `embedderHeapUsedSize`, RECIPES.md). A deployed Worker gets 128 MB for all of it;
 * `wrangler dev` enforces nothing.
 *
 * Workloads, in order, each with its own peak:
 *   (m) files without a page index only (the pyarrow layouts): first contact (`/api/health` opens the files and
 *       starts the page-map Queue job), then a handful of cold `/api/trace/:id` that must each answer 503
 *       `page-map-pending` with Retry-After (never 500), then `/api/health` polled until every config's page map is
 *       complete: how long the map took through the Queue, and the peak meanwhile;
 *   (a) cold traffic while stats compute: `/api/stats?config=kimi` once (starts the Queue fan-out), then at once
 *       240 distinct cold `/api/trace/:id` at concurrency 8 (the largest rows included); every non-200 counted;
 *   (b) `/api/stats?config=kimi` polled until `complete: true` (or the timeout);
 *   (c) 500 distinct cold traces at concurrency 8 (none requested before in the run; the largest rows included);
 *   (d) 100 `/api/traces` list pages (offsets, filters, cursors);
 *   (e) the whole-config export `/api/export.jsonl?config=kimi&format=openai`, following `Link: rel="next"`.
 * `coldload` runs (m) and (a) only. Then, per layout, "traces exact": 30 of (c)'s cold traces (the 10 largest rows
 * among them) equal the documents computed in Node from the same file by hyparquet + `traceFromRow`; "stats
 * exact": the complete `/api/stats?config=kimi` equals the stats CLI's output for that file and revision
 * (bench/lib/memory-exact.ts). One summary table over the layouts at the end.
 *
 * Fails (non-zero exit from run.ts) when a layout's isolate peak exceeds 128 MB (target 96 MB), when (a) had a
 * non-200 answer, when stats never completed, when a page map never completed or a trace answered other than 503
 * `page-map-pending` + Retry-After while it was pending, or when traces or stats were not exact.
 *
 * V8 under a heap limit: a deployed isolate's V8 runs under its 128 MB limit and collects garbage before it gets
 * there; `wrangler dev` runs it unlimited, so garbage (dead strings, spent ArrayBuffers) piles up to ~150–210 MB
 * between lazy collections, and the peak measures the garbage collector's laziness, not what the Worker holds.
 * So by default workerd's V8 gets `--max-old-space-size=64 --max-semi-space-size=2` (MINIFLARE_WORKERD_V8_FLAGS;
 * half the deployed limit): V8 must collect to stay within it, and a Worker whose live data did not fit would
 * crash with out-of-memory and fail requests, which the workloads count. `--v8-flags ""` measures unlimited.
 *
 * Data: python3 with pyarrow (and `datasets` for its layout) rewrites the generated sample (`.cache/bench-full`)
 * into `.cache/bench-full-<layout>` once; without them the generated sample's own layout (hyparquet-writer) is used
 * and labelled as such. Row ids and sizes come from the generated sample (same rows, same order: checked).
 */
import { createHash } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet'
import { startFakeHub } from '../scripts/dev/fake-hub.ts'
import { freePort, startWranglerDev } from '../scripts/dev/wrangler-dev.ts'
import { readDatasetDir } from '../scripts/lib/dataset-dir.ts'
import { shuffled } from '../scripts/lib/random.ts'
import { DEFAULT_DATASET } from '../shared/dataset.ts'
import { parquetRowGroups } from '../shared/parquet.ts'
import type { Trace } from '../shared/types.ts'
import { startLocalCron } from './lib/local-cron.ts'
import { cliStats, jsonDifference, referenceTraces } from './lib/memory-exact.ts'
import { type MemoryData, type MemoryLayout, prepareLayoutData } from './lib/memory-layouts.ts'
import { snapshotWorker } from './lib/worker-snapshot.ts'
import { logDigest } from './lib/wrangler-log.ts'

const ROOT = join(import.meta.dirname, '..')
const MB = 2 ** 20
/** A deployed Worker's memory limit and the issue's target. */
export const LIMIT_MB = 128
export const TARGET_MB = 96
const INSPECTOR_ORIGIN = 'https://devtools.devprod.cloudflare.dev'
const CONFIG = 'kimi'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const mb = (bytes: number) => Math.round((bytes / MB) * 10) / 10
const kb = (bytes: number) =>
  bytes >= MB ? `${(bytes / MB).toFixed(2)} MB` : `${Math.round(bytes / 1024)} KB`
const say = (line: string) => process.stdout.write(`  ${line}\n`)

// ---------------------------------------------------------------------------------------------------------------
// Data

/** Ids and conversation bytes (UTF-8 of every `from` and `value`) of each row of a file, cached by size + mtime. */
async function rowSizes(path: string): Promise<{ ids: string[]; bytes: number[] }> {
  const st = statSync(path)
  const key = createHash('sha1').update(`v2\0${path}\0${st.size}\0${st.mtimeMs}`).digest('hex').slice(0, 16)
  const cacheFile = join(ROOT, '.cache/bench-memory', `rows-${key}.json`)
  if (existsSync(cacheFile)) return JSON.parse(readFileSync(cacheFile, 'utf8'))
  const t = performance.now()
  const file = await asyncBufferFromFile(path)
  const metadata = await parquetMetadataAsync(file)
  const ids = (await parquetReadObjects({ file, metadata, columns: ['id'] })).map((r) => String(r.id))
  const bytes: number[] = []
  // Bounded slices (100 rows) where an offset index lets hyparquet read only their pages; a group without one is
  // decoded whole by any read of it, so it is read once. (hyparquet decodes STRING columns even with utf8: false,
  // so the bytes are counted from the strings.)
  for (const group of parquetRowGroups(metadata)) {
    const step = group.offsetIndex ? 100 : group.rows
    for (let s = group.start; s < group.start + group.rows; s += step) {
      const rows = await parquetReadObjects({
        file,
        metadata,
        columns: ['conversations'],
        rowStart: s,
        rowEnd: Math.min(group.start + group.rows, s + step),
        useOffsetIndex: true,
      })
      for (const row of rows) {
        let n = 0
        for (const m of (row.conversations ?? []) as { from?: unknown; value?: unknown }[])
          n += utf8Bytes(m.from) + utf8Bytes(m.value)
        bytes.push(n)
      }
    }
  }
  if (bytes.length !== ids.length)
    throw new Error(`read ${bytes.length} row sizes for ${ids.length} ids in ${path}`)
  mkdirSync(join(ROOT, '.cache/bench-memory'), { recursive: true })
  writeFileSync(cacheFile, JSON.stringify({ ids, bytes }))
  process.stderr.write(
    `memory: row sizes of ${path} read in ${Math.round((performance.now() - t) / 1000)} s\n`,
  )
  return { ids, bytes }
}

/** UTF-8 bytes of a string (or a byte array). */
function utf8Bytes(v: unknown): number {
  if (typeof v === 'string') return Buffer.byteLength(v, 'utf8')
  if (v instanceof Uint8Array) return v.byteLength
  return 0
}

// ---------------------------------------------------------------------------------------------------------------
// The isolate's heap over the inspector, workerd's RSS from /proc

/** One `Runtime.getHeapUsage` answer. */
interface HeapUsage {
  usedSize: number
  totalSize: number
  backingStorageSize?: number
  embedderHeapUsedSize?: number
}

/** A devtools-protocol session with the Worker isolate (`wrangler dev --inspector-port`). */
class Inspector {
  private next = 1
  private readonly waiting = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void }>()
  closed = false
  private readonly ws: WebSocket

  private constructor(ws: WebSocket) {
    this.ws = ws
    ws.addEventListener('message', (ev) => {
      const msg = JSON.parse(String(ev.data)) as {
        id?: number
        result?: unknown
        error?: { message: string }
      }
      if (msg.id === undefined) return // events
      const w = this.waiting.get(msg.id)
      if (!w) return
      this.waiting.delete(msg.id)
      if (msg.error) w.fail(new Error(msg.error.message))
      else w.ok(msg.result)
    })
    ws.addEventListener('close', () => {
      this.closed = true
      for (const w of this.waiting.values()) w.fail(new Error('inspector closed'))
      this.waiting.clear()
    })
  }

  static async connect(port: number): Promise<Inspector> {
    let last = ''
    for (let attempt = 0; attempt < 20; attempt++) {
      // Node's WebSocket (undici) takes `headers`; without the devtools Origin wrangler's proxy answers 400.
      const Ctor = WebSocket as unknown as new (
        url: string,
        init: { headers: Record<string, string> },
      ) => WebSocket
      const ws = new Ctor(`ws://127.0.0.1:${port}/ws`, { headers: { Origin: INSPECTOR_ORIGIN } })
      const opened = await new Promise<boolean>((ok) => {
        ws.addEventListener('open', () => ok(true), { once: true })
        ws.addEventListener(
          'error',
          (e) => {
            last = (e as ErrorEvent).message ?? 'error'
            ok(false)
          },
          { once: true },
        )
      })
      if (opened) return new Inspector(ws)
      await sleep(500)
    }
    throw new Error(`could not connect to the Worker inspector on port ${port}: ${last}`)
  }

  call<T>(method: string, timeoutMs = 30_000): Promise<T> {
    if (this.closed) return Promise.reject(new Error('inspector closed'))
    const id = this.next++
    return new Promise<T>((ok, fail) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id)
        fail(new Error(`${method}: no answer in ${timeoutMs} ms`))
      }, timeoutMs)
      this.waiting.set(id, {
        ok: (v) => {
          clearTimeout(timer)
          ok(v as T)
        },
        fail: (e) => {
          clearTimeout(timer)
          fail(e)
        },
      })
      this.ws.send(JSON.stringify({ id, method }))
    })
  }

  heap(): Promise<HeapUsage> {
    return this.call<HeapUsage>('Runtime.getHeapUsage')
  }

  async gc(timeoutMs: number): Promise<void> {
    await this.call('HeapProfiler.collectGarbage', timeoutMs)
  }

  close(): void {
    this.ws.close()
  }
}

/** RSS (bytes) of the workerd processes in a process group (the wrangler dev we started, not anyone else's). */
function workerdRss(pgid: number): number {
  let total = 0
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(fields[2]) !== pgid) continue // field 5: process group
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('workerd')) continue
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
      if (m) total += Number(m[1]) * 1024
    } catch {
      // process ended
    }
  }
  return total
}

/** Peaks over a window of samples (bytes). */
export interface Peak {
  /** max of used + backing + embedder over the samples (one sample's sum, not a sum of maxima). */
  total: number
  used: number
  backing: number
  embedder: number
  /** workerd processes' RSS: the whole runtime (dev server, other isolates, allocator slack), not the isolate. */
  rss: number
  samples: number
  /** Longest time between two heap answers (the isolate answers between tasks). */
  maxGapMs: number
}

const emptyPeak = (): Peak => ({
  total: 0,
  used: 0,
  backing: 0,
  embedder: 0,
  rss: 0,
  samples: 0,
  maxGapMs: 0,
})

/** Polls the heap every 100 ms (one request in flight at a time) and workerd's RSS; keeps per-window and overall peaks. */
class Sampler {
  private window = emptyPeak()
  readonly overall = emptyPeak()
  private timer: ReturnType<typeof setInterval> | undefined
  private lastAnswer = performance.now()
  errors = 0
  private inspector: Inspector
  private readonly inspectorPort: number
  private readonly pgid: number

  constructor(inspector: Inspector, inspectorPort: number, pgid: number) {
    this.inspector = inspector
    this.inspectorPort = inspectorPort
    this.pgid = pgid
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), 100)
  }

  private record(p: Peak, h: HeapUsage, gap: number): void {
    const backing = h.backingStorageSize ?? 0
    const embedder = h.embedderHeapUsedSize ?? 0
    p.total = Math.max(p.total, h.usedSize + backing + embedder)
    p.used = Math.max(p.used, h.usedSize)
    p.backing = Math.max(p.backing, backing)
    p.embedder = Math.max(p.embedder, embedder)
    p.samples++
    p.maxGapMs = Math.max(p.maxGapMs, gap)
  }

  /** Polls sent and not answered yet, and when the last one was sent. */
  private outstanding = 0
  private lastSent = 0
  /** Polls never answered (60 s): the inspector dropped them. */
  lost = 0

  private tick(): void {
    const rss = workerdRss(this.pgid)
    this.window.rss = Math.max(this.window.rss, rss)
    this.overall.rss = Math.max(this.overall.rss, rss)
    // One poll in flight; another only when it is over 1 s late (an answer the inspector dropped must not stop
    // sampling), at most 5. Late answers still count.
    const now = performance.now()
    if (this.outstanding > 0 && (now - this.lastSent < 1000 || this.outstanding >= 5)) return
    this.outstanding++
    this.lastSent = now
    this.inspector
      .call<HeapUsage>('Runtime.getHeapUsage', 60_000)
      .then((h) => {
        const at = performance.now()
        const gap = Math.round(at - this.lastAnswer)
        this.lastAnswer = at
        this.record(this.window, h, gap)
        this.record(this.overall, h, gap)
      })
      .catch(async () => {
        if (this.inspector.closed) {
          this.errors++
          // workerd restarted the isolate (or the proxy dropped us): reconnect and go on.
          this.inspector = await Inspector.connect(this.inspectorPort).catch(() => this.inspector)
        } else this.lost++
      })
      .finally(() => {
        this.outstanding--
      })
  }

  /** False once `HeapProfiler.collectGarbage` went unanswered (workerd under wrangler dev never answered it here). */
  gcWorks = true

  /** Start a new window; returns the heap at its start (after a forced GC when the inspector performs one). */
  async begin(): Promise<{ heap: HeapUsage; gc: boolean } | null> {
    if (this.gcWorks) {
      await this.inspector.gc(3000).catch(() => {
        this.gcWorks = false
      })
    }
    const heap = await this.inspector.heap().catch(() => null)
    this.window = emptyPeak()
    this.lastAnswer = performance.now()
    return heap ? { heap, gc: this.gcWorks } : null
  }

  /** The current window's peaks. */
  end(): Peak {
    return { ...this.window }
  }

  stop(): void {
    clearInterval(this.timer)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Workloads

/** Statuses of many requests, and the first bodies of the failures. */
interface Outcome {
  requests: number
  ok: number
  /** Non-200 answers by status (`no answer`: network error or client timeout; `200 + broken body`: cut off). */
  failures: Record<string, number>
  examples: string[]
  p50Ms: number
  p99Ms: number
  maxMs: number
  responseBytes: number
  seconds: number
}

const nonOk = (o: Outcome) => Object.values(o.failures).reduce((n, v) => n + v, 0)

/** GET every URL, `concurrency` at a time; the 200 bodies of the URLs `kept` has keys for are stored in it. */
async function getMany(
  urls: string[],
  concurrency: number,
  timeoutMs = 180_000,
  kept?: Map<string, string | null>,
): Promise<Outcome> {
  const out: Outcome = {
    requests: urls.length,
    ok: 0,
    failures: {},
    examples: [],
    p50Ms: 0,
    p99Ms: 0,
    maxMs: 0,
    responseBytes: 0,
    seconds: 0,
  }
  const times: number[] = []
  const t0 = performance.now()
  let next = 0
  const worker = async () => {
    for (;;) {
      const url = urls[next++]
      if (url === undefined) return
      const t = performance.now()
      let status: string
      let body = ''
      let res: Response | undefined
      try {
        res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
        const buf = await res.arrayBuffer()
        out.responseBytes += buf.byteLength
        status = String(res.status)
        if (res.status !== 200) body = new TextDecoder().decode(buf.slice(0, 600))
        else if (kept?.has(url)) kept.set(url, new TextDecoder().decode(buf))
      } catch (err) {
        // No answer at all, or headers (status) then a body that broke off (workerd dropped the connection).
        status = res ? `${res.status} + broken body` : 'no answer'
        const cause = (err as { cause?: { message?: string } }).cause?.message
        body = `${(err as Error).name}: ${(err as Error).message}${cause ? ` (${cause})` : ''}`
      }
      times.push(performance.now() - t)
      if (status === '200') out.ok++
      else {
        out.failures[status] = (out.failures[status] ?? 0) + 1
        if (out.examples.length < 4)
          out.examples.push(`${status} ${new URL(url).pathname}: ${body.replace(/\s+/g, ' ').slice(0, 400)}`)
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  times.sort((a, b) => a - b)
  const at = (q: number) => Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0)
  out.p50Ms = at(0.5)
  out.p99Ms = at(0.99)
  out.maxMs = Math.round(times[times.length - 1] ?? 0)
  out.seconds = Math.round((performance.now() - t0) / 100) / 10
  return out
}

function describeOutcome(o: Outcome): string {
  const fails = Object.entries(o.failures)
    .map(([s, n]) => `${n}× ${s}`)
    .join(', ')
  return (
    `${o.ok}/${o.requests} answered 200${fails ? `; non-200: ${fails}` : ''}; ` +
    `${o.seconds} s, latency p50 ${o.p50Ms} ms, p99 ${o.p99Ms} ms, max ${o.maxMs} ms`
  )
}

interface StatsBody {
  complete?: boolean
  rows?: number
  rowsTotal?: number
  categories?: Record<string, unknown>
  /** shared/types.ts Coverage (API answers while incomplete). */
  coverage?: { missing?: MissingSlice[] }
}

/** A row range stats still lack (shared/types.ts Coverage). */
type MissingSlice = { start: number; end: number; state: string; error?: string }

async function getStats(base: string): Promise<{ status: number; body: StatsBody | null; text: string }> {
  try {
    const res = await fetch(`${base}/api/stats?config=${CONFIG}`, { signal: AbortSignal.timeout(120_000) })
    const text = await res.text()
    let body: StatsBody | null = null
    try {
      body = JSON.parse(text) as StatsBody
    } catch {
      body = null
    }
    return { status: res.status, body, text }
  } catch (err) {
    return { status: 0, body: null, text: `${(err as Error).name}: ${(err as Error).message}` }
  }
}

/** What (b) found. */
interface StatsRun {
  complete: boolean
  seconds: number
  rows: number
  rowsTotal: number
  polls: number
  non200: Record<string, number>
  examples: string[]
  /** Why it stopped without completing (timeout, or every missing slice marked failed with no progress). */
  stoppedBecause: string | null
  /** Slices the Worker reports as failed (of those it lists), with their distinct errors. */
  failedSlices: number
  failedErrors: [string, number][]
}

/**
 * Poll stats until complete; progress lines on stdout. Stops early when rows have not moved for `stallMs` and every
 * missing slice the Worker lists is marked failed (nothing is queued: nobody will do the work).
 */
async function statsToCompletion(base: string, timeoutMs: number, stallMs = 6 * 60_000): Promise<StatsRun> {
  const t0 = performance.now()
  let lastPrint = 0
  let lastProgress = t0
  let rows = -1
  let rowsTotal = 0
  let polls = 0
  const non200: Record<string, number> = {}
  const examples: string[] = []
  let missing: MissingSlice[] = []
  const finish = (complete: boolean, stoppedBecause: string | null): StatsRun => {
    const failed = missing.filter((m) => m.state === 'failed')
    const errors = new Map<string, number>()
    for (const m of failed) {
      const shape = (m.error ?? '?').replace(/\d+(\.\d+)?/g, 'N')
      errors.set(shape, (errors.get(shape) ?? 0) + 1)
    }
    return {
      complete,
      seconds: Math.round((performance.now() - t0) / 100) / 10,
      rows: Math.max(0, rows),
      rowsTotal,
      polls,
      non200,
      examples,
      stoppedBecause,
      failedSlices: failed.length,
      failedErrors: [...errors.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5),
    }
  }
  for (;;) {
    const r = await getStats(base)
    polls++
    if (r.status !== 200) {
      non200[String(r.status)] = (non200[String(r.status)] ?? 0) + 1
      if (examples.length < 3) examples.push(`${r.status}: ${r.text.replace(/\s+/g, ' ').slice(0, 300)}`)
    }
    const now = performance.now()
    if (r.body?.rows !== undefined && r.body.rows !== rows) {
      rows = r.body.rows
      lastProgress = now
    }
    rowsTotal = r.body?.rowsTotal ?? rowsTotal
    missing = r.body?.coverage?.missing ?? missing
    const elapsed = now - t0
    if (r.body?.complete === true) return finish(true, null)
    if (elapsed - lastPrint >= 30_000) {
      lastPrint = elapsed
      const failed = missing.filter((m) => m.state === 'failed').length
      say(
        `(b) stats progress: ${Math.max(0, rows)}/${rowsTotal} rows after ${Math.round(elapsed / 1000)} s` +
          (missing.length ? ` (missing slices listed: ${missing.length}, ${failed} marked failed)` : ''),
      )
    }
    if (elapsed > timeoutMs) return finish(false, `timeout after ${timeoutMs / 60_000} min`)
    if (now - lastProgress > stallMs && missing.length > 0 && missing.every((m) => m.state === 'failed')) {
      return finish(
        false,
        `no progress for ${stallMs / 60_000} min (cron repair fired meanwhile) and every missing slice listed is marked failed`,
      )
    }
    await sleep(2000)
  }
}

/** The export, following `Link: <…>; rel="next"` until there is none; bodies counted as they stream, never kept. */
async function exportAll(base: string): Promise<{
  pages: number
  lines: number
  bytes: number
  seconds: number
  status: number
  error: string | null
}> {
  const t0 = performance.now()
  let url: string | null = `${base}/api/export.jsonl?config=${CONFIG}&format=openai`
  let pages = 0
  let lines = 0
  let bytes = 0
  const seen = new Set<string>()
  while (url) {
    if (seen.has(url))
      return { pages, lines, bytes, seconds: 0, status: 200, error: `Link rel=next loops back to ${url}` }
    seen.add(url)
    let res: Response
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(600_000) })
    } catch (err) {
      return {
        pages,
        lines,
        bytes,
        seconds: 0,
        status: 0,
        error: `${(err as Error).name}: ${(err as Error).message}`,
      }
    }
    if (res.status !== 200) {
      const text = (await res.text()).replace(/\s+/g, ' ').slice(0, 400)
      return {
        pages,
        lines,
        bytes,
        seconds: Math.round((performance.now() - t0) / 100) / 10,
        status: res.status,
        error: text,
      }
    }
    pages++
    try {
      const reader = (res.body as ReadableStream<Uint8Array>).getReader()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        bytes += value.byteLength
        for (const b of value) if (b === 10) lines++
      }
    } catch (err) {
      return {
        pages,
        lines,
        bytes,
        seconds: Math.round((performance.now() - t0) / 100) / 10,
        status: 200,
        error: `body broke off after ${bytes} bytes: ${(err as Error).message}`,
      }
    }
    const link = res.headers.get('link') ?? ''
    const next = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(link)?.[1]
    url = next ? new URL(next, url).toString() : null
  }
  return {
    pages,
    lines,
    bytes,
    seconds: Math.round((performance.now() - t0) / 100) / 10,
    status: 200,
    error: null,
  }
}

/** A config's page-map job as `/api/health` reports it (`configs.<c>.pageMap`). */
interface PageMapProgress {
  needed: boolean
  complete: boolean
  bytesDone: number
  bytesTotal: number
}

async function getHealth(
  base: string,
): Promise<{ status: number; maps: Record<string, PageMapProgress> | null; text: string }> {
  try {
    const res = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(60_000) })
    const text = await res.text()
    try {
      const body = JSON.parse(text) as { configs?: Record<string, { pageMap?: PageMapProgress }> }
      const maps: Record<string, PageMapProgress> = {}
      for (const [config, c] of Object.entries(body.configs ?? {})) if (c.pageMap) maps[config] = c.pageMap
      return { status: res.status, maps: Object.keys(maps).length ? maps : null, text }
    } catch {
      return { status: res.status, maps: null, text }
    }
  } catch (err) {
    return { status: 0, maps: null, text: `${(err as Error).name}: ${(err as Error).message}` }
  }
}

/** What the cold traces sent while the page map was pending got. */
interface PendingCheck {
  requests: number
  /** 503, problem+json, type `…page-map-pending`, Retry-After a positive number of seconds. */
  pending503: number
  /** Every other answer, by "status type". */
  other: Record<string, number>
  examples: string[]
  retryAfter: number[]
}

/** What (m) found. */
interface PageMapRun {
  /** Configs whose file needs a page map (health's `needed`). */
  needed: string[]
  complete: boolean
  /** First contact to every needed map complete (health polled every second). */
  seconds: number
  perConfig: Record<string, { seconds: number | null; bytesTotal: number }>
  healthPolls: number
  healthNon200: Record<string, number>
  pending: PendingCheck
  stoppedBecause: string | null
}

/** Cold traces while the page map is pending: each answer classified (see PendingCheck). */
async function pendingTraces(urls: string[], concurrency: number): Promise<PendingCheck> {
  const out: PendingCheck = { requests: urls.length, pending503: 0, other: {}, examples: [], retryAfter: [] }
  let next = 0
  const worker = async () => {
    for (;;) {
      const url = urls[next++]
      if (url === undefined) return
      let key: string
      let detail = ''
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(120_000) })
        const text = await res.text()
        let type = ''
        try {
          type = String((JSON.parse(text) as { type?: unknown }).type ?? '')
        } catch {
          type = '(not JSON)'
        }
        const retryAfter = Number(res.headers.get('retry-after'))
        const problem = (res.headers.get('content-type') ?? '').includes('application/problem+json')
        if (res.status === 503 && /page-map-pending$/.test(type) && retryAfter > 0 && problem) {
          out.pending503++
          if (!out.retryAfter.includes(retryAfter)) out.retryAfter.push(retryAfter)
          continue
        }
        key = `${res.status} ${type || '-'}${res.status === 503 && !(retryAfter > 0) ? ' (no Retry-After)' : ''}`
        detail = text.replace(/\s+/g, ' ').slice(0, 300)
      } catch (err) {
        key = 'no answer'
        detail = `${(err as Error).name}: ${(err as Error).message}`
      }
      out.other[key] = (out.other[key] ?? 0) + 1
      if (out.examples.length < 3) out.examples.push(`${key} ${new URL(url).pathname}: ${detail}`)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return out
}

/**
 * (m): first contact through `/api/health` (it opens every config's file: the page-map jobs start), the cold
 * traces sent while the maps are pending, then health polled every second until every needed map is complete.
 */
async function pageMapToCompletion(
  base: string,
  pendingUrls: string[],
  timeoutMs: number,
): Promise<PageMapRun> {
  const t0 = performance.now()
  const run: PageMapRun = {
    needed: [],
    complete: false,
    seconds: 0,
    perConfig: {},
    healthPolls: 0,
    healthNon200: {},
    pending: { requests: 0, pending503: 0, other: {}, examples: [], retryAfter: [] },
    stoppedBecause: null,
  }
  const since = () => Math.round((performance.now() - t0) / 100) / 10
  const poll = async () => {
    const h = await getHealth(base)
    run.healthPolls++
    if (h.status !== 200) run.healthNon200[String(h.status)] = (run.healthNon200[String(h.status)] ?? 0) + 1
    for (const [config, p] of Object.entries(h.maps ?? {})) {
      if (!p.needed) continue
      if (!run.needed.includes(config)) run.needed.push(config)
      const entry = run.perConfig[config] ?? { seconds: null, bytesTotal: 0 }
      run.perConfig[config] = entry
      entry.bytesTotal = Math.max(entry.bytesTotal, p.bytesTotal)
      if (p.complete && entry.seconds === null) entry.seconds = since()
    }
    return h
  }
  const first = await poll()
  if (!first.maps) {
    run.stoppedBecause = `/api/health answered ${first.status} without page-map progress: ${first.text.slice(0, 200)}`
    return run
  }
  if (run.needed.length === 0) {
    run.complete = true
    return run
  }
  run.pending = await pendingTraces(pendingUrls, 3)
  let lastPrint = 0
  for (;;) {
    const waiting = run.needed.filter((c) => run.perConfig[c]?.seconds === null)
    if (waiting.length === 0) {
      run.complete = true
      run.seconds = since()
      return run
    }
    const elapsed = performance.now() - t0
    if (elapsed > timeoutMs) {
      run.seconds = since()
      run.stoppedBecause = `timeout after ${timeoutMs / 60_000} min (still building: ${waiting.join(', ')})`
      return run
    }
    await sleep(1000)
    const h = await poll()
    if (elapsed - lastPrint >= 30_000) {
      lastPrint = elapsed
      say(
        `(m) page maps after ${Math.round(elapsed / 1000)} s: ${Object.entries(h.maps ?? {})
          .filter(([, p]) => p.needed)
          .map(([c, p]) => `${c} ${p.complete ? 'complete' : `${mb(p.bytesDone)}/${mb(p.bytesTotal)} MB`}`)
          .join(', ')}`,
      )
    }
  }
}

/** `/api/traces` URLs: offsets, page sizes, filters and (where the API offers one) a cursor. */
function listUrls(base: string, rows: number, categories: string[]): string[] {
  const filters = [
    '',
    'error=any',
    'error=none',
    'minCalls=20',
    'maxCalls=5',
    'tool=terminal',
    'tool=browser_navigate&error=any',
    'minMessages=30',
    'minParallel=2',
    'q=the',
    ...categories.slice(0, 6).map((c) => `category=${encodeURIComponent(c)}`),
  ]
  const urls: string[] = []
  for (let i = 0; i < 100; i++) {
    const filter = filters[i % filters.length] as string
    const limit = [20, 50, 100][i % 3] as number
    const offset = filter === '' ? (i * 997) % Math.max(1, rows) : ((i * 37) % 10) * limit
    urls.push(
      `${base}/api/traces?config=${CONFIG}&limit=${limit}&offset=${offset}${filter ? `&${filter}` : ''}`,
    )
  }
  return urls
}

// ---------------------------------------------------------------------------------------------------------------

/** Options of {@link benchMemory}. */
export interface MemoryBenchOptions {
  /** Only workloads (m) and (a): the cold-load headline check. */
  coldloadOnly?: boolean
  /** Give up on (b) after this many minutes (default 15). */
  statsTimeoutMin?: number
  /** Give up on (m), the page map, after this many minutes (default 30). */
  pageMapTimeoutMin?: number
  /** Requests in flight for (a) and (c) (default 8). */
  concurrency?: number
  /** V8 flags for workerd (default DEFAULT_V8_FLAGS; "" for none). */
  v8Flags?: string
  /** The Worker sources to serve (bench/lib/worker-snapshot.ts; default the checkout itself). */
  workerDir?: string
  /** Extra `[vars]` overrides for the Worker (e.g. MEMORY_BUDGET_MB), reported with the results. */
  workerVars?: Record<string, string>
}

/** V8 flags of the measured isolate by default: a heap limit, as deployed (see the file comment). */
export const DEFAULT_V8_FLAGS = '--max-old-space-size=64 --max-semi-space-size=2'

/** One layout's line of the summary table. */
export interface MemorySummary {
  layout: MemoryLayout
  /** The writer and its settings, e.g. "pyarrow 25.0.1 (pyarrow.parquet.write_table(table, path))". */
  writer: string
  written: boolean
  rowGroups: number
  /** Row groups with an offset index, of all. */
  pageIndex: string
  /** (m): seconds from first contact until every page map was complete; null: none needed; "never". */
  pageMapSeconds: number | null | 'never'
  /** (m): cold traces answered 503 page-map-pending + Retry-After, of those sent; null: not run. */
  pending: string | null
  /** Isolate peaks (MB) per workload key (m, a, b, c, d, e) and `overall`; null: no heap sample in the window. */
  peaksMB: Record<string, number | null>
  /** Non-200 answers of (a), (c), (d). */
  non200: { a: number; c: number | null; d: number | null }
  statsComplete: boolean | null
  tracesExact: string
  statsExact: string
  passed: boolean
}

/** Results of {@link benchMemory}: figures for the results JSON and the reasons it failed (empty: passed). */
export interface MemoryBench {
  results: Record<string, unknown>
  failures: string[]
  summary: MemorySummary
}

/** Run the memory / cold-load bench over a dataset directory (see the file comment). */
export async function benchMemory(data: MemoryData, options: MemoryBenchOptions = {}): Promise<MemoryBench> {
  const concurrency = options.concurrency ?? 8
  const statsTimeoutMs = (options.statsTimeoutMin ?? 15) * 60_000
  const pageMapTimeoutMs = (options.pageMapTimeoutMin ?? 30) * 60_000
  const file = join(data.dir, 'data', CONFIG, 'train.parquet')
  let generator = 'unknown generator'
  try {
    const meta = JSON.parse(readFileSync(join(data.dir, 'sample.json'), 'utf8')) as {
      version?: string
      payload?: number
      seed?: number
    }
    generator = `sample generator ${meta.version ?? '?'} (payload ${meta.payload ?? '?'}, seed ${meta.seed ?? '?'})`
  } catch {
    // not a generated sample (a Hub mirror, say)
  }
  const results: Record<string, unknown> = {
    generator,
    dataset: data.dir,
    layoutName: data.layoutName,
    layout: data.layout,
    layoutWritten: data.written,
  }
  const failures: string[] = []
  say(`data: ${file} (${mb(statSync(file).size)} MB), rows from the ${generator}, written by ${data.layout}`)
  if (options.workerVars && Object.keys(options.workerVars).length) {
    results.workerVars = options.workerVars
    say(
      `Worker vars overridden: ${Object.entries(options.workerVars)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`,
    )
  }
  const v8Flags = options.v8Flags ?? DEFAULT_V8_FLAGS
  process.env.MINIFLARE_WORKERD_V8_FLAGS = v8Flags
  results.v8Flags = v8Flags
  say(
    `workerd V8 flags: ${v8Flags ? `"${v8Flags}" (GC under a heap limit, as a deployed isolate)` : 'none (unlimited heap: peaks include uncollected garbage)'}`,
  )

  const md = await parquetMetadataAsync(await asyncBufferFromFile(file))
  const groups = parquetRowGroups(md)
  const withIndex = groups.filter((g) => g.offsetIndex).length
  const codecs = new Set(
    md.row_groups.flatMap((g) =>
      g.columns.map((c) => `${c.meta_data?.path_in_schema.join('.')}:${c.meta_data?.codec}`),
    ),
  )
  results.file = {
    bytes: statSync(file).size,
    rows: Number(md.num_rows),
    rowGroups: groups.length,
    rowsPerGroup: [...new Set(groups.map((g) => g.rows))].slice(0, 5),
    rowGroupsWithOffsetIndex: withIndex,
    codecs: [...codecs],
    createdBy: md.created_by ?? null,
  }
  say(
    `layout: ${fmt(Number(md.num_rows))} rows in ${groups.length} row groups (rows per group ${[...new Set(groups.map((g) => g.rows))].slice(0, 4).join(', ')}${groups.length > 4 ? ', …' : ''}), offset index in ${withIndex}/${groups.length} groups; codecs ${[...new Set([...codecs].map((c) => c.split(':')[1]))].join(', ')}`,
  )

  // Ids and sizes from the generated sample the layout was written from (cached; the same rows for every
  // layout), after checking that the layout's file holds the same ids in the same order.
  const sizes = await rowSizes(join(data.sourceDir, 'data', CONFIG, 'train.parquet'))
  if (data.dir !== data.sourceDir) {
    const ids = await parquetReadObjects({
      file: await asyncBufferFromFile(file),
      metadata: md,
      columns: ['id'],
    })
    const at = ids.findIndex((r, i) => String(r.id) !== sizes.ids[i])
    if (ids.length !== sizes.ids.length || at >= 0)
      throw new Error(
        `${file} does not hold the rows of ${data.sourceDir} in order (${ids.length} vs ${sizes.ids.length} rows; first difference at row ${at})`,
      )
  }
  const order = sizes.ids.map((_, i) => i).sort((a, b) => (sizes.bytes[b] ?? 0) - (sizes.bytes[a] ?? 0))
  const largest = order.slice(0, 20)
  const rest = shuffled(order.slice(20), 8)
  // The 20 largest rows: the odd ranks go to (a), the even ones (the largest) to (c). Nothing is requested twice.
  // The last 6 of the shuffle are (m)'s, sent while a page map is pending.
  const coldA = [...largest.filter((_, k) => k % 2 === 1), ...rest.slice(0, 230)].slice(0, 240)
  const coldC = [
    ...largest.filter((_, k) => k % 2 === 0),
    ...rest.slice(230, Math.min(720, rest.length - 6)),
  ].slice(0, 500)
  const coldM = rest.slice(-6)
  // Traces exact: (c)'s first 30 (its 10 largest rows among them) against documents computed in Node.
  const exactRows = coldC.slice(0, 30)
  const rowBytes = (rows: number[]) => Math.max(...rows.map((r) => sizes.bytes[r] ?? 0))
  results.largestRowBytes = sizes.bytes[order[0] ?? 0] ?? 0
  say(
    `rows: largest conversation ${kb(sizes.bytes[order[0] ?? 0] ?? 0)} (UTF-8 of every from + value), median ${kb(sizes.bytes[order[Math.floor(order.length / 2)] ?? 0] ?? 0)}`,
  )

  const hub = await startFakeHub({ dir: data.dir })
  // The references, computed before the Worker starts (CPU-heavy: not during the measured workloads).
  let reference: Record<string, Trace> | null = null
  let referenceStats: unknown = null
  if (!options.coldloadOnly) {
    const ctx = {
      dataset: DEFAULT_DATASET,
      revision: hub.sha,
      sample: (await readDatasetDir(data.dir)).sample,
      config: CONFIG,
    }
    try {
      const r = referenceTraces(
        file,
        ctx,
        exactRows.map((row) => ({ row, id: sizes.ids[row] as string })),
      )
      reference = r.traces
      say(
        `reference: ${exactRows.length} traces from the file by hyparquet + traceFromRow ${r.cached ? '(cached)' : `in ${r.seconds} s`}`,
      )
    } catch (err) {
      failures.push(`reference traces: ${(err as Error).message.slice(0, 600)}`)
    }
    try {
      const r = cliStats(file, CONFIG, hub.sha)
      referenceStats = JSON.parse(r.text)
      say(
        `reference: node scripts/stats.ts --file ${file} --config ${CONFIG} --revision ${hub.sha.slice(0, 8)}… ${r.cached ? '(cached)' : `in ${r.seconds} s`}`,
      )
    } catch (err) {
      failures.push(`stats CLI: ${(err as Error).message.slice(0, 600)}`)
    }
  }
  const persist = mkdtempSync(join(tmpdir(), 'hte-bench-memory-'))
  const inspectorPort = await freePort()
  if (!existsSync(join(ROOT, 'dist/site'))) {
    // wrangler dev refuses a missing [assets] directory; the API needs none of the site.
    mkdirSync(join(ROOT, 'dist/site'), { recursive: true })
    say('note: dist/site was missing: created empty (the API does not use it); npm run build fills it')
  }
  const wrangler = await startWranglerDev({
    // One client standing in for many: per-client rate limits (workers/ratelimit.ts) would answer 429 instead.
    vars: { ...options.workerVars, HF_ENDPOINT: hub.url, RATE_LIMITS: 'off' },
    persistTo: persist,
    inspectorPort,
    cwd: options.workerDir,
    logLevel: 'log', // request lines, and the Worker's own JSON log lines (console.log)
    timeoutMs: 180_000,
  })
  const base = wrangler.url
  const inspector = await Inspector.connect(inspectorPort)
  const sampler = new Sampler(inspector, inspectorPort, wrangler.pid)
  sampler.start()
  // wrangler dev never fires [triggers] crons; production runs the repair every 5 minutes: do what it would.
  const cron = startLocalCron(base)
  say(
    'cron: wrangler dev does not fire [triggers] crons; the bench calls /cdn-cgi/local/scheduled every 5 min. ' +
      'Rate limits off (RATE_LIMITS=off): one client stands in for many',
  )
  const peaks: Record<string, Peak> = {}
  const line = (what: string, p: Peak) => {
    say(
      `isolate peak (used+backing+embedder) during ${what}: ${mb(p.total)} MB  ` +
        `[peaks alone: used ${mb(p.used)}, backing ${mb(p.backing)}, embedder ${mb(p.embedder)} MB; ${p.samples} samples, max gap ${p.maxGapMs} ms]`,
    )
    say(
      `workerd process RSS peak (whole runtime, not the isolate; baseline-like) during ${what}: ${mb(p.rss)} MB`,
    )
  }
  const measure = async <T>(key: string, what: string, fn: () => Promise<T>): Promise<T> => {
    const start = await sampler.begin()
    if (start) {
      const h = start.heap
      say(
        `(${key}) ${what}: isolate heap at the start${start.gc ? ' (after a forced GC)' : ' (no forced GC: the inspector does not perform one)'}: ` +
          `${mb(h.usedSize + (h.backingStorageSize ?? 0) + (h.embedderHeapUsedSize ?? 0))} MB`,
      )
    }
    const value = await fn()
    const p = sampler.end()
    peaks[key] = p
    line(what, p)
    return value
  }
  const unindexed = withIndex < groups.length
  let pageMap: PageMapRun | null = null
  const kept = new Map<string, string | null>(
    exactRows.map((r) => [`${base}/api/trace/${sizes.ids[r]}`, null]),
  )
  let workerStatsText: string | null = null
  try {
    // (m) Files without a page index: the page-map job through the Queue, and cold traces while it runs.
    if (unindexed) {
      const m = await measure(
        'm',
        `first contact, ${coldM.length} cold traces while the page map is pending, then the page map through the Queue (health polled every 1 s)`,
        () =>
          pageMapToCompletion(
            base,
            coldM.map((r) => `${base}/api/trace/${sizes.ids[r]}`),
            pageMapTimeoutMs,
          ),
      )
      pageMap = m
      results.pageMap = m
      if (m.needed.length === 0) {
        say(
          `(m) no config needs a page map (every chunk without an offset index is within the slice budget): nothing pending`,
        )
      } else {
        const p = m.pending
        const others = Object.entries(p.other)
          .map(([k, n]) => `${n}× ${k}`)
          .join(', ')
        const pendingLine = `${p.pending503}/${p.requests} cold traces answered 503 page-map-pending with Retry-After (${p.retryAfter.join(', ') || '-'} s) while the map was pending${others ? `; other answers: ${others}` : ''}`
        say(`(m) ${pendingLine}`)
        for (const e of p.examples) say(`    ${e}`)
        if (p.requests === 0 || p.pending503 !== p.requests) failures.push(`(m) ${pendingLine}`)
        const per = Object.entries(m.perConfig)
          .map(([c, v]) => `${c} ${v.seconds ?? 'never'} s (${mb(v.bytesTotal)} MB walked)`)
          .join(', ')
        const mapLine = m.complete
          ? `page maps complete through the Queue ${m.seconds} s after first contact: ${per}`
          : `page maps did NOT complete: ${m.stoppedBecause}; ${per}`
        say(`(m) ${mapLine}`)
        for (const [st, n] of Object.entries(m.healthNon200)) say(`(m) ${n}× HTTP ${st} from /api/health`)
        if (!m.complete) failures.push(mapLine)
      }
      if (m.stoppedBecause && m.needed.length === 0) failures.push(`(m) ${m.stoppedBecause}`)
    }

    // (a) Cold traffic while stats compute.
    const whatA = `${coldA.length} distinct cold traces @${concurrency} while stats compute (largest row ${kb(rowBytes(coldA))})`
    const a = await measure('a', whatA, async () => {
      const first = getStats(base)
      const traces = getMany(
        coldA.map((r) => `${base}/api/trace/${sizes.ids[r]}`),
        concurrency,
      )
      const [s, t] = await Promise.all([first, traces])
      return { statsStatus: s.status, statsRows: s.body?.rows ?? null, traces: t }
    })
    say(
      `(a) first /api/stats?config=${CONFIG}: HTTP ${a.statsStatus}${a.statsRows !== null ? `, ${a.statsRows} rows` : ''}`,
    )
    say(`(a) ${describeOutcome(a.traces)}`)
    for (const e of a.traces.examples) say(`    ${e}`)
    const headline = `${coldA.length} distinct cold traces at concurrency ${concurrency} while stats compute: ${nonOk(a.traces)} non-200`
    process.stdout.write(`\n  ${headline}\n\n`)
    results.coldload = { ...a.traces, nonOk: nonOk(a.traces), firstStatsStatus: a.statsStatus, headline }
    if (nonOk(a.traces) > 0) failures.push(headline)

    if (!options.coldloadOnly) {
      // (b) Stats to completion.
      const b = await measure(
        'b',
        `stats to completion (polled every 2 s, timeout ${statsTimeoutMs / 60_000} min)`,
        () => statsToCompletion(base, statsTimeoutMs),
      )
      const bLine = b.complete
        ? `(b) stats complete: ${b.rows}/${b.rowsTotal} rows, ${b.seconds} s after (a) ended`
        : `(b) stats did NOT complete: ${b.rows}/${b.rowsTotal} rows after ${b.seconds} s; stopped: ${b.stoppedBecause}`
      say(bLine)
      if (!b.complete && b.failedSlices)
        for (const [error, n] of b.failedErrors)
          say(`(b)   ${n} listed slice(s) failed: ${error.slice(0, 300)}`)
      for (const [s, n] of Object.entries(b.non200)) say(`(b) ${n}× HTTP ${s} from /api/stats`)
      for (const e of b.examples) say(`    ${e}`)
      results.stats = b
      if (!b.complete) failures.push(bLine.slice(4))
      else {
        // The complete document, for "stats exact" (answered from R2: no recomputation).
        const done = await getStats(base)
        workerStatsText = done.status === 200 && done.body?.complete === true ? done.text : null
      }

      // (c) 500 cold traces.
      const whatC = `${coldC.length} distinct cold traces @${concurrency} (none requested before; largest row ${kb(rowBytes(coldC))})`
      const c = await measure('c', whatC, () =>
        getMany(
          coldC.map((r) => `${base}/api/trace/${sizes.ids[r]}`),
          concurrency,
          undefined,
          kept,
        ),
      )
      say(`(c) ${describeOutcome(c)}`)
      for (const e of c.examples) say(`    ${e}`)
      results.coldTraces = { ...c, nonOk: nonOk(c) }

      // (d) 100 list pages.
      const statsNow = await getStats(base)
      const categories = Object.keys(
        (statsNow.body as { categories?: Record<string, unknown> } | null)?.categories ?? {},
      )
      const d = await measure('d', '100 /api/traces list pages @4 (offsets, limits 20/50/100, filters)', () =>
        getMany(listUrls(base, sizes.ids.length, categories), 4),
      )
      say(`(d) ${describeOutcome(d)}`)
      for (const e of d.examples) say(`    ${e}`)
      results.listPages = { ...d, nonOk: nonOk(d) }

      // (e) Whole-config export.
      const e = await measure(
        'e',
        `the whole-config export /api/export.jsonl?config=${CONFIG}&format=openai (rel=next followed)`,
        () => exportAll(base),
      )
      say(
        `(e) export: ${e.pages} page${e.pages === 1 ? '' : 's'}, ${fmt(e.lines)} lines, ${mb(e.bytes)} MB in ${e.seconds} s` +
          (e.error ? `; STOPPED: HTTP ${e.status}: ${e.error}` : ''),
      )
      results.export = e
      if (e.error)
        failures.push(`(e) export stopped after ${fmt(e.lines)} lines: HTTP ${e.status}: ${e.error}`)
    }

    const overall = sampler.overall
    peaks.overall = { ...overall }
    process.stdout.write('\n')
    say(
      `isolate peak (used+backing+embedder) over the whole run: ${mb(overall.total)} MB  (limit ${LIMIT_MB} MB, target ${TARGET_MB} MB)` +
        `  [used ${mb(overall.used)}, backing ${mb(overall.backing)}, embedder ${mb(overall.embedder)} MB peaks alone]`,
    )
    say(`workerd process RSS peak over the whole run (whole runtime, not the isolate): ${mb(overall.rss)} MB`)
    if (sampler.errors || sampler.lost)
      say(
        `inspector: ${sampler.lost} heap polls never answered (60 s), ${sampler.errors} failed on a closed session (reconnected)`,
      )
    results.inspector = { lost: sampler.lost, closedErrors: sampler.errors, gcWorks: sampler.gcWorks }
    if (overall.samples === 0) failures.push('no heap sample was taken: the inspector never answered')
    else if (overall.total > LIMIT_MB * MB)
      failures.push(`isolate peak ${mb(overall.total)} MB exceeds ${LIMIT_MB} MB (target ${TARGET_MB} MB)`)
    results.peaksMB = Object.fromEntries(
      Object.entries(peaks).map(([k, p]) => [
        k,
        {
          total: mb(p.total),
          used: mb(p.used),
          backing: mb(p.backing),
          embedder: mb(p.embedder),
          workerdRss: mb(p.rss),
          samples: p.samples,
          maxGapMs: p.maxGapMs,
        },
      ]),
    )
    results.limitMB = LIMIT_MB
    results.targetMB = TARGET_MB

    const digest = logDigest(wrangler.log())
    results.wranglerErrorLines = digest.lines
    if (digest.lines) {
      say(`wrangler log: ${digest.lines} error-looking lines; most frequent shapes:`)
      for (const [shape, n] of digest.top) say(`  ${String(n).padStart(5)}× ${shape}`)
    }
    results.wranglerErrors = digest.top
    results.queue = digest.queue
    results.workerLog = digest.worker
    say(
      `Queue (wrangler log): ${digest.queue.batches} batches, ${digest.queue.acked} of ${digest.queue.messages} delivered messages acknowledged`,
    )
    const w = digest.worker
    if (Object.keys(w.events).length) {
      say(
        `Worker log: ${Object.entries(w.events)
          .map(([k, n]) => `${n} ${k}`)
          .join(', ')}; request statuses ${Object.entries(w.statuses)
          .map(([k, n]) => `${k}×${n}`)
          .join(' ')}; slices ok ${w.slicesOk}, failed ${w.slicesFailed}`,
      )
      for (const [e, n] of w.sliceErrors) say(`  ${String(n).padStart(5)}× slice failed: ${e}`)
      for (const [e, n] of w.otherErrors) say(`  ${String(n).padStart(5)}× ${e}`)
    }
    const upstream = hub.requests.filter((r) => r.kind === 'cdn' || r.kind === 'resolve')
    results.upstream = { requests: upstream.length, bytes: upstream.reduce((n, r) => n + r.bytes, 0) }
    say(
      `upstream (Hub stand-in) over the run: ${fmt(upstream.length)} requests, ${mb(upstream.reduce((n, r) => n + r.bytes, 0))} MB`,
    )
    results.cron = { fired: cron.fired, failed: cron.failed }
    say(
      `cron: the scheduled handler fired ${cron.fired} times${cron.failed ? ` (${cron.failed} failed)` : ''}`,
    )
  } finally {
    cron.stop()
    sampler.stop()
    inspector.close()
    const log = wrangler.log()
    await wrangler.stop()
    await hub.close()
    rmSync(persist, { recursive: true, force: true })
    mkdirSync(join(ROOT, '.bench'), { recursive: true })
    writeFileSync(join(ROOT, `.bench/memory-wrangler-${data.layoutName}.log`), log)
    say(`wrangler output kept in .bench/memory-wrangler-${data.layoutName}.log`)
  }

  // Traces exact, stats exact.
  let tracesExact = 'not checked (coldload)'
  let statsExact = 'not checked (coldload)'
  if (!options.coldloadOnly) {
    const wrong: string[] = []
    let equal = 0
    if (reference) {
      for (const [url, body] of kept) {
        const id = decodeURIComponent(url.slice(url.lastIndexOf('/') + 1))
        const expected = reference[id]
        let why: string | null
        if (!expected) why = 'no reference document'
        else if (body === null) why = 'the Worker did not answer 200 in (c)'
        else why = jsonDifference(JSON.parse(body), JSON.parse(JSON.stringify(expected)))
        if (why === null) equal++
        else wrong.push(`${id}: ${why}`)
      }
      const unanswered = [...kept.values()].filter((b) => b === null).length
      // Equal of those compared (answered 200), and how many of the sample were not answered 200 at all.
      tracesExact = `${equal}/${kept.size - unanswered}${unanswered ? ` (${unanswered} of ${kept.size} not 200)` : ''}`
    } else tracesExact = 'no reference'
    const largestChecked = Math.max(...exactRows.map((r) => sizes.bytes[r] ?? 0))
    const tracesLine = `traces exact: ${tracesExact} cold traces of (c) answered 200 equal hyparquet + traceFromRow over ${file} (largest row of the ${kept.size} ${kb(largestChecked)})`
    process.stdout.write(`  ${equal === kept.size && kept.size > 0 ? 'PASS' : 'FAIL'}: ${tracesLine}\n`)
    for (const w of wrong.slice(0, 5)) say(`    ${w}`)
    if (!(equal === kept.size && kept.size > 0)) failures.push(tracesLine)

    let statsOk = false
    let statsWhy: string
    if (referenceStats === null) statsWhy = 'no stats CLI output'
    else if (workerStatsText === null) statsWhy = 'the Worker never answered complete stats'
    else {
      const d = jsonDifference(JSON.parse(workerStatsText), referenceStats)
      statsOk = d === null
      statsWhy = d ?? ''
    }
    statsExact = statsOk ? 'equal' : 'DIFFERENT'
    const statsLine = `stats exact: the complete /api/stats?config=${CONFIG} ${statsOk ? 'equals' : 'differs from'} node scripts/stats.ts --file ${file} --config ${CONFIG} --revision ${hub.sha.slice(0, 8)}…`
    process.stdout.write(`  ${statsOk ? 'PASS' : 'FAIL'}: ${statsLine}\n`)
    if (!statsOk) {
      say(`    ${statsWhy}`)
      failures.push(`${statsLine}: ${statsWhy}`)
    }
    results.exact = { traces: tracesExact, tracesWrong: wrong.slice(0, 20), stats: statsExact, statsWhy }
  }
  results.failures = failures

  // A window without a single heap answer has no peak (the isolate was too busy to answer the inspector).
  const peaksMB: Record<string, number | null> = {}
  for (const [k, p] of Object.entries(peaks)) peaksMB[k] = p.samples > 0 ? mb(p.total) : null
  const outcome = (key: string) => (results[key] as { nonOk?: number } | undefined)?.nonOk ?? null
  const summary: MemorySummary = {
    layout: data.layoutName,
    writer: data.layout,
    written: data.written,
    rowGroups: groups.length,
    pageIndex: `${withIndex}/${groups.length}`,
    pageMapSeconds: !pageMap
      ? null
      : pageMap.needed.length === 0
        ? null
        : pageMap.complete
          ? pageMap.seconds
          : 'never',
    pending:
      pageMap && pageMap.needed.length > 0
        ? `${pageMap.pending.pending503}/${pageMap.pending.requests}`
        : null,
    peaksMB,
    non200: { a: outcome('coldload') ?? -1, c: outcome('coldTraces'), d: outcome('listPages') },
    statsComplete: options.coldloadOnly ? null : (results.stats as StatsRun | undefined)?.complete === true,
    tracesExact,
    statsExact,
    passed: failures.length === 0,
  }
  return { results, failures, summary }
}

/**
 * The memory bench over each layout in turn (a fresh `wrangler dev` and cold R2 each), then one summary table.
 * `sampleDir` is the generated sample the layouts are written from.
 */
export async function benchMemoryLayouts(
  sampleDir: string,
  layouts: readonly MemoryLayout[],
  options: MemoryBenchOptions = {},
): Promise<{ results: Record<string, unknown>; failures: string[] }> {
  const results: Record<string, unknown> = {}
  const failures: string[] = []
  const summaries: MemorySummary[] = []
  const worker = snapshotWorker(join(ROOT, '.cache/bench-memory/worker'))
  results.worker = worker
  say(
    `Worker served from a copy of the sources (edits meanwhile cannot restart it): ${worker.commit}` +
      (worker.uncommitted.length ? ` + uncommitted ${worker.uncommitted.join(', ')}` : ' (clean)'),
  )
  for (const layout of layouts) {
    process.stdout.write(`\n### layout ${layout}\n`)
    const data = prepareLayoutData(sampleDir, layout)
    try {
      const r = await benchMemory(data, { ...options, workerDir: worker.dir })
      results[layout] = r.results
      summaries.push(r.summary)
      for (const f of r.failures) failures.push(`${layout}: ${f}`)
      process.stdout.write(`  ${r.failures.length ? 'FAIL' : 'PASS'} (${layout})\n`)
    } catch (err) {
      const line = `${layout}: the bench itself failed: ${(err as Error).stack ?? (err as Error).message}`
      failures.push(line)
      results[layout] = { error: line }
      process.stdout.write(`  FAIL: ${line}\n`)
    }
  }
  results.summary = summaries
  process.stdout.write(`\n${memorySummaryTable(summaries, options.coldloadOnly === true)}\n`)
  return { results, failures }
}

/** The summary table (markdown) of the layouts run. */
export function memorySummaryTable(rows: MemorySummary[], coldloadOnly: boolean): string {
  const keys = coldloadOnly ? ['m', 'a'] : ['m', 'a', 'b', 'c', 'd', 'e']
  const head = [
    'layout',
    'writer',
    'row groups',
    'page index (groups)',
    'page map through the Queue',
    '(m) 503 pending',
    ...keys.map((k) => `(${k}) MB`),
    'overall MB',
    'non-200 (a)/(c)/(d)',
    ...(coldloadOnly ? [] : ['stats complete', 'traces exact', 'stats exact']),
    'verdict',
  ]
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`]
  for (const r of rows) {
    const cells = [
      r.layout,
      r.written ? r.writer : `${r.writer} (NOT written by the layout's writer)`,
      String(r.rowGroups),
      r.pageIndex,
      r.pageMapSeconds === null
        ? 'not needed'
        : r.pageMapSeconds === 'never'
          ? 'NEVER'
          : `${r.pageMapSeconds} s`,
      r.pending ?? '-',
      ...keys.map((k) =>
        r.peaksMB[k] === undefined ? '-' : r.peaksMB[k] === null ? 'no sample' : String(r.peaksMB[k]),
      ),
      String(r.peaksMB.overall ?? '-'),
      `${r.non200.a}/${r.non200.c ?? '-'}/${r.non200.d ?? '-'}`,
      ...(coldloadOnly ? [] : [r.statsComplete ? 'yes' : 'NO', r.tracesExact, r.statsExact]),
      r.passed ? 'PASS' : 'FAIL',
    ]
    lines.push(`| ${cells.join(' | ')} |`)
  }
  return [
    `Isolate peak (used + backing + embedder), MB; limit ${LIMIT_MB} MB, target ${TARGET_MB} MB:`,
    ...lines,
  ].join('\n')
}

function fmt(n: number): string {
  return n.toLocaleString('en-US')
}
