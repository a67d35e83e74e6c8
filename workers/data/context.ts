/**
 * The dataset access layer of one request: which revision, which configs and files, the id index, traces.
 *
 * Lazy: nothing is fetched until asked. Everything persisted in R2 is keyed by the commit sha (immutable), so
 * caches never go stale; a branch name (`main`) is resolved to a sha and that resolution is remembered for a few
 * minutes (and used stale when the Hub is down). Heavy objects (footers, the id index) are memoised per isolate.
 */
import { cardIsSample, configsFromCardData, type DatasetConfig } from '../../shared/dataset.ts'
import {
  assertReadable,
  DEFAULT_SLICE_BUDGET,
  type FileMetaData,
  parquetMissingColumns,
  parquetOpen,
  parquetReadIds,
  parquetReadRows,
  parquetRowCount,
  type RowRange,
} from '../../shared/parquet.ts'
import { parseRow } from '../../shared/trace.ts'
import type { Provenance, Trace } from '../../shared/types.ts'
import type { Bindings } from '../env.ts'
import { HttpProblem } from '../problem.ts'
import { BlockCache, type BlockStore, pendingBlockWork, r2BlockStore } from './block-cache.ts'
import { HubClient, UpstreamError } from './hub.ts'
import { allSettledOrThrow, type Owner, PromiseMemo, pendingMemoWork, settleWithin } from './memo.ts'

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
const SHA = /^[0-9a-f]{40}$/

// Per-isolate memos (shared by requests of the same isolate).
const hubs = new Map<string, HubClient>()
const revisions = new PromiseMemo<RevisionInfo>(60_000)
const files = new PromiseMemo<OpenFile>()
const idIndexes = new PromiseMemo<Map<string, RowLocation>>(Number.POSITIVE_INFINITY, 8)
const traces = new PromiseMemo<Trace>(30_000, 64)

/** Deferred write-backs still running in this isolate. */
const deferred = new Set<Promise<unknown>>()

/** Settles when every deferred write-back and block write started so far has settled (tests, queue). */
export async function settleWrites(): Promise<void> {
  await Promise.all([settleWithin([...deferred]), pendingBlockWork(), pendingMemoWork()])
}

/** Forget every per-isolate memo (tests that measure cold paths). */
export function clearIsolateMemos(): void {
  hubs.clear()
  revisions.clear()
  files.clear()
  idIndexes.clear()
  traces.clear()
}

/** R2 JSON helpers. */
async function getJson<T>(bucket: R2Bucket, key: string): Promise<T | null> {
  const obj = await bucket.get(key)
  if (!obj) return null
  try {
    return (await obj.json()) as T
  } catch {
    return null // a corrupt object is a miss; it will be rewritten
  }
}

/** The per-request (or per-queue-batch) data context; the owner of the shared work it starts. */
export class DataContext implements Owner {
  /** True until the request's last waitUntil has settled (see memo.ts). */
  alive = true
  readonly env: Bindings
  readonly hub: HubClient
  readonly store: BlockStore
  private readonly waitUntil: (p: Promise<unknown>) => void

  constructor(env: Bindings, waitUntil: (p: Promise<unknown>) => void) {
    this.env = env
    this.waitUntil = waitUntil
    this.store = r2BlockStore(env.CACHE)
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

  /** Keep work (R2 write-backs) alive after the response. */
  defer(p: Promise<unknown>): void {
    const settled = p.catch(() => undefined)
    deferred.add(settled)
    void settled.finally(() => deferred.delete(settled))
    this.waitUntil(settled)
  }

  /** The configured revision, resolved to a commit. */
  revision(): Promise<RevisionInfo> {
    const requested = this.env.HF_REVISION || 'main'
    return revisions.get(
      `${this.env.HF_ENDPOINT}|${this.env.HF_DATASET}|${requested}`,
      () => this.resolveRevision(requested),
      this,
    )
  }

  private async resolveRevision(requested: string): Promise<RevisionInfo> {
    const bucket = this.env.CACHE
    const dataset = this.env.HF_DATASET
    const refKey = `refs/${dataset}/${encodeURIComponent(requested)}.json`
    // A pinned sha never changes: its info is cached for good. A branch is re-resolved after REF_FRESH_MS.
    const ref = SHA.test(requested)
      ? { sha: requested, at: Date.now() }
      : await getJson<{ sha: string; at: number }>(bucket, refKey)
    if (ref && Date.now() - ref.at < REF_FRESH_MS) {
      const info = await getJson<RevisionInfo>(bucket, `info/${dataset}/${ref.sha}.json`)
      if (info) return { ...info, requested }
    }
    let upstream: Awaited<ReturnType<HubClient['datasetInfo']>>
    try {
      upstream = await this.hub.datasetInfo(requested)
    } catch (err) {
      // The Hub is down or rate-limiting: a stale resolution is better than an error.
      const stale = ref ? await getJson<RevisionInfo>(bucket, `info/${dataset}/${ref.sha}.json`) : null
      if (stale) return { ...stale, requested }
      if (err instanceof UpstreamError && err.notFound) {
        throw new HttpProblem(502, 'upstream-not-found', `${err.message}: check HF_DATASET and HF_REVISION`)
      }
      throw err
    }
    const sizes: Record<string, number> = {}
    for (const s of upstream.siblings) if (typeof s.size === 'number') sizes[s.rfilename] = s.size
    const info: RevisionInfo = {
      dataset,
      revision: upstream.sha,
      sample: cardIsSample(upstream.cardData),
      requested,
      configs: configsFromCardData(upstream.cardData),
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
        bucket.put(`info/${dataset}/${upstream.sha}.json`, JSON.stringify(info)),
        SHA.test(requested)
          ? null
          : bucket.put(refKey, JSON.stringify({ sha: upstream.sha, at: Date.now() })),
      ]),
    )
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

