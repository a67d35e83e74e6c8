/**
 * `npm run bench -- --only search`: `GET /api/search` under `wrangler dev` (workerd, local R2 and Queue) against
 * the Hub stand-in over a generated sample, cold local R2, rate limits off (one client), the cron emulated every
 * 5 minutes (wrangler dev fires none). Served from a copy of the Worker's sources (bench/lib/worker-snapshot.ts).
 *
 * 1. Build through the Queue: the first `/api/search` must answer 503 `index-pending` (problem+json, Retry-After)
 *    and starts the stats slices, each of which writes its partial index; then `/api/health` is polled every 2 s
 *    and the search route every 10 s (its Retry-After; each look re-sends what is missing) until every config's
 *    index is complete, or the timeout (default 25 min: then progress and rate are reported and the bench stops).
 * 2. Index size: wrangler stopped, the local R2's object list is read from its persist directory
 *    (bench/lib/r2-persist.ts) and the search objects summed by kind, per MB of row text (UTF-8 of every message's
 *    from + value and every row's tools, counted by bench/lib/search-queries.ts).
 * 3. Latency: 30 words (10 rare, 10 medium, 10 very common) and 30 two-word phrases drawn from the sample's text
 *    (bench/lib/search-queries.ts). wrangler dev is started again over the same persisted R2 (an empty isolate:
 *    no manifest, dictionary or progress memo) and each query is sent once, one at a time, in a shuffled order:
 *    "cold"; then 20 rounds over all of them: "warm". Client-side wall time over loopback (Node fetch to wrangler
 *    dev's proxy to workerd, body read included); p50/p90/max per kind.
 * 4. Checks: every answer 200 with provenance (dataset, revision, sample) and `total` equal to the messages the
 *    brute-force scan counted (so > 0: every query is drawn from the text); warm answers repeat the cold total.
 *    PASS/MISS against the targets: p50 <= 100 ms warm, <= 1 s cold, for words and for phrases.
 * Fails (non-zero exit) when the index never completes, an answer is not 200 or a total differs; a MISS is
 * reported, not a failure.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { startFakeHub } from '../scripts/dev/fake-hub.ts'
import { startWranglerDev, type WranglerDev } from '../scripts/dev/wrangler-dev.ts'
import { shuffled } from '../scripts/lib/random.ts'
import type { SearchIndexProgress } from '../shared/types.ts'
import { startLocalCron } from './lib/local-cron.ts'
import { r2PersistObjects } from './lib/r2-persist.ts'
import { type BenchQuery, searchQuerySet } from './lib/search-queries.ts'
import { snapshotWorker } from './lib/worker-snapshot.ts'
import { logDigest } from './lib/wrangler-log.ts'

const ROOT = join(import.meta.dirname, '..')
const MB = 2 ** 20
/** The issue's targets (p50, ms). */
export const SEARCH_TARGETS = { warmP50Ms: 100, coldP50Ms: 1000 } as const

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const say = (line: string) => process.stdout.write(`  ${line}\n`)
const mb = (bytes: number) => Math.round((bytes / MB) * 10) / 10
const fmt = (n: number) => n.toLocaleString('en-US')
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' / ')

/** Options of {@link benchSearch}. */
export interface SearchBenchOptions {
  /** How the sample is described in the output ("full-scale generated sample", …). */
  label: string
  /** Give up on the build after this many minutes (default 25). */
  buildTimeoutMin?: number
  /** Warm rounds over the query set (default 20). */
  warmRounds?: number
  /** workerd's V8 flags (MINIFLARE_WORKERD_V8_FLAGS); default none (wrangler dev's unlimited heap). */
  v8Flags?: string
}

interface HealthView {
  status: number
  search: Record<string, SearchIndexProgress>
  statsComplete: Record<string, boolean>
  /** The isolate's memory gate (reservations refused: a job costing more than the whole budget). */
  gate: { capacity?: number; refused?: number }
  /** The isolate's queue counters (jobs retried, failed permanently). */
  queue: { retried?: number; permanent?: number }
}

