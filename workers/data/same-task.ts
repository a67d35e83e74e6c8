/**
 * The same-task index of a revision: task text -> the summaries of every row with exactly that task (groups of
 * two or more), built from the stats slices' row summaries and kept in R2 as `SAME_TASK_SHARDS` shards
 * (`index/<dataset>/<sha>/same-task/<k>.json`, shard = a hash of the task), so a lookup reads one small object.
 *
 * Self-healing: a lookup whose shard is missing rebuilds the whole index (deterministic, so a half-written
 * earlier build is harmless) once every row summary exists; until then it answers 503 + Retry-After (and the
 * missing slices are sent to the Queue by `configSummaries`).
 */
import {
  SAME_TASK_SHARDS,
  type SameTaskShard,
  sameTaskOthers,
  sameTaskShard,
  sameTaskShards,
} from '../../shared/same-task.ts'
import type { TraceSummary } from '../../shared/types.ts'
import { HttpProblem } from '../problem.ts'
import type { DataContext, RevisionInfo } from './context.ts'
import { allSettledOrThrow } from './memo.ts'
import { SharedWork } from './shared-work.ts'
import { configSummaries, PARTIAL_RETRY_AFTER } from './slices.ts'

function isFinal(err: unknown): boolean {
  return err instanceof HttpProblem && err.status < 500
}

/** Shards read or built by this isolate (sized by their JSON text). */
const shards = new SharedWork<{ shard: SameTaskShard; bytes: number }>({
  maxEntries: 64,
  maxBytes: 8 * 1024 * 1024,
  sizeOf: (v) => v.bytes,
  isFinal,
})
/** Builds in progress (not kept: their shards land in `shards` and R2). */
const builds = new SharedWork<string[]>({ ttlMs: 0, isFinal })

/** R2 key of shard `k` of a revision's same-task index. */
export function sameTaskKey(info: Pick<RevisionInfo, 'dataset' | 'revision'>, k: number): string {
  return `index/${info.dataset}/${info.revision}/same-task/${k}.json`
}

/** Every shard's JSON, from every row summary of every config; 503 while summaries are still computed. */
async function buildShards(ctx: DataContext, info: RevisionInfo): Promise<string[]> {
  const parts = await allSettledOrThrow(info.configs.map((c) => configSummaries(ctx, c.name)))
  if (!parts.every((p) => p.complete)) {
    const rows = parts.reduce((n, p) => n + p.summaries.length, 0)
    const rowsTotal = parts.reduce((n, p) => n + p.rowsTotal, 0)
    throw new HttpProblem(
      503,
      'same-task-pending',
      `the same-task index needs every row summary: ${rows} of ${rowsTotal} rows summarised so far; retry shortly`,
      { retryAfter: PARTIAL_RETRY_AFTER },
    )
  }
  function* all(): Generator<TraceSummary> {
    for (const p of parts) yield* p.summaries
  }
  const texts = sameTaskShards(all(), SAME_TASK_SHARDS).map((s) => JSON.stringify(s))
  // Every shard is written, empty ones too: a missing shard means "not built".
  await allSettledOrThrow(texts.map((text, k) => ctx.storage.putStrict(sameTaskKey(info, k), text)))
  return texts
}

function parseShard(text: string): { shard: SameTaskShard; bytes: number } | null {
  try {
    const shard = JSON.parse(text) as unknown
    if (typeof shard !== 'object' || shard === null || Array.isArray(shard)) return null
    return { shard: shard as SameTaskShard, bytes: text.length * 2 }
  } catch {
    return null
  }
}

/** The shard holding `task`: read from R2, else (missing or corrupt) the index is built again. */
async function shardOf(ctx: DataContext, task: string): Promise<SameTaskShard> {
  const info = await ctx.revision()
  const k = sameTaskShard(task, SAME_TASK_SHARDS)
  const { shard } = await shards.get(
    `${info.dataset}|${info.revision}|${k}`,
    async () => {
      const stored = await ctx.storage.text(sameTaskKey(info, k), true)
      const parsed = stored === null ? null : parseShard(stored)
      if (parsed) return parsed
      const built = await builds.get(`${info.dataset}|${info.revision}`, () => buildShards(ctx, info), ctx)
      return parseShard(built[k] as string) as { shard: SameTaskShard; bytes: number }
    },
    ctx,
  )
  return shard
}

/** The other rows (any config) whose task is exactly `task`, in the card's config order then row order. */
export async function sameTaskRows(ctx: DataContext, task: string, id: string): Promise<TraceSummary[]> {
  return sameTaskOthers(await shardOf(ctx, task), task, id)
}

/** Forget the isolate's shards (tests of cold paths). */
export function clearSameTaskMemos(): void {
  shards.clear()
  builds.clear()
}