  /** Open a config's parquet file: size, block cache, footer (memoised per isolate, bytes cached in R2). */
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
          const stored = await this.env.CACHE.get(sizeKey)
          size = stored ? Number(await stored.text()) : await this.hub.fileSize(sha, config.path)
          if (!stored) this.defer(this.env.CACHE.put(sizeKey, String(size)))
        }
        const cache = new BlockCache({
          store: this.store,
          size,
          prefix: `blocks/${info.dataset}/${sha}/${config.path}`,
          fetchRange: (start, end) => this.hub.fetchRange(sha, config.path, start, end),
        })
        let metadata: FileMetaData
        try {
          metadata = await parquetOpen(cache.asyncBuffer({ owner: this }))
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
        return { config, size, cache, metadata, rows: parquetRowCount(metadata) }
      },
      this,
    )
  }

  /** id -> (config, row), built from the `id` columns only and kept in R2. */
  idIndex(): Promise<Map<string, RowLocation>> {
    return this.revision().then((info) =>
      idIndexes.get(
        `${info.dataset}|${info.revision}`,
        async () => {
          const key = `index/${info.dataset}/${info.revision}/ids.json`
          let lists = await getJson<Record<string, string[]>>(this.env.CACHE, key)
          if (!lists) {
            const built: Record<string, string[]> = {}
            await allSettledOrThrow(
              info.configs.map(async (c) => {
                const file = await this.file(c.name)
                built[c.name] = await parquetReadIds(file.cache.asyncBuffer({ owner: this }), file.metadata)
              }),
            )
            lists = built
            this.defer(this.env.CACHE.put(key, JSON.stringify(built)))
          }
          const index = new Map<string, RowLocation>()
          for (const [config, ids] of Object.entries(lists)) {
            for (const [row, id] of ids.entries()) if (!index.has(id)) index.set(id, { config, row })
          }
          return index
        },
        this,
      ),
    )
  }

  /**
   * Rows [start, end) of a config, refusing layouts that would exceed the memory budget (503).
   * `writeBack: false` for one-pass scans (stats slices, exports): their blocks are not stored in R2.
   */
  async rows(configName: string, range: RowRange, writeBack = true): Promise<Record<string, unknown>[]> {
    const file = await this.file(configName)
    try {
      assertReadable(file.metadata, range, this.budgetBytes)
    } catch (err) {
      throw new HttpProblem(503, 'layout-too-large', (err as Error).message, { retryAfter: 3600 })
    }
    return parquetReadRows(file.cache.asyncBuffer({ owner: this, writeBack }), file.metadata, range)
  }

  /** The replay document of a row id: R2 first, else the row's pages, parsed and written back. */
  async trace(id: string): Promise<Trace> {
    const info = await this.revision()
    const key = `traces/${info.dataset}/${info.revision}/${id}.json`
    return traces.get(
      key,
      async () => {
        const cached = await getJson<Trace>(this.env.CACHE, key)
        if (cached) return cached
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
        const [row] = await this.rows(location.config, { start: location.row, end: location.row + 1 })
        const trace = parseRow(row, { ...info, config: location.config }).trace
        this.defer(this.env.CACHE.put(key, JSON.stringify(trace)))
        return trace
      },
      this,
    )
  }
}
