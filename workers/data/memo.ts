/**
 * Per-isolate memoisation of promises: identical concurrent work shares one promise, results live for a TTL,
 * failures are forgotten at once (the next request retries), and the map is bounded.
 *
 * Workers cancel a request's outstanding I/O when its response is done, which would leave a shared promise
 * pending forever. So every pending memo promise is registered in `inflight`, and each request hands
 * `pendingMemoWork()` to `ctx.waitUntil`: the request that started shared work stays alive until it settles.
 */

const inflight = new Set<Promise<unknown>>()

/** Settles when every memoised promise pending now has settled, or after `SHARED_WAIT_MS` (see `joinShared`). */
export function pendingMemoWork(): Promise<void> {
  return settleWithin([...inflight])
}

/**
 * Settles when all `promises` have, or after `ms`: work whose owner is gone may never settle (its I/O was
 * cancelled), and nobody should wait for it forever.
 */
export function settleWithin(promises: Promise<unknown>[], ms = SHARED_WAIT_MS): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const cap = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms)
  })
  return Promise.race([Promise.allSettled(promises).then(() => undefined), cap]).finally(() =>
    clearTimeout(timer),
  )
}
/** How long a request waits on work another request started before doing the work itself. */
export const SHARED_WAIT_MS = 15_000

/**
 * Await `shared` (work another request may have started), but fall back to `retry()` after `ms`: if the
 * request that started it is gone, its I/O was cancelled and `shared` never settles. The timer also keeps this
 * request's event loop non-empty, so the runtime does not take the wait for a hang.
 */
export function joinShared<T>(shared: Promise<T>, retry: () => Promise<T>, ms = SHARED_WAIT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const fallback = new Promise<T>((resolve, reject) => {
    timer = setTimeout(() => retry().then(resolve, reject), ms)
  })
  return Promise.race([shared, fallback]).finally(() => clearTimeout(timer))
}

/** Whoever started a piece of shared work (a request, a queue batch); `alive` until its last waitUntil ends. */
export interface Owner {
  alive: boolean
}

export class PromiseMemo<T> {
  private readonly map = new Map<
    string,
    { promise: Promise<T>; until: number; settled: boolean; owner?: Owner }
  >()
  private readonly ttlMs: number
  private readonly max: number

  constructor(ttlMs = Number.POSITIVE_INFINITY, max = 256) {
    this.ttlMs = ttlMs
    this.max = max
  }

  /**
   * The cached promise for `key`, or a new one from `make` started on behalf of `owner`. Pending work is joined
   * only while its owner is alive (a finished request's I/O is cancelled by the runtime).
   */
  get(key: string, make: () => Promise<T>, owner?: Owner): Promise<T> {
    const hit = this.map.get(key)
    if (hit && hit.until > Date.now() && (hit.settled || hit.owner?.alive !== false)) {
      if (hit.settled) return hit.promise
      return joinShared(hit.promise, () => {
        if (this.map.get(key) === hit) this.map.delete(key)
        return this.get(key, make, owner)
      })
    }
    const promise = make()
    const entry = { promise, until: Date.now() + this.ttlMs, settled: false, owner }
    this.map.set(key, entry)
    inflight.add(promise)
    promise.then(
      () => {
        entry.settled = true
        inflight.delete(promise)
      },
      () => {
        inflight.delete(promise)
        if (this.map.get(key) === entry) this.map.delete(key)
      },
    )
    while (this.map.size > this.max) {
      const first = this.map.keys().next()
      if (first.done) break
      this.map.delete(first.value)
    }
    return promise
  }

  /** Drop everything (tests of cold paths). */
  clear(): void {
    this.map.clear()
  }
}

/**
 * Like `Promise.all`, but waits for every promise before rethrowing the first failure: a request must not answer
 * (and have its I/O cancelled) while work it started for shared caches is still running.
 */
export async function allSettledOrThrow<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises)
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed) throw failed.reason
  return results.map((r) => (r as PromiseFulfilledResult<T>).value)
}
