/**
 * Queue consumers: the stats slices (which also write their part of the search index), the search index's merge
 * jobs, and their dead letters.
 *
 * A slice is computed at the revision its message names (a pinned sha or an older `main`), so every document
 * stays consistent with the sha it reports even if `main` moves meanwhile. Transient failures are retried by
 * the Queue with backoff; a permanent one (a 4xx problem, a layout that cannot be read) is recorded under
 * `jobs/` and acknowledged. Messages the Queue drops after its retries arrive at the dead-letter queue and are
 * sent back with a growing delay: nothing computed is left half-done forever.
 */
import { DataContext } from './data/context.ts'
import { UpstreamError } from './data/hub.ts'
import { advancePageMap } from './data/page-map.ts'
import { searchAfterSlice, searchJob } from './data/search-index.ts'
import { computeSlice, recordSliceFailure, type SliceMessage } from './data/slices.ts'
import type { Bindings } from './env.ts'
import { log } from './log.ts'
import { HttpProblem } from './problem.ts'

/** Name of the dead-letter queue (wrangler.toml). */
export const DEAD_LETTER_QUEUE = 'hermes-stats-slices-dlq'
/** Revivals of a dropped slice before it is only left to the scheduled repair. */
const MAX_REVIVALS = 12

/** Isolate-wide counters (health). */
export const queueTotals = { computed: 0, retried: 0, permanent: 0, deadLetters: 0, revived: 0 }

/** QUEUE_DELAY_SCALE: multiplies every redelivery delay (1 in production; 0 in tests). */
function delayScale(env: Bindings): number {
  const v = Number(env.QUEUE_DELAY_SCALE)
  return Number.isFinite(v) && v >= 0 ? v : 1
}

function isPermanent(err: unknown): boolean {
  if (err instanceof HttpProblem)
    return err.status < 500 || err.status === 507 || err.type === 'layout-too-large'
  return err instanceof UpstreamError && err.notFound
}

/** Seconds before the Queue redelivers a failed slice: the upstream's Retry-After, else exponential. */
function retryDelay(err: unknown, attempts: number): number {
  const hinted = err instanceof UpstreamError || err instanceof HttpProblem ? (err.retryAfter ?? 0) : 0
  return Math.min(300, Math.max(hinted, 2 ** Math.min(8, attempts)))
}

/** Compute the slices of a batch, one after the other (each within the memory budget). */
async function consumeSlices(batch: MessageBatch<SliceMessage>, env: Bindings, ctx: ExecutionContext) {
  for (const message of batch.messages) {
    const m = message.body
    const data = new DataContext(env, (p) => ctx.waitUntil(p), { revision: m.sha })
    try {
      if (m.dataset !== env.HF_DATASET) {
        message.ack() // another deployment's dataset: nothing to do here
        continue
      }
      if (m.pageMap) {
        // One bounded step of a page-map job; the next step is a new message (the state is in R2).
        if (await advancePageMap(data, m.config)) await env.SLICES.send({ ...m, revived: undefined })
        message.ack()
        log({ event: 'page-map', config: m.config, ok: true, ...data.traffic })
        continue
      }
      if (m.search !== undefined) {
        const done = await searchJob(data, m.config, m.search)
        message.ack()
        log({ event: 'search-index', config: m.config, shard: m.search, ok: true, done, ...data.traffic })
        continue
      }
      await computeSlice(data, m.config, { start: m.start, end: m.end })
      // The last slice of a config starts the merge of its search index.
      await searchAfterSlice(data, m.config)
      message.ack()
      queueTotals.computed++
      log({ event: 'slice', config: m.config, start: m.start, end: m.end, ok: true, ...data.traffic })
    } catch (err) {
      const error = (err as Error).message
      if (isPermanent(err)) {
        if (!m.pageMap && m.search === undefined) await recordSliceFailure(data, m, error)
        message.ack()
        queueTotals.permanent++
      } else {
        message.retry({ delaySeconds: Math.round(retryDelay(err, message.attempts) * delayScale(env)) })
        queueTotals.retried++
      }
      log({
        event: 'slice',
        config: m.config,
        start: m.start,
        end: m.end,
        ok: false,
        error,
        attempts: message.attempts,
      })
    } finally {
      await data.retire()
    }
  }
}

/** Send dropped slices back to the slices queue, later each time. */
async function reviveDeadLetters(batch: MessageBatch<SliceMessage>, env: Bindings): Promise<void> {
  for (const message of batch.messages) {
    const m = message.body
    const revived = (m.revived ?? 0) + 1
    queueTotals.deadLetters++
    if (revived <= MAX_REVIVALS) {
      const delay = Math.min(3600, 30 * 2 ** (revived - 1)) * delayScale(env)
      await env.SLICES.send({ ...m, revived }, { delaySeconds: Math.round(delay) })
      queueTotals.revived++
    }
    log({ event: 'dead-letter', config: m.config, start: m.start, end: m.end, revived })
    message.ack()
  }
}

/** The Worker's `queue` handler. */
export async function queue(
  batch: MessageBatch<SliceMessage>,
  env: Bindings,
  ctx: ExecutionContext,
): Promise<void> {
  if (batch.queue === DEAD_LETTER_QUEUE) return reviveDeadLetters(batch, env)
  return consumeSlices(batch, env, ctx)
}
