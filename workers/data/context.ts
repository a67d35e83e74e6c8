/**
 * The dataset access layer of one request (or queue invocation): which revision, which configs and files, the
 * id index, traces.
 *
 * Lazy: nothing is fetched until asked. Everything persisted in R2 is keyed by the commit sha (immutable), so
 * caches never go stale; a branch name (`main`) is resolved to a sha and that resolution is remembered for a few
 * minutes (and used stale when the Hub is down). A request may pin a sha (`?revision=`). Heavy objects (footers,
 * the id index) are shared by the requests of an isolate through `SharedWork` (never one request's promise
 * handed to another); every decode of rows reserves its memory in the isolate's `MemoryGate` first.
 */
import { cardIsSample, configsFromCardData, type DatasetConfig } from '../../shared/dataset.ts'
import {
  assertReadable,
  DATASET_COLUMNS,
  DEFAULT_SLICE_BUDGET,
  type FileMetaData,
  parquetMissingColumns,
  parquetOpen,
  parquetRangeCost,
  parquetReadIds,
  parquetReadRows,
  parquetRowCount,
  type RowRange,
} from '../../shared/parquet.ts'
import { parseRow } from '../../shared/trace.ts'
import type { Provenance, Trace } from '../../shared/types.ts'
import type { Bindings } from '../env.ts'
import { HttpProblem } from '../problem.ts'
import { BlockCache, pendingBlockWrites } from './block-cache.ts'
import { HubClient, UpstreamError } from './hub.ts'
import { allSettledOrThrow, settleWithin } from './memo.ts'
import { memoryGate } from './memory-gate.ts'
import { clearPageMapMemos, pageMapBeforeRead, pageMapOnOpen } from './page-map.ts'
import { emptyTraffic, type Owner, SharedWork, type Traffic } from './shared-work.ts'
import { Storage } from './storage.ts'

/** A resolved revision: what the dataset holds at one commit. */
export interface RevisionInfo extends Provenance {
  /** The revision asked for (branch, tag or sha). */
  requested: string
  /** Configs declared by the card at this commit. */
  configs: DatasetConfig[]
  /** File sizes from the dataset info, when the Hub sent them. */
  sizes: Record<string, number>
}

/** An opened parquet file of a config. */
export interface OpenFile {
  config: DatasetConfig
  size: number
  cache: BlockCache
  metadata: FileMetaData
  rows: number
}

/** Where a row lives. */
export interface RowLocation {
  config: string
  row: number
}

const REF_FRESH_MS = 5 * 60 * 1000
const SERVED_MARK_MS = 60 * 60 * 1000
export const SHA = /^[0-9a-f]{40}$/
/**
 * JS memory per byte of the rows' own values: their strings, the parsed trace, its JSON and encoded bytes. The
 * page buffers a read holds (compressed and decompressed, dictionary pages included) count once each.
 */
const DECODE_FACTOR = 4
/**
 * Copies of the compressed bytes a cached read holds at once (workers/data/block-cache.ts): a cold read has one
 * (its blocks and the reader's view share the upstream run); a read from R2 has two (its 128 KiB blocks and their
 * concatenation). One-pass reads (`writeBack: false`) take the upstream buffer as it is: one copy.
 */
const CACHED_READ_COPIES = 2
/** Columns a trace reads: all but `id`, which the id index already gave. */
const TRACE_COLUMNS = DATASET_COLUMNS.filter((c) => c !== 'id')
/** Default of MEMORY_BUDGET_MB: estimated bytes of decodes running at once in an isolate. */
const DEFAULT_MEMORY_BUDGET_MB = 32

/** 4xx problems and missing upstream files are answers, not faults: joiners take them as they are. */
function isFinal(err: unknown): boolean {
  if (err instanceof HttpProblem) return err.status < 500 || err.status === 507
  return err instanceof UpstreamError && err.notFound
}

