/**
 * Page maps ("our own page index") of parquet files without an offset index (pyarrow's defaults: one row group,
 * no page index), so that a cold trace reads only its row's pages.
 *
 * Small unindexed chunks (up to the slice budget, compressed) are mapped by the read that needs them, in the
 * request. Bigger ones are mapped by a dedicated, resumable Queue job, started on first contact with the file (the
 * isolate's first read of its footer) and again by any read that finds the map missing (a message with `pageMap: true` on the
 * slices queue): each step walks `STEP_FACTOR` slice budgets of pages (headers only for flat columns, the
 * repetition levels of nested v1 pages, one page at a time) and stores its state in R2
 * (`jobs/<dataset>/<sha>/<config>/pagemap.json`); the finished map goes to `meta/<dataset>/<sha>/<path>.pagemap.json`
 * and is loaded once per opened file. Until it is complete, a read inside such a row group answers 503 with
 * Retry-After (never 500, never out of memory); `/api/health` shows the progress.
 */
import { DATASET_COLUMNS, type RowRange } from '../../shared/parquet.ts'
import {
  type PageMapJob,
  type ParquetPageMap,
  parquetPageMapStep,
  parquetRememberedPageMap,
  parquetRememberPageMap,
} from '../../shared/parquet-pages.ts'
import { HttpProblem } from '../problem.ts'
import type { DataContext, OpenFile } from './context.ts'

/** A page-map step walks this many slice budgets of compressed pages (8 MB budget: 64 MB per message). */
const STEP_FACTOR = 8
/** Seconds a client should wait before asking again while a page map is built. */
export const PAGE_MAP_RETRY_AFTER = 15
/** Don't re-send the job message of the same file more often than this (per isolate). */
const RE_ENQUEUE_MS = 30_000
const enqueued = new Map<string, number>()

/** Page maps loaded from R2 (per opened file) and how many chunks R2 holds. */
const loaded = new WeakSet<object>()
const storedChunks = new WeakMap<object, number>()

/** Forget the isolate's job bookkeeping (tests). */
export function clearPageMapMemos(): void {
  enqueued.clear()
}

function chunkCount(map: ParquetPageMap | undefined): number {
  return map ? map.rowGroups.reduce((n, g) => n + Object.keys(g).length, 0) : 0
}

/** The dataset's leaf chunks without an offset index, per row group: [path, compressed bytes][]. */
function unindexed(file: OpenFile): [string, number][][] {
  return file.metadata.row_groups.map((group) =>
    group.columns.flatMap((chunk) => {
      const meta = chunk.meta_data
      if (!meta || (chunk.offset_index_offset && chunk.offset_index_length)) return []
      if (!(DATASET_COLUMNS as readonly string[]).includes(meta.path_in_schema[0] ?? '')) return []
      return [[meta.path_in_schema.join('.'), Number(meta.total_compressed_size)] as [string, number]]
    }),
  )
}

async function keys(ctx: DataContext, file: OpenFile) {
  const info = await ctx.revision()
  return {
    map: `meta/${info.dataset}/${info.revision}/${file.config.path}.pagemap.json`,
    job: `jobs/${info.dataset}/${info.revision}/${file.config.name}/pagemap.json`,
    info,
  }
}

/** Load the file's stored page map into the reader's memo (once per opened file). */
async function loadStored(ctx: DataContext, file: OpenFile, key: string): Promise<void> {
  if (loaded.has(file.metadata)) return
  loaded.add(file.metadata)
  const stored = await ctx.storage.json<ParquetPageMap>(key)
  if (stored?.version === 1 && stored.rowGroups.length === file.metadata.row_groups.length) {
    parquetRememberPageMap(file.metadata, stored)
    storedChunks.set(file.metadata, chunkCount(stored))
  }
}

/**
 * Before reading rows [start, end) of a file: make sure every chunk without an offset index that the read must
 * locate pages in is mapped, or small enough to map now. Throws a 503 (Retry-After) and starts the Queue job
 * when a big one is not mapped yet. Returns a function to call after the read (stores a map the read grew).
 */
