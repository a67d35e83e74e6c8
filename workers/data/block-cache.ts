/**
 * A block cache in front of the Hub, presented to hyparquet as an `AsyncBuffer`.
 *
 * A file is cut into aligned blocks (128 KiB) keyed by commit sha + path + index, so cached bytes never go
 * stale. A read looks in the isolate's memory (small LRU), then R2, then fetches the missing blocks upstream.
 * Misses of reads issued together (hyparquet reads a row's column pages in parallel) are gathered for a moment
 * and merged into as few Range requests as possible, bridging small gaps; identical concurrent misses share one
 * upstream fetch. Blocks are written back to R2 only after a verified, complete upstream read.
 */
import type { AsyncBuffer } from '../../shared/parquet.ts'
import { joinShared, type Owner, settleWithin } from './memo.ts'

/** Aligned block size: small enough that a row's pages cost about their own bytes, big enough for few R2 gets. */
export const BLOCK_SIZE = 128 * 1024

/** Where blocks persist (R2 in the Worker; anything with get/put in tests). */
export interface BlockStore {
  get(key: string): Promise<ArrayBuffer | null>
  put(key: string, data: ArrayBuffer): Promise<void>
}

/** An R2 bucket as a BlockStore. */
export function r2BlockStore(bucket: R2Bucket): BlockStore {
  return {
    async get(key) {
      const obj = await bucket.get(key)
      return obj ? obj.arrayBuffer() : null
    },
    async put(key, data) {
      await bucket.put(key, data)
    },
  }
}

/** Settings of one cached file. */
export interface BlockCacheOptions {
  /** Persistent store (R2). */
  store: BlockStore
  /** Upstream byte range reader [start, end). */
  fetchRange: (start: number, end: number) => Promise<ArrayBuffer>
  /** File size in bytes. */
  size: number
  /** Key prefix identifying the file at its revision, e.g. `blocks/<sha>/<path>`. */
  prefix: string
  /** Merge missing runs separated by at most this many cached/unrequested blocks (default 2 = 256 KiB). */
  gapBlocks?: number
}

/** Per-isolate memory of recently used blocks, shared by every file (bounded in bytes). */
class BlockLru {
  private readonly map = new Map<string, ArrayBuffer>()
  private bytes = 0
  private readonly limit: number
  constructor(limit: number) {
    this.limit = limit
  }
  get(key: string): ArrayBuffer | undefined {
    const v = this.map.get(key)
    if (v) {
      this.map.delete(key)
      this.map.set(key, v)
    }
    return v
  }
  set(key: string, v: ArrayBuffer): void {
    const old = this.map.get(key)
    if (old) this.bytes -= old.byteLength
    this.map.delete(key)
    this.map.set(key, v)
    this.bytes += v.byteLength
    while (this.bytes > this.limit) {
      const first = this.map.keys().next()
      if (first.done) break
      this.bytes -= this.map.get(first.value)?.byteLength ?? 0
      this.map.delete(first.value)
    }
  }
  clear(): void {
    this.map.clear()
    this.bytes = 0
  }
}

const memory = new BlockLru(16 * 1024 * 1024)

/**
 * Upstream fetches and write-backs still running. Each request hands them to ctx.waitUntil, so work shared
 * with other requests (or written back after the response) is not cancelled with the request that started it.
 */
const pendingWork = new Set<Promise<unknown>>()

/** A promise settling when every fetch and write-back started so far has settled. */
export function pendingBlockWork(): Promise<void> {
  return settleWithin([...pendingWork])
}

/** Forget the isolate's in-memory blocks (tests measuring cold paths). */
export function clearBlockMemory(): void {
  memory.clear()
}

/** Counters of one cache's activity. */
export interface BlockCacheTraffic {
  memoryHits: number
  storeHits: number
  upstreamBlocks: number
  upstreamRequests: number
}

/** A block read waiting for an upstream fetch. */
interface Waiter {
  resolve: (b: ArrayBuffer) => void
  reject: (e: unknown) => void
  /** Write the block back to the store (false for one-pass scans such as stats slices). */
  store: boolean
}

/** How a read uses the cache. */
export interface ReadOptions {
  /** The request or batch on whose behalf upstream work starts (see memo.ts `Owner`). */
  owner?: Owner
  /** Store fetched blocks in R2 (default true). One-pass scans turn it off: nobody re-reads those bytes. */
  writeBack?: boolean
}

/** A cached file. */
export class BlockCache {
  readonly traffic: BlockCacheTraffic = {
    memoryHits: 0,
    storeHits: 0,
    upstreamBlocks: 0,
    upstreamRequests: 0,
  }
  private readonly options: BlockCacheOptions
  private readonly inflight = new Map<number, { promise: Promise<ArrayBuffer>; owner: Owner | undefined }>()
  private pending = new Map<number, Waiter>()

  constructor(options: BlockCacheOptions) {
    this.options = options
  }

  /** The file as hyparquet's AsyncBuffer. */
  asyncBuffer(options: ReadOptions = {}): AsyncBuffer {
    return {
      byteLength: this.options.size,
      slice: (start, end) => this.read(start, end ?? this.options.size, options),
    }
  }