// Per-isolate shared work (bounded).
const hubs = new Map<string, HubClient>()
const revisions = new SharedWork<RevisionInfo>({ ttlMs: 60_000, maxEntries: 32, isFinal })
const files = new SharedWork<OpenFile>({ maxEntries: 16, isFinal })
const idIndexes = new SharedWork<Map<string, RowLocation>>({ maxEntries: 2, isFinal })
/** Replay documents as JSON text (what `/api/trace/:id` sends and R2 keeps), bounded by their bytes. */
const traceJsons = new SharedWork<string>({
  ttlMs: 30_000,
  maxEntries: 64,
  maxBytes: 2 * 1024 * 1024,
  sizeOf: (json) => json.length * 2,
  isFinal,
})
const servedMarks = new Map<string, number>()

/** Whether R2's text is a JSON object (anything else is a corrupt copy: recomputed and rewritten). */
function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null && !Array.isArray(value)
  } catch {
    return false
  }
}

/** Deferred work of every context (tests settle it before measuring). */
const deferred = new Set<Promise<unknown>>()

/** Settles when every deferred write-back and block write started so far has settled (tests only). */
export async function settleWrites(): Promise<void> {
  await settleWithin([...deferred, ...pendingBlockWrites()])
}

/** Forget every per-isolate memo (tests that measure cold paths). */
export function clearIsolateMemos(): void {
  hubs.clear()
  revisions.clear()
  files.clear()
  idIndexes.clear()
  traceJsons.clear()
  servedMarks.clear()
  clearPageMapMemos()
}

/** Bytes held by the isolate's trace memo (health). */
export function memoBytes(): number {
  return traceJsons.keptBytes
}

/** Options of a data context. */
export interface DataContextOptions {
  /** A revision pinned by the request (`?revision=`), instead of HF_REVISION. */
  revision?: string
}

/** The per-request (or per-queue-invocation) data context; the owner of the shared work it starts. */
export class DataContext implements Owner {
  /** True until the request's last waitUntil has settled (see shared-work.ts). */
  alive = true
  readonly env: Bindings
  readonly hub: HubClient
  readonly storage: Storage
  readonly traffic: Traffic = emptyTraffic()
  /** The revision this context serves (pinned or configured). */
  readonly requested: string
  /** True when the request pinned a revision. */
  readonly pinned: boolean
  private readonly waitUntil: (p: Promise<unknown>) => void
  private readonly own = new Set<Promise<unknown>>()

  constructor(env: Bindings, waitUntil: (p: Promise<unknown>) => void, options: DataContextOptions = {}) {
    this.env = env
    this.waitUntil = waitUntil
    this.storage = new Storage(env.CACHE, this.traffic)
    this.pinned = options.revision !== undefined
    this.requested = options.revision ?? (env.HF_REVISION || 'main')
    const hubKey = `${env.HF_ENDPOINT}|${env.HF_DATASET}|${env.HF_TOKEN ?? ''}|${env.HF_ALLOWED_HOSTS ?? ''}`
    let hub = hubs.get(hubKey)
    if (!hub) {
      hub = new HubClient({
        endpoint: env.HF_ENDPOINT,
        dataset: env.HF_DATASET,
        token: env.HF_TOKEN,
        allowedHosts: (env.HF_ALLOWED_HOSTS ?? '').split(',').filter(Boolean),
      })
      hubs.set(hubKey, hub)
    }
    this.hub = hub
  }

  /** Decoded-bytes budget of one read (SLICE_BUDGET_MB). */
  get budgetBytes(): number {
    const mb = Number(this.env.SLICE_BUDGET_MB)
    return Number.isFinite(mb) && mb > 0 ? mb * 2 ** 20 : DEFAULT_SLICE_BUDGET
  }

  /** The isolate's memory gate (MEMORY_BUDGET_MB). */
  get gate() {
    const mb = Number(this.env.MEMORY_BUDGET_MB)
    return memoryGate((Number.isFinite(mb) && mb > 0 ? mb : DEFAULT_MEMORY_BUDGET_MB) * 2 ** 20)
  }