export async function pageMapBeforeRead(
  ctx: DataContext,
  file: OpenFile,
  range: RowRange,
): Promise<() => void> {
  const chunks = unindexed(file)
  if (chunks.every((g) => g.length === 0)) return () => {}
  const k = await keys(ctx, file)
  await loadStored(ctx, file, k.map)
  const known = parquetRememberedPageMap(file.metadata)
  let groupStart = 0
  let missingBytes = 0
  for (const [g, group] of file.metadata.row_groups.entries()) {
    const rows = Number(group.num_rows)
    const lo = Math.max(range.start, groupStart) - groupStart
    const hi = Math.min(range.end, groupStart + rows) - groupStart
    groupStart += rows
    // A read of whole row groups walks their chunks from the start: no map needed.
    if (hi <= lo || (lo === 0 && hi === rows)) continue
    for (const [path, bytes] of chunks[g] ?? []) {
      if (known?.rowGroups[g]?.[path]) continue
      if (bytes > ctx.budgetBytes) missingBytes += bytes
    }
  }
  if (missingBytes > 0) {
    const job = await ctx.storage.json<PageMapJob>(k.job)
    await startPageMapJob(ctx, file)
    const progress = job ? ` (${Math.floor((100 * job.bytesDone) / Math.max(1, job.bytesTotal))}% done)` : ''
    throw new HttpProblem(
      503,
      'page-map-pending',
      `${file.config.path} has no page index; the page map its rows need is being built${progress}: retry shortly`,
      { retryAfter: PAGE_MAP_RETRY_AFTER },
    )
  }
  return () => {
    const map = parquetRememberedPageMap(file.metadata)
    const count = chunkCount(map)
    if (!map || count <= (storedChunks.get(file.metadata) ?? 0)) return
    storedChunks.set(file.metadata, count)
    ctx.defer(ctx.storage.put(k.map, JSON.stringify(map)))
  }
}

/** True when a file has a chunk without an offset index too big to map inside a request. */
function needsJob(file: OpenFile, budgetBytes: number): boolean {
  return unindexed(file).some((g) => g.some(([, bytes]) => bytes > budgetBytes))
}

/**
 * First contact with a file (its footer was just read in this isolate): when it needs a page map that R2 does not
 * hold yet, start the job now, before any cold trace has to wait for it.
 */
export async function pageMapOnOpen(ctx: DataContext, file: OpenFile): Promise<void> {
  if (!needsJob(file, ctx.budgetBytes)) return
  const k = await keys(ctx, file)
  if (await ctx.storage.exists(k.map)) return
  if ((await ctx.storage.json<PageMapJob>(k.job))?.done) return
  await startPageMapJob(ctx, file)
}

/** Send the job's message (at most every RE_ENQUEUE_MS per isolate). */
async function startPageMapJob(ctx: DataContext, file: OpenFile): Promise<void> {
  const info = await ctx.revision()
  const key = `${info.dataset}|${info.revision}|${file.config.name}`
  const now = Date.now()
  if ((enqueued.get(key) ?? 0) > now - RE_ENQUEUE_MS) return
  enqueued.set(key, now)
  await ctx.env.SLICES.send({
    dataset: info.dataset,
    sha: info.revision,
    config: file.config.name,
    start: 0,
    end: 0,
    pageMap: true,
  })
}

/**
 * One step of a config's page-map job (the Queue consumer): continue from the stored state, store the new one;
 * when done, store the map itself. Returns true when more steps are needed (the caller sends the message again).
 */
export async function advancePageMap(ctx: DataContext, config: string): Promise<boolean> {
  const file = await ctx.file(config)
  const k = await keys(ctx, file)
  // Strict: an R2 failure must not restart the job from the beginning (the Queue retries the step).
  const previous = (await ctx.storage.json<PageMapJob>(k.job, true)) ?? undefined
  if (previous?.done) return false
  const job = await parquetPageMapStep(ctx.buffer(file, false), file.metadata, previous, {
    maxBytes: STEP_FACTOR * ctx.budgetBytes,
    columns: DATASET_COLUMNS,
  })
  if (job.done) {
    await ctx.storage.putStrict(k.map, JSON.stringify(job.map))
    parquetRememberPageMap(file.metadata, job.map)
    storedChunks.set(file.metadata, chunkCount(job.map))
    // The map is stored: keep only the progress figures in the job state.
    await ctx.storage.putStrict(
      k.job,
      JSON.stringify({ ...job, map: { version: 1, rowGroups: [] } } satisfies PageMapJob),
    )
    return false
  }
  await ctx.storage.putStrict(k.job, JSON.stringify(job))
  return true
}

/** Where a config's page map stands (health): needed at all, complete, bytes walked of bytes to walk. */
export async function pageMapProgress(
  ctx: DataContext,
  config: string,
): Promise<{ needed: boolean; complete: boolean; bytesDone: number; bytesTotal: number }> {
  const file = await ctx.file(config)
  if (!needsJob(file, ctx.budgetBytes)) return { needed: false, complete: true, bytesDone: 0, bytesTotal: 0 }
  const k = await keys(ctx, file)
  const job = await ctx.storage.json<PageMapJob>(k.job, true)
  const complete = job?.done === true || (await ctx.storage.exists(k.map))
  return { needed: true, complete, bytesDone: job?.bytesDone ?? 0, bytesTotal: job?.bytesTotal ?? 0 }
}