  /** Bytes [start, end) of the file. */
  async read(start: number, end: number, options: ReadOptions = {}): Promise<ArrayBuffer> {
    const size = this.options.size
    const s = Math.max(0, Math.min(start, size))
    const e = Math.max(s, Math.min(end, size))
    if (e === s) return new ArrayBuffer(0)
    const first = Math.floor(s / BLOCK_SIZE)
    const last = Math.floor((e - 1) / BLOCK_SIZE)
    const parts = await Promise.all(
      Array.from({ length: last - first + 1 }, (_, i) => this.block(first + i, options)),
    )
    if (parts.length === 1) {
      const only = parts[0] as ArrayBuffer
      return only.slice(s - first * BLOCK_SIZE, e - first * BLOCK_SIZE)
    }
    const out = new Uint8Array(e - s)
    let at = 0
    for (const [i, part] of parts.entries()) {
      const blockStart = (first + i) * BLOCK_SIZE
      const from = Math.max(s, blockStart) - blockStart
      const to = Math.min(e, blockStart + part.byteLength) - blockStart
      out.set(new Uint8Array(part, from, to - from), at)
      at += to - from
    }
    return out.buffer
  }

  private key(index: number): string {
    return `${this.options.prefix}/${BLOCK_SIZE}/${index}`
  }

  private block(index: number, options: ReadOptions): Promise<ArrayBuffer> {
    const key = this.key(index)
    const hot = memory.get(key)
    if (hot) {
      this.traffic.memoryHits++
      return Promise.resolve(hot)
    }
    // Identical concurrent misses share one load, while the request that started it is alive.
    const shared = this.inflight.get(index)
    if (shared && shared.owner?.alive !== false) {
      return joinShared(shared.promise, () => {
        if (this.inflight.get(index) === shared) this.inflight.delete(index)
        return this.block(index, options)
      })
    }
    const entry = { promise: this.loadBlock(index, key, options.writeBack !== false), owner: options.owner }
    this.inflight.set(index, entry)
    void entry.promise
      .finally(() => {
        if (this.inflight.get(index) === entry) this.inflight.delete(index)
      })
      .catch(() => undefined)
    return entry.promise
  }

  private async loadBlock(index: number, key: string, store: boolean): Promise<ArrayBuffer> {
    const stored = await this.options.store.get(key)
    if (stored && stored.byteLength === this.blockLength(index)) {
      this.traffic.storeHits++
      memory.set(key, stored)
      return stored
    }
    return new Promise<ArrayBuffer>((resolve, reject) => {
      this.pending.set(index, { resolve, reject, store })
      // Gather the misses of reads issued together (their R2 lookups end at about the same time). Every waiting
      // read schedules its own flush: a timer belongs to the request that set it, and a request that already
      // answered would never fire one, leaving other requests' blocks pending forever. Extra flushes find
      // nothing to do.
      setTimeout(() => this.flush(), 2)
    })
  }

  private blockLength(index: number): number {
    return Math.min(BLOCK_SIZE, this.options.size - index * BLOCK_SIZE)
  }

  /** Fetch every pending block, merging near runs into single Range requests. */
  private flush(): void {
    if (this.pending.size === 0) return
    const waiting = this.pending
    this.pending = new Map()
    const indexes = [...waiting.keys()].sort((a, b) => a - b)
    const gap = this.options.gapBlocks ?? 2
    const runs: [number, number][] = []
    for (const i of indexes) {
      const run = runs[runs.length - 1]
      if (run && i - run[1] <= gap + 1) run[1] = i
      else runs.push([i, i])
    }
    for (const [lo, hi] of runs) {
      const work = this.fetchRun(lo, hi, waiting)
      pendingWork.add(work)
      void work.finally(() => pendingWork.delete(work))
    }
  }

  private async fetchRun(lo: number, hi: number, waiting: Map<number, Waiter>): Promise<void> {
    const start = lo * BLOCK_SIZE
    const end = Math.min(this.options.size, (hi + 1) * BLOCK_SIZE)
    let bytes: ArrayBuffer
    try {
      this.traffic.upstreamRequests++
      bytes = await this.options.fetchRange(start, end)
      if (bytes.byteLength !== end - start) {
        throw new Error(`upstream returned ${bytes.byteLength} bytes for a ${end - start}-byte range`)
      }
    } catch (err) {
      for (let i = lo; i <= hi; i++) waiting.get(i)?.reject(err)
      return
    }
    const writes: Promise<void>[] = []
    for (let i = lo; i <= hi; i++) {
      const block = bytes.slice((i - lo) * BLOCK_SIZE, Math.min(bytes.byteLength, (i - lo + 1) * BLOCK_SIZE))
      const key = this.key(i)
      memory.set(key, block)
      this.traffic.upstreamBlocks++
      const waiter = waiting.get(i)
      // Gap blocks (fetched only to merge two runs) are stored; blocks of one-pass scans are not.
      if (waiter?.store !== false) writes.push(this.options.store.put(key, block))
      waiter?.resolve(block)
    }
    await Promise.all(writes).catch(() => undefined)
  }
}