  /** Keep `p` alive after the response (the request's waitUntil), and remember it until it settles. */
  keepAlive(p: Promise<unknown>): void {
    const settled = p.catch(() => undefined)
    this.own.add(settled)
    deferred.add(settled)
    void settled.finally(() => {
      this.own.delete(settled)
      deferred.delete(settled)
    })
    this.waitUntil(settled)
  }

  /** Keep work (R2 write-backs) alive after the response. */
  defer(p: Promise<unknown>): void {
    this.keepAlive(p)
  }

  /** Settles when this context's own pending work has (capped): then the context retires. */
  async retire(): Promise<void> {
    for (let round = 0; round < 4 && this.own.size > 0; round++) await settleWithin([...this.own])
    this.alive = false
  }

  /** The revision this context serves, resolved to a commit. */
  revision(): Promise<RevisionInfo> {
    return revisions.get(
      `${this.env.HF_ENDPOINT}|${this.env.HF_DATASET}|${this.requested}`,
      () => this.resolveRevision(this.requested),
      this,
    )
  }

  private async resolveRevision(requested: string): Promise<RevisionInfo> {
    const dataset = this.env.HF_DATASET
    const refKey = `refs/${dataset}/${encodeURIComponent(requested)}.json`
    // A pinned sha never changes: its info is cached for good. A branch is re-resolved after REF_FRESH_MS.
    const ref = SHA.test(requested)
      ? { sha: requested, at: Date.now() }
      : await this.storage.json<{ sha: string; at: number }>(refKey)
    if (ref && Date.now() - ref.at < REF_FRESH_MS) {
      const info = await this.storage.json<RevisionInfo>(`info/${dataset}/${ref.sha}.json`)
      if (info) return this.markServed({ ...info, requested })
    }
    let upstream: Awaited<ReturnType<HubClient['datasetInfo']>>
    try {
      upstream = await this.hub.datasetInfo(requested)
    } catch (err) {
      // The Hub is down or rate-limiting: a stale resolution is better than an error.
      const stale = ref ? await this.storage.json<RevisionInfo>(`info/${dataset}/${ref.sha}.json`) : null
      if (stale) return this.markServed({ ...stale, requested })
      if (err instanceof UpstreamError && err.notFound) {
        if (this.pinned) {
          throw new HttpProblem(
            404,
            'unknown-revision',
            `${dataset} has no revision ${JSON.stringify(requested)}`,
            { param: 'revision', value: requested },
          )
        }
        throw new HttpProblem(502, 'upstream-not-found', `${err.message}: check HF_DATASET and HF_REVISION`)
      }
      throw err
    }
    const configs = configsFromCardData(upstream.cardData)
    // One paths-info request for every config file's size; without it each file learns its size from a
    // Range request when first opened.
    const sizes =
      configs.length === 0
        ? {}
        : await this.hub
            .fileSizes(
              upstream.sha,
              configs.map((c) => c.path),
            )
            .catch(() => ({}) as Record<string, number>)
    const info: RevisionInfo = {
      dataset,
      revision: upstream.sha,
      sample: cardIsSample(upstream.cardData),
      requested,
      configs,
      sizes,
    }
    if (info.configs.length === 0) {
      throw new HttpProblem(
        502,
        'no-configs',
        `the card of ${dataset}@${upstream.sha} declares no parquet configs`,
      )
    }
    this.defer(
      Promise.all([
        this.storage.put(`info/${dataset}/${upstream.sha}.json`, JSON.stringify(info)),
        SHA.test(requested)
          ? null
          : this.storage.put(refKey, JSON.stringify({ sha: upstream.sha, at: Date.now() })),
      ]),
    )
    return this.markServed(info)
  }

