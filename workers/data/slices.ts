/**
 * Dataset-wide stats by map-reduce over row slices.
 *
 * A config's rows are cut into slices that fit one invocation's memory budget (`planSlices`). Each slice yields
 * a mergeable `Stats` partial and its rows' `TraceSummary`s, both stored in R2 under the commit sha. Missing
 * slices are sent to the Queue; the consumer (this same Worker) computes them. `/api/stats` merges whatever
 * exists and reports coverage (`complete: false`, `rows` of `rowsTotal`) until every slice is there, then
 * stores the merged document once.
 */
import { ParquetLayoutError, planSlices, type RowRange } from '../../shared/parquet.ts'
import { emptyStats, finalizeStats, mergeStats, statsAddRow, statsFromJson } from '../../shared/stats.ts'
import { parseRow } from '../../shared/trace.ts'
import type { Stats, TraceSummary } from '../../shared/types.ts'
import { HttpProblem } from '../problem.ts'
import type { DataContext, RevisionInfo } from './context.ts'
import { PromiseMemo } from './memo.ts'

/** A Queue message: compute one slice. */
export interface SliceMessage {
  dataset: string
  sha: string
  config: string
  start: number
  end: number
}

const RE_ENQUEUE_MS = 60_000
const enqueued = new Map<string, number>()
const mergedSummaries = new PromiseMemo<TraceSummary[]>(Number.POSITIVE_INFINITY, 8)

function base(info: RevisionInfo, config: string): string {
  return `${info.dataset}/${info.revision}/${config}`
}

function sliceName(range: RowRange): string {
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

async function existingSlices(ctx: DataContext, prefix: string): Promise<Set<string>> {
  const names = new Set<string>()
  let cursor: string | undefined
  do {
    const page = await ctx.env.CACHE.list({ prefix, cursor })
    for (const obj of page.objects) names.add(obj.key.slice(prefix.length).replace(/\.json$/, ''))
    cursor = page.truncated ? page.cursor : undefined
  } while (cursor)
  return names
}

/** Load R2 JSON objects with bounded concurrency. */
async function loadAll<T>(ctx: DataContext, keys: string[], parse: (text: string) => T | null): Promise<T[]> {
  const out: T[] = []
  for (let i = 0; i < keys.length; i += 16) {
    const batch = await Promise.all(
      keys.slice(i, i + 16).map(async (key) => {
        const obj = await ctx.env.CACHE.get(key)
        return obj ? parse(await obj.text()) : null
      }),
    )
    for (const item of batch) if (item !== null) out.push(item)
  }
  return out
}

/** Compute and store one slice's partial stats and summaries (idempotent). */
export async function computeSlice(ctx: DataContext, config: string, range: RowRange): Promise<void> {
  const info = await ctx.revision()
  const statsKey = `partials/${base(info, config)}/stats/${sliceName(range)}.json`
  if (await ctx.env.CACHE.head(statsKey)) return
  const file = await ctx.file(config)
  const rows = await ctx.rows(config, range, false)
  const stats = emptyStats({ ...info, config, rowsTotal: file.rows })
  const summaries: TraceSummary[] = []
  for (const row of rows) {
    const parsed = parseRow(row, { ...info, config }, { lazyContent: true })
    statsAddRow(stats, parsed)
    summaries.push(parsed.trace.summary)
  }
  // Summaries first: a stats partial's presence promises its summaries exist.
  await ctx.env.CACHE.put(
    `partials/${base(info, config)}/summaries/${sliceName(range)}.json`,
    JSON.stringify(summaries),
  )
  await ctx.env.CACHE.put(statsKey, JSON.stringify(finalizeStats(stats)))
}

/** Stats of one config: the merged document when complete, else the merge of what exists (and enqueue the rest). */
export async function configStats(ctx: DataContext, config: string): Promise<Stats> {
  const info = await ctx.revision()
  const mergedKey = `stats/${base(info, config)}.json`
  const merged = await ctx.env.CACHE.get(mergedKey)
  if (merged) {
    const stats = statsFromJson(await merged.text())
    if (stats) return stats
  }
  const { slices, rowsTotal } = await configSlices(ctx, config)
  const prefix = `partials/${base(info, config)}/stats/`
  const done = await existingSlices(ctx, prefix)
  const present = slices.filter((s) => done.has(sliceName(s)))
  const missing = slices.filter((s) => !done.has(sliceName(s)))
  await enqueueSlices(ctx, info, config, missing)
  const partials = await loadAll(
    ctx,
    present.map((s) => `${prefix}${sliceName(s)}.json`),
    statsFromJson,
  )
  let stats = finalizeStats(emptyStats({ ...info, config, rowsTotal }))
  for (const p of partials) stats = mergeStats(stats, p)
  if (missing.length === 0 && stats.complete) ctx.defer(ctx.env.CACHE.put(mergedKey, JSON.stringify(stats)))
  return stats
}

async function enqueueSlices(
  ctx: DataContext,
  info: RevisionInfo,
  config: string,
  missing: RowRange[],
): Promise<void> {
  const now = Date.now()
  const messages: { body: SliceMessage }[] = []
  for (const s of missing) {
    const key = `${base(info, config)}/${sliceName(s)}`
    if ((enqueued.get(key) ?? 0) > now - RE_ENQUEUE_MS) continue
    enqueued.set(key, now)
    messages.push({ body: { dataset: info.dataset, sha: info.revision, config, start: s.start, end: s.end } })
  }
  // sendBatch takes at most 100 messages.
  for (let i = 0; i < messages.length; i += 100) await ctx.env.SLICES.sendBatch(messages.slice(i, i + 100))
}

/** Every row summary of a config that has been computed so far, and whether that is all of them. */
export async function configSummaries(
  ctx: DataContext,
  config: string,
): Promise<{ summaries: TraceSummary[]; complete: boolean; rowsTotal: number }> {
  const info = await ctx.revision()
  const { slices, rowsTotal } = await configSlices(ctx, config)
  const prefix = `partials/${base(info, config)}/summaries/`
  const memoKey = base(info, config)
  const done = await existingSlices(ctx, prefix)
  const complete = slices.every((s) => done.has(sliceName(s)))
  if (complete) {
    const summaries = await mergedSummaries.get(memoKey, async () => {
      const lists = await loadAll(
        ctx,
        slices.map((s) => `${prefix}${sliceName(s)}.json`),
        parseSummaries,
      )
      return lists.flat()
    })
    return { summaries, complete, rowsTotal }
  }
  await enqueueSlices(
    ctx,
    info,
    config,
    slices.filter((s) => !done.has(sliceName(s))),
  )
  const present = slices.filter((s) => done.has(sliceName(s)))
  const lists = await loadAll(
    ctx,
    present.map((s) => `${prefix}${sliceName(s)}.json`),
    parseSummaries,
  )
  return { summaries: lists.flat(), complete, rowsTotal }
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
