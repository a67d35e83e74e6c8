/**
 * Dataset-wide stats by map-reduce over row slices, with nothing left half-done.
 *
 * A config's rows are cut into slices that fit one invocation's memory budget (`planSlices`). Each slice yields
 * a mergeable `Stats` partial and its rows' `TraceSummary`s, both stored in R2 under the commit sha. Missing
 * slices are sent to the Queue; the consumer (this same Worker) computes them. `/api/stats` merges whatever
 * exists and reports coverage (`complete: false`, `rows` of `rowsTotal`, `coverage` listing what is missing
 * and when to ask again) until every slice is there, then stores the merged document once.
 *
 * Repair without outside help: a slice that fails transiently is retried by the Queue; one the Queue drops
 * goes to the dead-letter queue, whose consumer sends it back later; and the scheduled job (cron) re-enqueues
 * every slice still missing from an incomplete config of a served revision. A slice that can never be computed
 * (a permanent error) is recorded under `jobs/` and reported in `coverage.missing` with its error.
 */
import { ParquetLayoutError, planSlices, type RowRange } from '../../shared/parquet.ts'
import { searchPartialBuild } from '../../shared/search/partial.ts'
import { type SearchRowInput, searchRowFromTrace } from '../../shared/search/rows.ts'
import { emptyStats, finalizeStats, mergeStats, statsAddRow, statsFromJson } from '../../shared/stats.ts'
import { parseRow } from '../../shared/trace.ts'
import type { Coverage, Stats, TraceSummary } from '../../shared/types.ts'
import { HttpProblem } from '../problem.ts'
import type { DataContext, RevisionInfo } from './context.ts'
import { SEARCH_SHARDS, searchSliceKey, searchSliceStore } from './search-index.ts'
import { SharedWork } from './shared-work.ts'

/** A Queue message: compute one slice. */
export interface SliceMessage {
  dataset: string
  sha: string
  config: string
  start: number
  end: number
  /** How many times the dead-letter consumer has sent this slice back (absent: never). */
  revived?: number
  /** Not a slice: one step of the config's page-map job (workers/data/page-map.ts); start/end are 0. */
  pageMap?: boolean
  /** Not a slice: a search index job (workers/data/search-index.ts): -1 the manifest, k the merge of shard k. */
  search?: number
}

/** A slice that failed permanently (R2 `jobs/<base>/failed/<slice>.json`). */
export interface SliceFailure {
  error: string
  at: number
}

/** Don't re-send the same missing slices more often than this (per isolate; the Queue retries meanwhile). */
const RE_ENQUEUE_MS = 5 * 60_000
/** Seconds a client should wait before asking again for incomplete stats. */
export const PARTIAL_RETRY_AFTER = 10
const enqueued = new Map<string, number>()
const mergedSummaries = new SharedWork<TraceSummary[]>({
  maxEntries: 2,
  maxBytes: 12 * 1024 * 1024,
  sizeOf: (list) => list.length * 600,
})

/**
 * Version of the stored `Stats` documents (partials and merged): bumped whenever `Stats` gains or changes a field,
 * so documents an older deployment stored for the same revision are never read back (they lack the field); the
 * slices are recomputed under the new keys and the old objects age out with their revision.
 */
export const STATS_FORMAT = 'stats-v2'

/** R2 keys of a config's stats: the slice partials and the merged document. */
export function statsKeys(base: string): { partials: string; merged: string } {
  return { partials: `partials/${base}/${STATS_FORMAT}/`, merged: `${STATS_FORMAT}/${base}.json` }
}

export function sliceBase(info: { dataset: string; revision: string }, config: string): string {
  return `${info.dataset}/${info.revision}/${config}`
}

export function sliceName(range: RowRange): string {
  return `${range.start}-${range.end}`
}

/** The slices of a config (503 when the layout cannot be sliced within the budget). */
export async function configSlices(
  ctx: DataContext,
  config: string,
): Promise<{ slices: RowRange[]; rowsTotal: number }> {
  const file = await ctx.file(config)
  try {
    return { slices: planSlices(file.metadata, ctx.budgetBytes), rowsTotal: file.rows }
  } catch (err) {
    if (err instanceof ParquetLayoutError) {
      throw new HttpProblem(503, 'layout-too-large', err.message, { retryAfter: 3600 })
    }
    throw err
  }
}