  /** Record (at most hourly per isolate) that a revision is being served: the cleanup job keeps it. */
  private markServed(info: RevisionInfo): RevisionInfo {
    const key = `${info.dataset}|${info.revision}`
    const now = Date.now()
    if ((servedMarks.get(key) ?? 0) < now - SERVED_MARK_MS) {
      servedMarks.set(key, now)
      this.defer(
        this.storage.put(`served/${info.dataset}/${info.revision}.json`, JSON.stringify({ at: now })),
      )
    }
    return info
  }

  /** A config by name; 400 naming it when unknown. */
  async config(name: string): Promise<DatasetConfig> {
    const info = await this.revision()
    const config = info.configs.find((c) => c.name === name)
    if (!config) {
      const known = info.configs.map((c) => c.name).join(', ')
      throw new HttpProblem(
        400,
        'unknown-config',
        `unknown config ${JSON.stringify(name)} (known: ${known})`,
        {
          param: 'config',
          value: name,
        },
      )
    }
    return config
  }

  /** The file as an AsyncBuffer read on behalf of this context. */
  buffer(file: OpenFile, writeBack = true) {
    return file.cache.asyncBuffer({ owner: this, store: this.storage, writeBack })
  }

  /** Open a config's parquet file: size, block cache, footer (shared per isolate, bytes cached in R2). */
  async file(configName: string): Promise<OpenFile> {
    const info = await this.revision()
    const config = await this.config(configName)
    return files.get(
      `${info.dataset}|${info.revision}|${config.path}`,
      async () => {
        const sha = info.revision
        const sizeKey = `meta/${info.dataset}/${sha}/${config.path}.size`
        let size = info.sizes[config.path]
        if (size === undefined) {
          const stored = await this.storage.text(sizeKey)
          size = stored ? Number(stored) : await this.hub.fileSize(sha, config.path)
          if (!stored) this.defer(this.storage.put(sizeKey, String(size)))
        }
        const cache = new BlockCache({
          size,
          prefix: `blocks/${info.dataset}/${sha}/${config.path}`,
          fetchRange: (start, end) => this.hub.fetchRange(sha, config.path, start, end),
        })
        let metadata: FileMetaData
        try {
          metadata = await parquetOpen(cache.asyncBuffer({ owner: this, store: this.storage }))
        } catch (err) {
          if (err instanceof UpstreamError || err instanceof HttpProblem) throw err
          throw new HttpProblem(
            502,
            'bad-parquet',
            `${config.path} is not a readable parquet file: ${(err as Error).message}`,
          )
        }
        const missing = parquetMissingColumns(metadata)
        if (missing.length > 0) {
          throw new HttpProblem(
            502,
            'bad-parquet',
            `${config.path} lacks the dataset columns ${missing.join(', ')}`,
          )
        }
        const opened: OpenFile = { config, size, cache, metadata, rows: parquetRowCount(metadata) }
        // First contact: a file that needs a page map gets its Queue job now (a failure here is retried by the
        // first read that needs the map).
        this.defer(pageMapOnOpen(this, opened).catch(() => {}))
        return opened
      },
      this,
    )
  }

  /** R2 key of the id index of a revision. */
  idIndexKey(info: RevisionInfo): string {
    return `index/${info.dataset}/${info.revision}/ids.json`
  }

  /** id -> (config, row), built from the `id` columns only and kept in R2. */
  async idIndex(): Promise<Map<string, RowLocation>> {
    const info = await this.revision()
    return idIndexes.get(
      `${info.dataset}|${info.revision}`,
      async () => {
        const key = this.idIndexKey(info)
        let lists = await this.storage.json<Record<string, string[]>>(key)
        if (!lists) {
          const built: Record<string, string[]> = {}
          await allSettledOrThrow(
            info.configs.map(async (c) => {
              const file = await this.file(c.name)
              built[c.name] = await parquetReadIds(this.buffer(file), file.metadata)
            }),
          )
          lists = built
          this.defer(this.storage.put(key, JSON.stringify(built)))
        }
        const index = new Map<string, RowLocation>()
        for (const [config, ids] of Object.entries(lists)) {
          for (const [row, id] of ids.entries()) if (!index.has(id)) index.set(id, { config, row })
        }
        return index
      },
      this,
    )
  }