async function health(base: string): Promise<HealthView | null> {
  try {
    const res = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(60_000) })
    const body = (await res.json()) as {
      configs?: Record<string, { search?: SearchIndexProgress; stats?: { complete?: boolean } }>
      memory?: HealthView['gate']
      queue?: HealthView['queue']
    }
    const search: Record<string, SearchIndexProgress> = {}
    const statsComplete: Record<string, boolean> = {}
    for (const [config, c] of Object.entries(body.configs ?? {})) {
      if (c.search) search[config] = c.search
      statsComplete[config] = c.stats?.complete === true
    }
    return { status: res.status, search, statsComplete, gate: body.memory ?? {}, queue: body.queue ?? {} }
  } catch {
    return null
  }
}

/** One `/api/search` answer, timed (client wall time, body read). */
interface Answer {
  status: number
  ms: number
  type: string
  retryAfter: number
  problem: boolean
  body: Record<string, unknown> | null
  error: string | null
}

async function ask(base: string, q: string, timeoutMs = 120_000): Promise<Answer> {
  const url = `${base}/api/search?q=${encodeURIComponent(q)}`
  const t = performance.now()
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
    const text = await res.text()
    const ms = performance.now() - t
    let body: Record<string, unknown> | null = null
    try {
      body = JSON.parse(text) as Record<string, unknown>
    } catch {
      body = null
    }
    return {
      status: res.status,
      ms,
      type: String(body?.type ?? ''),
      retryAfter: Number(res.headers.get('retry-after')),
      problem: (res.headers.get('content-type') ?? '').includes('application/problem+json'),
      body,
      error: body ? null : text.slice(0, 200),
    }
  } catch (err) {
    const e = err as Error
    return {
      status: 0,
      ms: performance.now() - t,
      type: '',
      retryAfter: 0,
      problem: false,
      body: null,
      error: `${e.name}: ${e.message}`,
    }
  }
}

const isPending = (a: Answer) =>
  a.status === 503 && a.problem && /index-pending$/.test(a.type) && a.retryAfter > 0

/** What step 1 found. */
interface BuildRun {
  complete: boolean
  /** First search request to the health poll that saw every config complete. */
  seconds: number
  /** Seconds after the first request at which each milestone was first seen. */
  milestones: Record<string, number>
  firstAnswer: string
  /** Answers of the search route while building, by "status type". */
  searchAnswers: Record<string, number>
  healthPolls: number
  last: Record<string, SearchIndexProgress>
  /** The last health's memory gate and queue counters. */
  gate: HealthView['gate']
  queue: HealthView['queue']
  stoppedBecause: string | null
  /** Slices indexed per minute (all configs), until the last slice seen indexed. */
  slicesPerMin: number
}

/**
 * No progress for this long ends the build: longer than the cron's period and the route's re-send interval
 * (5 minutes each), so every repair had a chance to run.
 */
const STALL_MS = 6 * 60_000

