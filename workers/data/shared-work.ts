/**
 * Work shared by the requests of one isolate, without ever handing one request's promise to another.
 *
 * workerd binds every promise to the request (or queue invocation) whose I/O created it. When that request
 * ends, its outstanding I/O is cancelled: another request awaiting the promise then fails ("This promise was
 * created by a request that has since ended") or waits on nothing and is cancelled as hung. So shared work
 * is a plain record (pending / done / failed) that the request which started it (its owner) updates from its
 * own continuations. Every other request (a joiner) never awaits the owner's promise: it polls the record
 * from timers of its own, takes the value when it is there, and does the work itself when the owner failed
 * with a transient error, ended, or is too slow. A joiner therefore always survives its owner.
 */

/** Per-request traffic counters (structured logs, health). */
export interface Traffic {
  upstreamRequests: number
  upstreamBytes: number
  r2Gets: number
  r2Puts: number
  r2Errors: number
}

/** A fresh counter set. */
export function emptyTraffic(): Traffic {
  return { upstreamRequests: 0, upstreamBytes: 0, r2Gets: 0, r2Puts: 0, r2Errors: 0 }
}

/** Whoever started a piece of shared work: a request or a queue invocation. */
export interface Owner {
  /** True while the owner's I/O can still complete (until its last `waitUntil` has settled). */
  alive: boolean
  /** Keep the owner alive until `p` settles (the request's `ctx.waitUntil`). */
  keepAlive?(p: Promise<unknown>): void
  /** Counters of this owner's upstream and storage traffic. */
  traffic?: Traffic
}

/** How long a joiner waits for someone else's work before doing it itself. */
export const JOIN_TIMEOUT_MS = 12_000

/** Errors that a joiner takes as the answer instead of retrying (a 4xx problem, a missing file). */
export type FinalError = (err: unknown) => boolean

interface Slot<T> {
  state: 'pending' | 'done' | 'failed'
  value?: T
  error?: unknown
  owner: Owner
  /** The owner's own promise: awaited only by the owner itself (same request). */
  promise: Promise<T>
  started: number
  until: number
  bytes: number
}

/** Settings of a `SharedWork` map. */
export interface SharedWorkOptions<T> {
  /** How long a finished value is reused (0: only while pending, the value is not kept). */
  ttlMs?: number
  /** Most finished values kept. */
  maxEntries?: number
  /** Most bytes of finished values kept (by `sizeOf`); a value larger than this is not kept. */
  maxBytes?: number
  /** Approximate size of a value in bytes. */
  sizeOf?: (value: T) => number
  /** Failures a joiner rethrows instead of retrying itself. */
  isFinal?: FinalError
  /** Joiner timeout (default JOIN_TIMEOUT_MS). */
  joinTimeoutMs?: number
}

/** Poll `done()` on this request's own timers until it returns true, backing off from 2 to 40 ms. */
export function pollUntil(done: () => boolean, deadline: number): Promise<boolean> {
  return new Promise((resolve) => {
    let wait = 2
    const tick = () => {
      if (done()) return resolve(true)
      if (Date.now() >= deadline) return resolve(false)
      wait = Math.min(40, wait * 2)
      setTimeout(tick, wait)
    }
    setTimeout(tick, wait)
  })
}

/** A bounded, TTL'd map of shared work (see the file comment). */
export class SharedWork<T> {
  private readonly map = new Map<string, Slot<T>>()
  private bytes = 0
  private readonly ttlMs: number
  private readonly maxEntries: number
  private readonly maxBytes: number
  private readonly sizeOf: (value: T) => number
  private readonly isFinal: FinalError
  private readonly joinTimeoutMs: number

  constructor(options: SharedWorkOptions<T> = {}) {
    this.ttlMs = options.ttlMs ?? Number.POSITIVE_INFINITY
    this.maxEntries = options.maxEntries ?? 256
    this.maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY
    this.sizeOf = options.sizeOf ?? (() => 0)
    this.isFinal = options.isFinal ?? (() => false)
    this.joinTimeoutMs = options.joinTimeoutMs ?? JOIN_TIMEOUT_MS
  }

