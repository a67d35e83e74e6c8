/**
 * Per-isolate memoisation of promises: identical concurrent work shares one promise, results live for a TTL,
 * failures are forgotten at once (the next request retries), and the map is bounded.
 *
 * Workers cancel a request's outstanding I/O when its response is done, which would leave a shared promise
 * pending forever. So every pending memo promise is registered in `inflight`, and each request hands
 * `pendingMemoWork()` to `ctx.waitUntil`: the request that started shared work stays alive until it settles.
 */

const inflight = new Set<Promise<unknown>>()

/** Settles when every memoised promise pending now has settled. */
export function pendingMemoWork(): Promise<void> {
  return Promise.allSettled([...inflight]).then(() => undefined)
}
export class PromiseMemo<T> {
  private readonly map = new Map<string, { promise: Promise<T>; until: number }>()
  private readonly ttlMs: number
  private readonly max: number

  constructor(ttlMs = Number.POSITIVE_INFINITY, max = 256) {
    this.ttlMs = ttlMs
    this.max = max
  }

  /** The cached promise for `key`, or a new one from `make`. */
  get(key: string, make: () => Promise<T>): Promise<T> {
    const hit = this.map.get(key)
    if (hit && hit.until > Date.now()) return hit.promise
    const promise = make()
    this.map.set(key, { promise, until: Date.now() + this.ttlMs })
    inflight.add(promise)
    promise.then(
      () => inflight.delete(promise),
      () => {
        inflight.delete(promise)
        if (this.map.get(key)?.promise === promise) this.map.delete(key)
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