async function buildToCompletion(base: string, q: string, timeoutMs: number): Promise<BuildRun> {
  const t0 = performance.now()
  const since = () => Math.round((performance.now() - t0) / 100) / 10
  const run: BuildRun = {
    complete: false,
    seconds: 0,
    milestones: {},
    firstAnswer: '',
    searchAnswers: {},
    healthPolls: 0,
    last: {},
    gate: {},
    queue: {},
    stoppedBecause: null,
    slicesPerMin: 0,
  }
  const mark = (name: string) => {
    if (run.milestones[name] === undefined) run.milestones[name] = since()
  }
  const first = await ask(base, q)
  run.firstAnswer = isPending(first)
    ? `503 index-pending (problem+json, Retry-After ${first.retryAfter} s) in ${Math.round(first.ms)} ms`
    : `HTTP ${first.status} ${first.type || first.error || ''}`.trim()
  const tally = (a: Answer) => {
    const key = isPending(a) ? '503 index-pending' : `${a.status} ${a.type || a.error || ''}`.trim()
    run.searchAnswers[key] = (run.searchAnswers[key] ?? 0) + 1
  }
  tally(first)
  let lastSearch = performance.now()
  let lastPrint = performance.now()
  let progress = ''
  let progressAt = performance.now()
  let slicesDone = 0
  let slicesAt = 0
  for (;;) {
    const h = await health(base)
    run.healthPolls++
    if (h) {
      run.last = h.search
      run.gate = h.gate
      run.queue = h.queue
      const now = JSON.stringify(h.search)
      if (now !== progress) {
        progress = now
        progressAt = performance.now()
      }
      const sd = Object.values(h.search).reduce((n, s) => n + s.slicesDone, 0)
      if (sd !== slicesDone) {
        slicesDone = sd
        slicesAt = since()
      }
      for (const [config, done] of Object.entries(h.statsComplete)) if (done) mark(`stats ${config}`)
      for (const [config, s] of Object.entries(h.search)) {
        if (s.slicesTotal > 0 && s.slicesDone === s.slicesTotal) mark(`slices ${config}`)
        if (s.manifest) mark(`manifest ${config}`)
        if (s.complete) mark(`shards ${config}`)
      }
      const configs = Object.values(h.search)
      if (configs.length > 0 && configs.every((s) => s.complete)) {
        run.complete = true
        run.seconds = since()
        break
      }
    }
    const elapsed = performance.now() - t0
    if (elapsed > timeoutMs) {
      run.seconds = since()
      run.stoppedBecause = `timeout after ${timeoutMs / 60_000} min`
      break
    }
    if (performance.now() - progressAt > STALL_MS) {
      run.seconds = since()
      run.stoppedBecause = `no progress for ${STALL_MS / 60_000} min (cron and re-sends had their turn)`
      break
    }
    if (performance.now() - lastPrint >= 60_000) {
      lastPrint = performance.now()
      say(`build after ${Math.round(elapsed / 1000)} s: ${progressLine(run.last)} (load ${load()})`)
    }
    if (performance.now() - lastSearch >= 10_000) {
      lastSearch = performance.now()
      tally(await ask(base, q))
    }
    await sleep(2000)
  }
  run.slicesPerMin = slicesAt > 0 ? Math.round((slicesDone / slicesAt) * 60 * 10) / 10 : 0
  return run
}

function progressLine(search: Record<string, SearchIndexProgress>): string {
  return (
    Object.entries(search)
      .map(
        ([c, s]) =>
          `${c} ${s.slicesDone}/${s.slicesTotal} slices, ${s.manifest ? 'manifest' : 'no manifest'}, ${s.shardsDone}/${s.shardsTotal} shards`,
      )
      .join('; ') || 'no progress reported'
  )
}

