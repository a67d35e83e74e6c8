/**
 * The scheduled job (cron trigger): repair and clean-up.
 *
 * - Repair: for the configured revision and every revision served recently, each config whose stats are not
 *   complete gets its missing slices sent to the Queue again (failed ones included: a fault may have passed),
 *   unless this isolate sent them within the last few minutes (they are still on the Queue).
 *   Together with the Queue's retries and the dead-letter consumer, stats reach `complete: true` with nobody
 *   polling `/api/stats`. The search index of each config is repaired the same way (missing slice partials,
 *   manifest, shard merges).
 * - Clean-up: R2 objects of revisions that are neither the configured one nor served within
 *   REVISION_KEEP_DAYS are deleted (a bounded number per run; the next run continues).
 */
import { DataContext, SHA } from './data/context.ts'
import { searchRepair } from './data/search-index.ts'
import {
  configSlices,
  enqueueSlices,
  STATS_FORMAT,
  sliceBase,
  sliceProgress,
  statsKeys,
} from './data/slices.ts'
import { Storage } from './data/storage.ts'
import type { Bindings } from './env.ts'
import { log } from './log.ts'

const DAY_MS = 24 * 60 * 60 * 1000
/** Most objects deleted by one run. */
const DELETE_PER_RUN = 5_000
/** Revisions whose repair is attempted per run (the configured one first). */
const REPAIR_REVISIONS = 4

/** Key prefixes of everything stored for one revision of a dataset. */
export function revisionPrefixes(dataset: string, sha: string): string[] {
  // 'stats' holds merged documents of earlier STATS_FORMATs.
  return ['blocks', 'traces', 'partials', 'stats', STATS_FORMAT, 'index', 'meta', 'jobs'].map(
    (p) => `${p}/${dataset}/${sha}/`,
  )
}

function keepDays(env: Bindings): number {
  const days = Number(env.REVISION_KEEP_DAYS)
  return Number.isFinite(days) && days >= 0 ? days : 7
}

/** Last time each known revision was served (from `served/` marks), newest first. */
async function servedRevisions(storage: Storage, dataset: string): Promise<{ sha: string; at: number }[]> {
  const { keys } = await storage.list(`served/${dataset}/`)
  const out: { sha: string; at: number }[] = []
  for (const key of keys) {
    const sha = key.slice(`served/${dataset}/`.length).replace(/\.json$/, '')
    if (!SHA.test(sha)) continue
    const mark = await storage.json<{ at: number }>(key)
    out.push({ sha, at: mark?.at ?? 0 })
  }
  return out.sort((a, b) => b.at - a.at)
}

/** Re-enqueue the missing slices of every incomplete config of a revision; returns how many were sent. */
export async function repairRevision(data: DataContext): Promise<number> {
  const info = await data.revision()
  let sent = 0
  for (const config of info.configs) {
    try {
      // The search index: missing slice partials, the manifest or shard merges (workers/data/search-index.ts).
      sent += (await searchRepair(data, config.name)).sent
    } catch {
      // storage or layout trouble: reported by /api/health and /api/search
    }
    if (await data.storage.text(statsKeys(sliceBase(info, config.name)).merged)) continue
    try {
      await configSlices(data, config.name)
    } catch {
      continue // a layout that cannot be sliced: reported by /api/stats and /api/health
    }
    const progress = await sliceProgress(data, config.name)
    if (progress.missing.length > 0) sent += await enqueueSlices(data, info, config.name, progress.missing)
  }
  return sent
}

/** Delete the objects of revisions no longer served; returns how many objects were deleted. */
export async function cleanupRevisions(env: Bindings, current: string, now = Date.now()): Promise<number> {
  const storage = new Storage(env.CACHE)
  const dataset = env.HF_DATASET
  const served = new Map((await servedRevisions(storage, dataset)).map((r) => [r.sha, r.at]))
  const { keys: infoKeys } = await storage.list(`info/${dataset}/`)
  const known = infoKeys.map((k) => k.slice(`info/${dataset}/`.length).replace(/\.json$/, ''))
  const cutoff = now - keepDays(env) * DAY_MS
  let deleted = 0
  for (const sha of known) {
    if (sha === current || !SHA.test(sha)) continue
    if ((served.get(sha) ?? 0) >= cutoff) continue
    for (const prefix of revisionPrefixes(dataset, sha)) {
      const { keys } = await storage.list(prefix)
      const batch = keys.slice(0, DELETE_PER_RUN - deleted)
      await storage.delete(batch)
      deleted += batch.length
      if (deleted >= DELETE_PER_RUN) return deleted
    }
    // Everything of the revision is gone: forget it.
    await storage.delete([`info/${dataset}/${sha}.json`, `served/${dataset}/${sha}.json`])
    log({ event: 'cleanup', dataset, sha })
  }
  return deleted
}

/** The Worker's `scheduled` handler. */
export async function scheduled(_controller: ScheduledController, env: Bindings, ctx: ExecutionContext) {
  const main = new DataContext(env, (p) => ctx.waitUntil(p))
  try {
    const current = (await main.revision()).revision
    let sent = await repairRevision(main)
    const storage = new Storage(env.CACHE)
    const cutoff = Date.now() - keepDays(env) * DAY_MS
    const recent = (await servedRevisions(storage, env.HF_DATASET))
      .filter((r) => r.sha !== current && r.at >= cutoff)
      .slice(0, REPAIR_REVISIONS - 1)
    for (const r of recent) {
      const pinned = new DataContext(env, (p) => ctx.waitUntil(p), { revision: r.sha })
      try {
        sent += await repairRevision(pinned)
      } catch (err) {
        log({ event: 'repair-failed', sha: r.sha, error: (err as Error).message })
      } finally {
        await pinned.retire()
      }
    }
    const deleted = await cleanupRevisions(env, current)
    log({ event: 'scheduled', revision: current, reenqueued: sent, deleted })
  } catch (err) {
    log({ event: 'scheduled-failed', error: (err as Error).message })
  } finally {
    await main.retire()
  }
}