/** Names of the objects under a prefix (without the prefix and `.json`). R2 failures throw (-> 503). */
async function namesUnder(ctx: DataContext, prefix: string): Promise<Set<string>> {
  const { keys } = await ctx.storage.list(prefix)
  return new Set(keys.map((k) => k.slice(prefix.length).replace(/\.json$/, '')))
}

/** Load R2 JSON objects with bounded concurrency; a missing or failing object throws (-> 503, never wrong). */
async function loadAll<T>(ctx: DataContext, keys: string[], parse: (text: string) => T | null): Promise<T[]> {
  const out: T[] = []
  for (let i = 0; i < keys.length; i += 16) {
    const batch = await Promise.all(
      keys.slice(i, i + 16).map(async (key) => {
        const text = await ctx.storage.text(key, true)
        const value = text === null ? null : parse(text)
        if (value === null)
          throw new HttpProblem(503, 'storage', `partial ${key} is unreadable; retry shortly`, {
            retryAfter: 5,
          })
        return value
      }),
    )
    out.push(...batch)
  }
  return out
}

/**
 * Compute and store one slice's partial stats, summaries and partial search index (idempotent: a slice whose
 * stats and search partial both exist is skipped; one missing either is computed again).
 */
export async function computeSlice(ctx: DataContext, config: string, range: RowRange): Promise<void> {
  const info = await ctx.revision()
  const base = sliceBase(info, config)
  const statsKey = `${statsKeys(base).partials}${sliceName(range)}.json`
  if ((await ctx.storage.exists(statsKey)) && (await ctx.storage.exists(searchSliceKey(base, range)))) return
  const file = await ctx.file(config)
  // Parse inside the memory reservation: the rows, their parsed forms and the search partial are alive together.
  const { summariesJson, statsJson, search } = await ctx.withRows(config, range, false, (rows) => {
    const stats = emptyStats({ ...info, config, rowsTotal: file.rows })
    const summaries: TraceSummary[] = []
    const searchRows: SearchRowInput[] = []
    for (const row of rows) {
      const parsed = parseRow(row, { ...info, config }, { lazyContent: true })
      statsAddRow(stats, parsed)
      summaries.push(parsed.trace.summary)
      searchRows.push(searchRowFromTrace(parsed.trace))
    }
    return {
      summariesJson: JSON.stringify(summaries),
      statsJson: JSON.stringify(finalizeStats(stats)),
      search: searchPartialBuild(searchRows, SEARCH_SHARDS),
    }
  })
  await searchSliceStore(ctx, base, range, search)
  // Summaries first: a stats partial's presence promises its summaries exist.
  await ctx.storage.putStrict(`partials/${base}/summaries/${sliceName(range)}.json`, summariesJson)
  await ctx.storage.putStrict(statsKey, statsJson)
}

/** Record a slice that can never be computed (reported in coverage, retried by the scheduled job later). */
export async function recordSliceFailure(ctx: DataContext, m: SliceMessage, error: string): Promise<void> {
  const failure: SliceFailure = { error: error.slice(0, 500), at: Date.now() }
  await ctx.storage.put(
    `jobs/${sliceBase({ dataset: m.dataset, revision: m.sha }, m.config)}/failed/${m.start}-${m.end}.json`,
    JSON.stringify(failure),
  )
}

/** Where a config's slices stand. */
export interface SliceProgress {
  slices: RowRange[]
  rowsTotal: number
  done: RowRange[]
  missing: RowRange[]
  failed: Map<string, SliceFailure>
}

/** Which slices of a config exist (R2 listing), without loading them. */
export async function sliceProgress(ctx: DataContext, config: string): Promise<SliceProgress> {
  const info = await ctx.revision()
  const base = sliceBase(info, config)
  const { slices, rowsTotal } = await configSlices(ctx, config)
  const done = await namesUnder(ctx, statsKeys(base).partials)
  const failedNames = await namesUnder(ctx, `jobs/${base}/failed/`)
  const failed = new Map<string, SliceFailure>()
  for (const name of failedNames) {
    if (done.has(name)) continue
    const f = await ctx.storage.json<SliceFailure>(`jobs/${base}/failed/${name}.json`)
    if (f) failed.set(name, f)
  }
  return {
    slices,
    rowsTotal,
    done: slices.filter((s) => done.has(sliceName(s))),
    missing: slices.filter((s) => !done.has(sliceName(s))),
    failed,
  }
}