  /** A finished value still fresh, if any (no work started). */
  peek(key: string): T | undefined {
    const slot = this.map.get(key)
    if (slot?.state === 'done' && slot.until > Date.now()) return slot.value
    return undefined
  }

  /** True while some request is computing `key`. */
  pending(key: string): boolean {
    return this.map.get(key)?.state === 'pending'
  }

  /**
   * The value of `key`: a fresh finished value, or a join of pending work (by polling), or new work from `make`
   * started on behalf of `owner` (which keeps it alive with `keepAlive`).
   */
  get(key: string, make: () => Promise<T>, owner: Owner): Promise<T> {
    const slot = this.map.get(key)
    const now = Date.now()
    if (slot?.state === 'done' && slot.until > now) {
      // LRU: most recently used last.
      this.map.delete(key)
      this.map.set(key, slot)
      return Promise.resolve(slot.value as T)
    }
    if (
      slot?.state === 'pending' &&
      slot.owner !== owner &&
      slot.owner.alive &&
      now - slot.started < this.joinTimeoutMs
    ) {
      return this.join(key, slot, make, owner)
    }
    if (slot?.state === 'pending' && slot.owner === owner) {
      // The same request asks twice (e.g. parallel reads of one block): its own promise is safe to await.
      return slot.promise
    }
    return this.start(key, make, owner)
  }

  private start(key: string, make: () => Promise<T>, owner: Owner): Promise<T> {
    const old = this.map.get(key)
    if (old) this.remove(key, old)
    let promise: Promise<T>
    try {
      promise = make()
    } catch (err) {
      promise = Promise.reject(err)
    }
    const slot: Slot<T> = {
      state: 'pending',
      owner,
      promise,
      started: Date.now(),
      until: Number.POSITIVE_INFINITY,
      bytes: 0,
    }
    this.map.set(key, slot)
    promise.then(
      (value) => {
        slot.state = 'done'
        slot.value = value
        if (this.map.get(key) !== slot) return
        const bytes = this.sizeOf(value)
        if (this.ttlMs <= 0 || bytes > this.maxBytes) {
          this.map.delete(key)
          return
        }
        slot.until = Date.now() + this.ttlMs
        slot.bytes = bytes
        this.bytes += bytes
        this.evict()
      },
      (error) => {
        slot.state = 'failed'
        slot.error = error
        if (this.map.get(key) === slot) this.map.delete(key)
      },
    )
    owner.keepAlive?.(promise.catch(() => undefined))
    return promise
  }

  private async join(key: string, slot: Slot<T>, make: () => Promise<T>, owner: Owner): Promise<T> {
    const deadline = slot.started + this.joinTimeoutMs
    const settled = await pollUntil(
      () => slot.state !== 'pending' || (!slot.owner.alive && slot.owner !== owner),
      deadline,
    )
    if (settled && slot.state === 'done') return slot.value as T
    if (slot.state === 'failed' && this.isFinal(slot.error)) throw slot.error
    // The owner failed transiently, ended, or is too slow: do the work ourselves (once).
    if (this.map.get(key) === slot) this.remove(key, slot)
    return this.start(key, make, owner)
  }

  private remove(key: string, slot: Slot<T>): void {
    this.map.delete(key)
    this.bytes -= slot.bytes
    slot.bytes = 0
  }

  private evict(): void {
    for (const [key, slot] of this.map) {
      if (this.map.size <= this.maxEntries && this.bytes <= this.maxBytes) break
      if (slot.state !== 'done') continue
      this.remove(key, slot)
    }
  }

  /** Bytes of finished values kept. */
  get keptBytes(): number {
    return this.bytes
  }

  /** Forget everything (tests of cold paths). */
  clear(): void {
    this.map.clear()
    this.bytes = 0
  }
}
