/**
 * Rows with the identical task text, grouped: the "same task elsewhere" index. Pure: takes row summaries in the
 * card's config order and row order, returns the groups of two or more rows, cut into shards by a hash of the
 * task so a lookup reads one small shard instead of the whole index.
 */
import type { TraceSummary } from './types.ts'

/** Shards of a revision's same-task index. */
export const SAME_TASK_SHARDS = 16

/** The shard of a task text: FNV-1a (32-bit) over its UTF-16 code units, modulo `shards`. */
export function sameTaskShard(task: string, shards = SAME_TASK_SHARDS): number {
  let h = 0x811c9dc5
  for (let i = 0; i < task.length; i++) {
    h ^= task.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return (h >>> 0) % shards
}

/** One shard: task text -> the summaries of every row with exactly that task (two or more), in input order. */
export type SameTaskShard = Record<string, TraceSummary[]>

/**
 * Group summaries by identical task text (no normalisation: case, spaces and punctuation count) and keep the
 * groups of two or more rows, each in input order, cut into `shards` shards.
 */
export function sameTaskShards(
  summaries: Iterable<TraceSummary>,
  shards = SAME_TASK_SHARDS,
): SameTaskShard[] {
  const groups = new Map<string, TraceSummary[]>()
  for (const s of summaries) {
    const group = groups.get(s.task)
    if (group) group.push(s)
    else groups.set(s.task, [s])
  }
  const out: SameTaskShard[] = Array.from({ length: shards }, () => ({}))
  for (const [task, group] of groups) {
    if (group.length < 2) continue
    // defineProperty, not assignment: a task such as "__proto__" must stay an ordinary key.
    Object.defineProperty(out[sameTaskShard(task, shards)], task, {
      value: group,
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return out
}

/** The other rows with the task of `id` in a shard, or none. */
export function sameTaskOthers(shard: SameTaskShard, task: string, id: string): TraceSummary[] {
  const group = Object.hasOwn(shard, task) ? shard[task] : undefined
  return (group ?? []).filter((s) => s.id !== id)
}