function coverageOf(progress: SliceProgress): Coverage {
  return {
    slicesDone: progress.done.length,
    slicesTotal: progress.slices.length,
    missing: progress.missing.slice(0, 50).map((s) => {
      const f = progress.failed.get(sliceName(s))
      return f
        ? { start: s.start, end: s.end, state: 'failed' as const, error: f.error }
        : { start: s.start, end: s.end, state: 'queued' as const }
    }),
    retryAfter: PARTIAL_RETRY_AFTER,
  }
}

/** Stats of one config: the merged document when complete, else the merge of what exists (and enqueue the rest). */
export async function configStats(ctx: DataContext, config: string): Promise<Stats> {
  const info = await ctx.revision()
  const base = sliceBase(info, config)
  const mergedKey = statsKeys(base).merged
  const merged = await ctx.storage.text(mergedKey)
  if (merged) {
    const stats = statsFromJson(merged)
    if (stats) return stats
  }
  const progress = await sliceProgress(ctx, config)
  await enqueueSlices(ctx, info, config, progress.missing)
  const prefix = statsKeys(base).partials
  const partials = await loadAll(
    ctx,
    progress.done.map((s) => `${prefix}${sliceName(s)}.json`),
    statsFromJson,
  )
  let stats = finalizeStats(emptyStats({ ...info, config, rowsTotal: progress.rowsTotal }))
  for (const p of partials) stats = mergeStats(stats, p)
  if (progress.missing.length === 0 && stats.complete) {
    ctx.defer(ctx.storage.put(mergedKey, JSON.stringify(stats)))
    return stats
  }
  return { ...stats, complete: false, coverage: coverageOf(progress) }
}

/** Send the missing slices to the Queue (at most once a minute per isolate, unless `force`). */
export async function enqueueSlices(
  ctx: DataContext,
  info: RevisionInfo,
  config: string,
  missing: RowRange[],
  force = false,
): Promise<number> {
  const now = Date.now()
  const messages: { body: SliceMessage }[] = []
  for (const s of missing) {
    const key = `${sliceBase(info, config)}/${sliceName(s)}`
    if (!force && (enqueued.get(key) ?? 0) > now - RE_ENQUEUE_MS) continue
    enqueued.set(key, now)
    messages.push({ body: { dataset: info.dataset, sha: info.revision, config, start: s.start, end: s.end } })
  }
  // sendBatch takes at most 100 messages.
  for (let i = 0; i < messages.length; i += 100) await ctx.env.SLICES.sendBatch(messages.slice(i, i + 100))
  return messages.length
}

/** Every row summary of a config that has been computed so far, and whether that is all of them. */
export async function configSummaries(
  ctx: DataContext,
  config: string,
): Promise<{ summaries: TraceSummary[]; complete: boolean; rowsTotal: number; coverage?: Coverage }> {
  const info = await ctx.revision()
  const base = sliceBase(info, config)
  const prefix = `partials/${base}/summaries/`
  const memoKey = base
  const kept = mergedSummaries.peek(memoKey)
  if (kept) {
    // Complete summaries of a sha never change.
    const file = await ctx.file(config)
    return { summaries: kept, complete: true, rowsTotal: file.rows }
  }
  const progress = await sliceProgress(ctx, config)
  const complete = progress.missing.length === 0
  if (complete) {
    const summaries = await mergedSummaries.get(
      memoKey,
      async () => {
        const lists = await loadAll(
          ctx,
          progress.slices.map((s) => `${prefix}${sliceName(s)}.json`),
          parseSummaries,
        )
        return lists.flat()
      },
      ctx,
    )
    return { summaries, complete, rowsTotal: progress.rowsTotal }
  }
  await enqueueSlices(ctx, info, config, progress.missing)
  const lists = await loadAll(
    ctx,
    progress.done.map((s) => `${prefix}${sliceName(s)}.json`),
    parseSummaries,
  )
  return { summaries: lists.flat(), complete, rowsTotal: progress.rowsTotal, coverage: coverageOf(progress) }
}

function parseSummaries(text: string): TraceSummary[] | null {
  try {
    const v = JSON.parse(text)
    return Array.isArray(v) ? (v as TraceSummary[]) : null
  } catch {
    return null
  }
}

/** Forget the isolate's memory of enqueued slices and merged summaries (tests). */
export function clearSliceMemos(): void {
  enqueued.clear()
  mergedSummaries.clear()
}