/** Kinds of the R2 objects, by key (workers/data/search-index.ts "R2 keys"). */
const KINDS: [string, RegExp][] = [
  ['final index: shard dictionaries', /^index\/.+\/search\/dict\//],
  ['final index: shard postings', /^index\/.+\/search\/post\//],
  ['final index: manifest', /^index\/.+\/search\/manifest\.bin$/],
  ['final index: partial layout (merge input map)', /^index\/.+\/search\/layout\.json$/],
  ['snippet texts', /^index\/.+\/search\/text\//],
  ['system prompts', /^index\/.+\/search\/system\//],
  ['slice partials (kept for repairs)', /^partials\/.+\/search\//],
]

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number
}

function latencyStats(values: number[]): { n: number; p50: number; p90: number; max: number } {
  const s = [...values].sort((a, b) => a - b)
  const r = (x: number) => Math.round(x * 10) / 10
  return {
    n: s.length,
    p50: r(percentile(s, 0.5)),
    p90: r(percentile(s, 0.9)),
    max: r(s[s.length - 1] ?? NaN),
  }
}

/** Why a 200 answer is wrong for a query (null: right). */
function checkAnswer(a: Answer, query: BenchQuery, hubSha: string): string | null {
  if (a.status !== 200) return `HTTP ${a.status} ${a.type || a.error || ''}`.trim()
  const b = a.body ?? {}
  if (typeof b.dataset !== 'string' || b.revision !== hubSha || b.sample !== true)
    return `provenance: dataset ${String(b.dataset)}, revision ${String(b.revision)}, sample ${String(b.sample)}`
  if (b.total !== query.messages)
    return `total ${String(b.total)}, the scan counted ${query.messages} messages`
  if (!Array.isArray(b.hits) || b.hits.length === 0) return 'no hits on the first page'
  return null
}

/** Run the search bench over a generated sample directory. */
export async function benchSearch(
  dir: string,
  options: SearchBenchOptions,
): Promise<{ results: Record<string, unknown>; failures: string[] }> {
  const failures: string[] = []
  const results: Record<string, unknown> = { dataset: dir, label: options.label }
  const meta = JSON.parse(readFileSync(join(dir, 'sample.json'), 'utf8')) as {
    version?: string
    seed?: number
    rows?: Record<string, number>
  }
  const files: Record<string, string> = {}
  for (const config of Object.keys(meta.rows ?? {}))
    files[config] = join(dir, 'data', config, 'train.parquet')
  say(
    `data: ${options.label}: ${Object.entries(meta.rows ?? {})
      .map(([c, n]) => `${fmt(n)} ${c}`)
      .join(' + ')} rows (sample generator ${meta.version ?? '?'}, seed ${meta.seed ?? '?'}) in ${dir}`,
  )
  say(`machine: ${cpus().length} cores shared with other work; load average ${load()}`)

  // The query set and the row text, before the Worker starts (CPU-heavy: not during the measurements).
  const set = await searchQuerySet(files)
  results.querySet = set
  say(
    `row text (UTF-8 of every message's from + value and every row's tools): ${mb(set.rowTextBytes)} MB in ` +
      `${fmt(set.messages)} messages; ${fmt(set.vocabulary)} distinct words ` +
      `(brute-force scan ${set.cached ? 'cached' : `${set.seconds} s`})`,
  )
  for (const kind of ['word', 'phrase'] as const)
    say(
      `${kind} bands (messages holding it): ${Object.entries(set.bands[kind])
        .map(([b, r]) => `${b} ${r}`)
        .join('; ')}`,
    )
  const queries = set.queries
  if (queries.length !== 60) throw new Error(`search bench: ${queries.length} queries, not 60`)

  const worker = snapshotWorker(join(ROOT, `.cache/bench-search/worker-${basename(dir)}`))
  results.worker = worker
  say(
    `Worker served from a copy of the sources: ${worker.commit}` +
      (worker.uncommitted.length ? ` + uncommitted ${worker.uncommitted.join(', ')}` : ' (clean)'),
  )
  const v8Flags = options.v8Flags ?? ''
  process.env.MINIFLARE_WORKERD_V8_FLAGS = v8Flags
  results.v8Flags = v8Flags
  say(`workerd V8 flags: ${v8Flags ? `"${v8Flags}"` : "none (wrangler dev's default: no heap limit)"}`)

  const hub = await startFakeHub({ dir })
  const persist = mkdtempSync(join(tmpdir(), 'hte-bench-search-'))
  const vars = { HF_ENDPOINT: hub.url, RATE_LIMITS: 'off' }
  const start = () =>
    startWranglerDev({ vars, persistTo: persist, cwd: worker.dir, logLevel: 'log', timeoutMs: 180_000 })
  const logs: Record<string, string> = {}
  const logFile = `.bench/search-wrangler-${basename(dir)}.log`
  let wrangler: WranglerDev | null = null
  try {
    // 1. Build through the Queue.
    process.stdout.write('\n### search: (1) index build through the Queue, cold local R2\n')
    wrangler = await start()
    const cron = startLocalCron(wrangler.url)
    say(
      'cron: wrangler dev fires none; the bench calls /cdn-cgi/local/scheduled every 5 min. Rate limits off (RATE_LIMITS=off)',
    )
    const timeoutMs = (options.buildTimeoutMin ?? 25) * 60_000
    const firstWord = queries.find((q) => q.kind === 'word')?.q ?? 'a'
    const build = await buildToCompletion(wrangler.url, firstWord, timeoutMs)
    cron.stop()
    logs.build = wrangler.log()
    const digest = logDigest(logs.build)
    results.build = { ...build, cron: { fired: cron.fired, failed: cron.failed }, log: digest }
    say(`first /api/search?q=${firstWord}: ${build.firstAnswer}`)
    if (!/^503 index-pending/.test(build.firstAnswer))
      failures.push(`first search answered ${build.firstAnswer}, not 503 index-pending`)
    const slices = Object.values(build.last).reduce((n, s) => n + s.slicesTotal, 0)
    const shards = Object.values(build.last).reduce((n, s) => n + s.shardsTotal, 0)
    const configs = Object.keys(build.last).length
    const label = `build time through the Queue (wrangler dev local Queue, ${slices} slices, ${shards} shard merges, ${configs} manifests)`
    if (build.complete)
      say(
        `${label}: ${build.seconds} s (first search request to /api/health showing every config complete, polled every 2 s)`,
      )
    else {
      const done = Object.values(build.last).reduce((n, s) => n + s.slicesDone, 0)
      const line =
        `${label}: NOT complete after ${build.seconds} s (${build.stoppedBecause}); reached ${progressLine(build.last)}; ` +
        `slices indexed at ${build.slicesPerMin} slices/min (${done}/${slices}); isolate: memory gate refused ${build.gate.refused ?? '?'} ` +
        `reservations (capacity ${mb(build.gate.capacity ?? 0)} MB), queue jobs failed permanently ${build.queue.permanent ?? '?'}, retried ${build.queue.retried ?? '?'}`
      say(line)
      failures.push(line)
    }
    say(
      `milestones (s after the first request): ${Object.entries(build.milestones)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    )
    say(
      `search route while building (every 10 s): ${Object.entries(build.searchAnswers)
        .map(([k, n]) => `${n}× ${k}`)
        .join(', ')}`,
    )
    const bad = Object.keys(build.searchAnswers).filter((k) => !/^(503 index-pending|200)/.test(k))
    if (bad.length) failures.push(`search route while building answered ${bad.join(', ')}`)
    const events = digest.worker.events
    say(
      `Worker log: ${digest.worker.slicesOk} slice jobs ok, ${digest.worker.slicesFailed} failed; ${events['search-index'] ?? 0} search-index jobs (manifests + shard merges); ` +
        `Queue: ${digest.queue.batches} batches, ${digest.queue.acked}/${digest.queue.messages} messages acknowledged; cron fired ${cron.fired}`,
    )
    for (const [e, n] of digest.worker.sliceErrors) say(`  ${n}× slice failed: ${e}`)
    for (const [e, n] of digest.worker.otherErrors) say(`  ${n}× ${e}`)
    say(`load average after the build: ${load()}`)
    await wrangler.stop()
    wrangler = null

    // 2. Index size from the persisted R2.
    process.stdout.write(
      '\n### search: (2) index bytes per MB of row text (local R2, read from the persist dir)\n',
    )
    const { objects, blobBytes } = r2PersistObjects(persist)
    const byKind = new Map<string, { bytes: number; objects: number }>()
    let other = 0
    for (const o of objects) {
      const kind = KINDS.find(([, re]) => re.test(o.key))?.[0]
      if (!kind) {
        other += o.size
        continue
      }
      const k = byKind.get(kind) ?? { bytes: 0, objects: 0 }
      k.bytes += o.size
      k.objects++
      byKind.set(kind, k)
    }
    const textMB = set.rowTextBytes / MB
    const sizes: Record<string, unknown> = {}
    say(`row text: ${mb(set.rowTextBytes)} MB (MB = 2^20 bytes)`)
    let finalBytes = 0
    for (const [kind] of KINDS) {
      const k = byKind.get(kind) ?? { bytes: 0, objects: 0 }
      if (kind.startsWith('final index')) finalBytes += k.bytes
      sizes[kind] = { ...k, perMBRowText: Math.round(k.bytes / textMB) }
      say(
        `${kind}: ${mb(k.bytes)} MB in ${fmt(k.objects)} objects = ${fmt(Math.round(k.bytes / textMB))} bytes per MB of row text (${(k.bytes / set.rowTextBytes).toFixed(3)} per byte)`,
      )
    }
    const searchBytes = [...byKind.values()].reduce((n, k) => n + k.bytes, 0)
    say(
      `final index (dictionaries + postings + manifest + layout): ${mb(finalBytes)} MB = ${fmt(Math.round(finalBytes / textMB))} bytes per MB of row text (${(finalBytes / set.rowTextBytes).toFixed(3)} per byte)`,
    )
    say(
      `every search object: ${mb(searchBytes)} MB = ${(searchBytes / set.rowTextBytes).toFixed(3)} per byte of row text; ` +
        `other objects (blocks, stats, summaries, …) ${mb(other)} MB; blob files on disk ${mb(blobBytes)} MB ` +
        `(vs ${mb(objects.reduce((n, o) => n + o.size, 0))} MB listed)`,
    )
    if (!build.complete) say('(the index is incomplete: these sizes are of what was written so far)')
    results.indexBytes = {
      rowTextBytes: set.rowTextBytes,
      byKind: sizes,
      finalBytes,
      searchBytes,
      other,
      blobBytes,
    }

    if (!build.complete) return { results, failures }

    // 3. Latency: cold (a restarted isolate), then warm.
    process.stdout.write(
      '\n### search: (3) query latency, client-side wall time over loopback (fetch to wrangler dev, body read)\n',
    )
    wrangler = await start()
    say(
      `wrangler dev restarted over the same persisted R2 (empty isolate; its readiness probe asked /api/datasets); load ${load()}`,
    )
    const order = shuffled(queries, 3)
    const cold = new Map<BenchQuery, Answer>()
    for (const q of order) cold.set(q, await ask(wrangler.url, q.q))
    const firstQ = order[0] as BenchQuery
    say(
      `the restarted isolate's first query (${firstQ.kind} ${firstQ.q}): ${Math.round((cold.get(firstQ) as Answer).ms)} ms`,
    )
    const rounds = options.warmRounds ?? 20
    const warm = new Map<BenchQuery, Answer[]>(queries.map((q) => [q, []]))
    // The floor under the same load: a route that does no search work (the revision memo), every third query.
    const floor: number[] = []
    const floorStatuses = new Set<number>()
    for (let r = 0; r < rounds; r++) {
      for (const [i, q] of order.entries()) {
        ;(warm.get(q) as Answer[]).push(await ask(wrangler.url, q.q))
        if (i % 3 !== 0) continue
        const t = performance.now()
        const res = await fetch(`${wrangler.url}/api/datasets`, { signal: AbortSignal.timeout(60_000) })
        await res.arrayBuffer()
        floor.push(performance.now() - t)
        floorStatuses.add(res.status)
      }
    }
    say(`load average after the queries: ${load()}`)
    logs.queries = wrangler.log()

    // 4. Checks and the targets.
    const wrong: string[] = []
    for (const q of queries) {
      const why = checkAnswer(cold.get(q) as Answer, q, hub.sha)
      if (why) wrong.push(`cold ${q.kind} (${q.band}) ${q.q}: ${why}`)
      const w = warm.get(q) as Answer[]
      const off = w.filter((a) => a.status !== 200 || a.body?.total !== q.messages)
      if (off.length)
        wrong.push(
          `warm ${q.q}: ${off.length}/${w.length} answers not 200 with total ${q.messages} (e.g. HTTP ${off[0]?.status}, total ${String(off[0]?.body?.total)})`,
        )
    }
    const okLine = wrong.length
      ? `${wrong.length} queries answered wrong`
      : `every answer 200 with dataset, revision ${hub.sha.slice(0, 8)}…, sample: true and total equal to the brute-force scan's message count (all > 0)`
    say(wrong.length ? `FAIL: ${okLine}` : `PASS: ${okLine}`)
    for (const w of wrong.slice(0, 10)) say(`  ${w}`)
    if (wrong.length) failures.push(`${okLine}: ${wrong.slice(0, 5).join('; ')}`)

    const latency: Record<string, unknown> = {}
    const verdicts: string[] = []
    for (const kind of ['word', 'phrase'] as const) {
      const qs = queries.filter((q) => q.kind === kind)
      const c = latencyStats(qs.map((q) => (cold.get(q) as Answer).ms))
      const w = latencyStats(qs.flatMap((q) => (warm.get(q) as Answer[]).map((a) => a.ms)))
      latency[kind] = { cold: c, warm: w }
      say(
        `${kind}s, cold (each query once after the restart, ${c.n} queries): p50 ${c.p50} ms, p90 ${c.p90} ms, max ${c.max} ms`,
      )
      say(
        `${kind}s, warm (${rounds} rounds × ${qs.length} queries = ${w.n} requests): p50 ${w.p50} ms, p90 ${w.p90} ms, max ${w.max} ms`,
      )
      for (const band of ['rare', 'medium', 'common'] as const) {
        const bq = qs.filter((q) => q.band === band)
        const bc = latencyStats(bq.map((q) => (cold.get(q) as Answer).ms))
        const bw = latencyStats(bq.flatMap((q) => (warm.get(q) as Answer[]).map((a) => a.ms)))
        const totals = bq.map((q) => q.messages)
        latency[`${kind}.${band}`] = { cold: bc, warm: bw, totals }
        say(
          `  ${band} ${kind}s (${Math.min(...totals)}–${Math.max(...totals)} messages): cold p50 ${bc.p50} ms, max ${bc.max} ms; warm p50 ${bw.p50} ms, p90 ${bw.p90} ms, max ${bw.max} ms`,
        )
      }
      verdicts.push(
        `${c.p50 <= SEARCH_TARGETS.coldP50Ms ? 'PASS' : 'MISS'}: ${kind}s cold p50 ${c.p50} ms (target <= ${SEARCH_TARGETS.coldP50Ms} ms)`,
        `${w.p50 <= SEARCH_TARGETS.warmP50Ms ? 'PASS' : 'MISS'}: ${kind}s warm p50 ${w.p50} ms (target <= ${SEARCH_TARGETS.warmP50Ms} ms)`,
      )
    }
    const f = latencyStats(floor)
    latency.floor = { ...f, statuses: [...floorStatuses] }
    say(
      `floor, same rounds: GET /api/datasets (no search work), ${f.n} requests (HTTP ${[...floorStatuses].join(', ')}): p50 ${f.p50} ms, p90 ${f.p90} ms, max ${f.max} ms`,
    )
    process.stdout.write('\n')
    for (const v of verdicts) say(`${v} [${options.label}]`)
    results.latency = latency
    results.verdicts = verdicts
    results.perQuery = queries.map((q) => ({
      ...q,
      coldMs: Math.round((cold.get(q) as Answer).ms * 10) / 10,
      warmP50Ms: latencyStats((warm.get(q) as Answer[]).map((a) => a.ms)).p50,
    }))
    const qd = logDigest(logs.queries)
    if (qd.lines) {
      say(`wrangler log while querying: ${qd.lines} error-looking lines`)
      for (const [shape, n] of qd.top) say(`  ${n}× ${shape}`)
    }
  } finally {
    if (wrangler) {
      logs.last = wrangler.log()
      await wrangler.stop()
    }
    await hub.close()
    rmSync(persist, { recursive: true, force: true })
    mkdirSync(join(ROOT, '.bench'), { recursive: true })
    writeFileSync(
      join(ROOT, logFile),
      Object.entries(logs)
        .map(([k, v]) => `===== ${k}\n${v}`)
        .join('\n'),
    )
    say(`wrangler output kept in ${logFile}`)
  }
  results.failures = failures
  return { results, failures }
}