  /**
   * Rows [start, end) of a config. Layouts that cannot be read within the slice budget get a 503; the decode
   * waits for room in the isolate's memory gate. `writeBack: false` for one-pass scans (stats slices,
   * exports): their blocks are not stored in R2.
   */
  rows(configName: string, range: RowRange, writeBack = true): Promise<Record<string, unknown>[]> {
    return this.withRows(configName, range, writeBack, (rows) => rows)
  }

  /**
   * Rows [start, end) handed to `use` while their memory is still reserved in the gate: parsing, serialising
   * and encoding what comes out of them (several copies of the rows' text) count against the budget too.
   */
  async withRows<T>(
    configName: string,
    range: RowRange,
    writeBack: boolean,
    use: (rows: Record<string, unknown>[]) => T | Promise<T>,
    columns: readonly string[] = DATASET_COLUMNS,
  ): Promise<T> {
    const file = await this.file(configName)
    try {
      assertReadable(file.metadata, range, this.budgetBytes)
    } catch (err) {
      throw new HttpProblem(503, 'layout-too-large', (err as Error).message, { retryAfter: 3600 })
    }
    const buffer = this.buffer(file, writeBack)
    // Files without an offset index: their page map, or a 503 while the Queue builds it (workers/data/page-map.ts).
    const afterRead = await pageMapBeforeRead(this, file, range)
    const cost = await parquetRangeCost(buffer, file.metadata, range, columns)
    const gate = this.gate
    let bytes =
      cost.compressed * (writeBack ? CACHED_READ_COPIES : 1) +
      cost.uncompressed +
      cost.decoded * DECODE_FACTOR
    // A slice was planned within SLICE_BUDGET_MB (by row-group averages; whole pages may add a little): it runs,
    // alone if it must. Only a single row too large for the whole budget is refused.
    if (range.end - range.start > 1) bytes = Math.min(bytes, gate.capacity)
    const what =
      range.end - range.start > 1
        ? `rows ${range.start}..${range.end - 1} of ${configName}`
        : `row ${range.start} of ${configName}`
    return gate.run(bytes, what, async () => {
      const rows = await parquetReadRows(buffer, file.metadata, range, { columns })
      afterRead()
      return use(rows)
    })
  }

  /** The replay document of a row id. */
  async trace(id: string): Promise<Trace> {
    return JSON.parse((await this.traceJson(id)).json) as Trace
  }

  /**
   * The replay document of a row id as JSON text, and the revision it belongs to: R2 first, else the row's
   * pages, parsed, serialised once and written back.
   */
  async traceJson(id: string): Promise<{ json: string; revision: string }> {
    const info = await this.revision()
    const key = `traces/${info.dataset}/${info.revision}/${id}.json`
    const json = await traceJsons.get(
      key,
      async () => {
        const cached = await this.storage.text(key)
        if (cached !== null && isJsonObject(cached)) return cached
        const location = (await this.idIndex()).get(id)
        if (!location) {
          throw new HttpProblem(
            404,
            'unknown-id',
            `no trace with id ${JSON.stringify(id)} in ${info.dataset}@${info.revision.slice(0, 8)}`,
            {
              param: 'id',
              value: id,
            },
          )
        }
        const range = { start: location.row, end: location.row + 1 }
        // The id index came from this file at this revision: the row's id is `id`, and its column (with
        // pyarrow's dictionary page of every id, ~300 KB a cold trace) is not read again.
        const json = await this.withRows(
          location.config,
          range,
          true,
          ([row]) => JSON.stringify(parseRow({ id, ...row }, { ...info, config: location.config }).trace),
          TRACE_COLUMNS,
        )
        this.defer(this.storage.put(key, json))
        return json
      },
      this,
    )
    return { json, revision: info.revision }
  }
}
