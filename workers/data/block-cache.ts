/**
 * A block cache in front of the Hub, presented to hyparquet as an `AsyncBuffer`.
 *
 * A file is cut into aligned blocks (128 KiB) keyed by commit sha + path + index, so cached bytes never go
 * stale. A read looks in the isolate's memory (an LRU bounded in bytes), then R2, then fetches the missing
 * blocks upstream. Misses of one request's reads issued together (hyparquet reads a row's column pages in
 * parallel) are gathered for a moment and merged into as few Range requests as possible, bridging small gaps.
 * A block another request is already loading is joined through `SharedWork` (polling, never awaiting that
 * request's promise): if that request fails or ends first, the joiner loads the block itself. Blocks are
 * written back to R2 only after a verified, complete upstream read; an R2 failure reads as a miss.
 *
 * Blocks fetched together are views into their upstream run, never copies: a cold read of a page run allocates
 * its bytes once (the upstream buffer), and a read that spans one run's blocks is a view of that run too
 * (`readView`). Under concurrent cold traffic every copy was another dead ArrayBuffer of the page's size for the
 * garbage collector, which V8 frees only at its next full collection.
 */
import type { ViewAsyncBuffer } from '../../shared/parquet.ts'
import { type Owner, SharedWork } from './shared-work.ts'

/** Aligned block size: small enough that a row's pages cost about their own bytes, big enough for few R2 gets. */
export const BLOCK_SIZE = 128 * 1024

/** Where blocks persist (R2 through `Storage` in the Worker: failures read as misses). */
export interface BlockStore {
  bytes(key: string): Promise<ArrayBuffer | null>
  put(key: string, data: Uint8Array): Promise<unknown>
}

/** Settings of one cached file. */
export interface BlockCacheOptions {
  /** Upstream byte range reader [start, end). */
  fetchRange: (start: number, end: number) => Promise<ArrayBuffer>
  /** File size in bytes. */
  size: number
  /** Key prefix identifying the file at its revision, e.g. `blocks/<sha>/<path>`. */
  prefix: string
  /** Merge missing runs separated by at most this many cached/unrequested blocks (default 2 = 256 KiB). */
  gapBlocks?: number
}

/** One-pass reads at least this long bypass the blocks (see `readDirect`); smaller ones (indexes) are cached. */
const DIRECT_READ_BYTES = 256 * 1024

/**
 * Blocks of an upstream run longer than this are not kept in the isolate's memory: a block is a view that keeps
 * its whole run alive, so the LRU counts the run's bytes, and long runs (a cold trace's page) are rarely read
 * again soon. They are still written back to R2.
 */
const LRU_MAX_RUN_BYTES = 2 * BLOCK_SIZE

/** Bytes a block keeps alive: its whole underlying buffer (a view of a run keeps the run). */
function heldBytes(block: Uint8Array): number {
  return block.buffer.byteLength
}

/** Per-isolate memory of recently used blocks, shared by every file (bounded in the bytes they keep alive). */
class BlockLru {
  private readonly map = new Map<string, Uint8Array>()
  private used = 0
  readonly limit: number
  constructor(limit: number) {
    this.limit = limit
  }
  get(key: string): Uint8Array | undefined {
    const v = this.map.get(key)
    if (v) {
      this.map.delete(key)
      this.map.set(key, v)
    }
    return v
  }
  set(key: string, v: Uint8Array): void {
    const old = this.map.get(key)
    if (old) this.used -= heldBytes(old)
    this.map.delete(key)
    this.map.set(key, v)
    this.used += heldBytes(v)
    while (this.used > this.limit) {
      const first = this.map.keys().next()
      if (first.done) break
      const evicted = this.map.get(first.value)
      this.used -= evicted ? heldBytes(evicted) : 0
      this.map.delete(first.value)
    }
  }
  get bytes(): number {
    return this.used
  }
  clear(): void {
    this.map.clear()
    this.used = 0
  }
}

/** Bytes of blocks kept in the isolate's memory (4 MiB: a deployed isolate has 128 MB for everything). */
export const BLOCK_MEMORY_BYTES = 4 * 1024 * 1024
const memory = new BlockLru(BLOCK_MEMORY_BYTES)

/** Block loads in flight, joinable by other requests (values are not kept: the LRU keeps blocks). */
const loads = new SharedWork<Uint8Array>({ ttlMs: 0, maxEntries: 4096 })

/** Isolate-wide counters (health: cache hit ratios; `writesSkipped`: blocks not stored, see below). */
export const blockTotals = {
  memoryHits: 0,
  storeHits: 0,
  upstreamBlocks: 0,
  upstreamRequests: 0,
  joined: 0,
  writesSkipped: 0,
}

/** Write-backs still running (tests settle them before measuring). */
const writes = new Set<Promise<unknown>>()

/**
 * Bytes of blocks being written to R2 at most: a write holds its block until R2 has it. Under a burst of cold
 * traces the writes fell behind the reads and their blocks piled up in the isolate (tens of MB of ArrayBuffers
 * beside the memory gate). A block beyond this is not written back: the cache is an optimisation, and the next
 * read of that block fetches it again.
 */
export const MAX_PENDING_WRITE_BYTES = 6 * 1024 * 1024
let pendingWriteBytes = 0

/** Write-backs started so far (tests). */
export function pendingBlockWrites(): Promise<unknown>[] {
  return [...writes]
}

/** Forget the isolate's in-memory blocks (tests measuring cold paths). */
export function clearBlockMemory(): void {
  memory.clear()
  loads.clear()
}

/** Bytes of blocks held in memory now. */
export function blockMemoryBytes(): number {
  return memory.bytes
}

/** A block read waiting for its owner's next upstream fetch. */
interface Waiter {
  resolve: (b: Uint8Array) => void
  reject: (e: unknown) => void
  /** Write the block back to the store (false for one-pass scans such as stats slices). */
  store: boolean
}

/** How a read uses the cache. */
export interface ReadOptions {
  /** The request or queue invocation on whose behalf upstream work starts. */
  owner: Owner
  /** R2 access of that owner. */
  store: BlockStore
  /** Store fetched blocks in R2 (default true). One-pass scans turn it off: nobody re-reads those bytes. */
  writeBack?: boolean
}

/** A cached file. Shared by the requests of an isolate; all per-request state lives with the owner. */
export class BlockCache {
  private readonly options: BlockCacheOptions
  /** Misses waiting for the next flush, per owner: a flush only ever settles its own request's reads. */
  private readonly batches = new WeakMap<Owner, Map<number, Waiter>>()

  constructor(options: BlockCacheOptions) {
    this.options = options
  }

  get size(): number {
    return this.options.size
  }

  /**
   * The file as hyparquet's AsyncBuffer, read on behalf of `options.owner`; `sliceView` (the parquet page reader
   * uses it when present) answers with a view that may share its buffer with cached blocks: read it, never write.
   */
  asyncBuffer(options: ReadOptions): ViewAsyncBuffer {
    return {
      byteLength: this.options.size,
      slice: (start, end) => this.read(start, end ?? this.options.size, options),
      sliceView: (start, end) => this.readView(start, end ?? this.options.size, options),
    }
  }

  /** Bytes [start, end) of the file, in a buffer of their own (a copy: the caller may keep or change it). */
  async read(start: number, end: number, options: ReadOptions): Promise<ArrayBuffer> {
    return (await this.readView(start, end, options)).slice().buffer
  }

  /**
   * Bytes [start, end) of the file as a read-only view: of the upstream run when the range lies in one run's
   * blocks (a cold read), else of a concatenation of the blocks.
   */
  async readView(start: number, end: number, options: ReadOptions): Promise<Uint8Array> {
    const size = this.options.size
    const s = Math.max(0, Math.min(start, size))
    const e = Math.max(s, Math.min(end, size))
    if (e === s) return new Uint8Array(0)
    if (options.writeBack === false && e - s >= DIRECT_READ_BYTES) {
      return new Uint8Array(await this.readDirect(s, e, options.owner))
    }
    const first = Math.floor(s / BLOCK_SIZE)
    const last = Math.floor((e - 1) / BLOCK_SIZE)
    const parts = await Promise.all(
      Array.from({ length: last - first + 1 }, (_, i) => this.block(first + i, options)),
    )
    const head = parts[0] as Uint8Array
    if (parts.every((p, i) => i === 0 || adjacent(parts[i - 1] as Uint8Array, p))) {
      const from = head.byteOffset + (s - first * BLOCK_SIZE)
      return new Uint8Array(head.buffer, from, e - s)
    }
    const out = new Uint8Array(e - s)
    let at = 0
    for (const [i, part] of parts.entries()) {
      const blockStart = (first + i) * BLOCK_SIZE
      const from = Math.max(s, blockStart) - blockStart
      const to = Math.min(e, blockStart + part.byteLength) - blockStart
      out.set(part.subarray(from, to), at)
      at += to - from
    }
    return out
  }

  /**
   * One-pass scans (stats slices, export pages) read their page runs straight from upstream: nobody re-reads
   * those bytes, and skipping the block copies, the LRU and the concatenation keeps the isolate's ArrayBuffer
   * churn to one buffer per run.
   */
  private async readDirect(start: number, end: number, owner: Owner): Promise<ArrayBuffer> {
    blockTotals.upstreamRequests++
    if (owner.traffic) owner.traffic.upstreamRequests++
    const bytes = await this.options.fetchRange(start, end)
    if (bytes.byteLength !== end - start) {
      throw new Error(`upstream returned ${bytes.byteLength} bytes for a ${end - start}-byte range`)
    }
    if (owner.traffic) owner.traffic.upstreamBytes += bytes.byteLength
    return bytes
  }

  private key(index: number): string {
    return `${this.options.prefix}/${BLOCK_SIZE}/${index}`
  }

  private block(index: number, options: ReadOptions): Promise<Uint8Array> {
    const key = this.key(index)
    const hot = memory.get(key)
    if (hot) {
      blockTotals.memoryHits++
      return Promise.resolve(hot)
    }
    if (loads.pending(key)) blockTotals.joined++
    return loads.get(key, () => this.loadBlock(index, key, options), options.owner)
  }

  private async loadBlock(index: number, key: string, options: ReadOptions): Promise<Uint8Array> {
    const stored = await options.store.bytes(key)
    if (stored && stored.byteLength === this.blockLength(index)) {
      blockTotals.storeHits++
      const block = new Uint8Array(stored)
      memory.set(key, block)
      return block
    }
    const owner = options.owner
    let batch = this.batches.get(owner)
    if (!batch) {
      batch = new Map()
      this.batches.set(owner, batch)
    }
    const waiting = batch
    return new Promise<Uint8Array>((resolve, reject) => {
      waiting.set(index, { resolve, reject, store: options.writeBack !== false })
      // Gather the misses of this request's reads issued together (their R2 lookups end at about the same
      // time). The timer and every waiter belong to this request.
      setTimeout(() => this.flush(owner, options.store), 2)
    })
  }

  private blockLength(index: number): number {
    return Math.min(BLOCK_SIZE, this.options.size - index * BLOCK_SIZE)
  }

  /** Fetch every block `owner` is waiting for, merging near runs into single Range requests. */
  private flush(owner: Owner, store: BlockStore): void {
    const waiting = this.batches.get(owner)
    if (!waiting || waiting.size === 0) return
    this.batches.delete(owner)
    const indexes = [...waiting.keys()].sort((a, b) => a - b)
    const gap = this.options.gapBlocks ?? 2
    const runs: [number, number][] = []
    for (const i of indexes) {
      const run = runs[runs.length - 1]
      if (run && i - run[1] <= gap + 1) run[1] = i
      else runs.push([i, i])
    }
    for (const [lo, hi] of runs) void this.fetchRun(lo, hi, waiting, owner, store)
  }

  private async fetchRun(
    lo: number,
    hi: number,
    waiting: Map<number, Waiter>,
    owner: Owner,
    store: BlockStore,
  ): Promise<void> {
    const start = lo * BLOCK_SIZE
    const end = Math.min(this.options.size, (hi + 1) * BLOCK_SIZE)
    let bytes: ArrayBuffer
    try {
      blockTotals.upstreamRequests++
      if (owner.traffic) owner.traffic.upstreamRequests++
      bytes = await this.options.fetchRange(start, end)
      if (bytes.byteLength !== end - start) {
        throw new Error(`upstream returned ${bytes.byteLength} bytes for a ${end - start}-byte range`)
      }
      if (owner.traffic) owner.traffic.upstreamBytes += bytes.byteLength
    } catch (err) {
      for (let i = lo; i <= hi; i++) waiting.get(i)?.reject(err)
      return
    }
    const keep = bytes.byteLength <= LRU_MAX_RUN_BYTES
    for (let i = lo; i <= hi; i++) {
      const from = (i - lo) * BLOCK_SIZE
      const block = new Uint8Array(bytes, from, Math.min(bytes.byteLength, from + BLOCK_SIZE) - from)
      const key = this.key(i)
      if (keep) memory.set(key, block)
      blockTotals.upstreamBlocks++
      const waiter = waiting.get(i)
      // Gap blocks (fetched only to merge two runs) are stored; blocks of one-pass scans are not.
      if (waiter?.store !== false) {
        if (pendingWriteBytes + block.byteLength > MAX_PENDING_WRITE_BYTES) {
          blockTotals.writesSkipped++
        } else {
          pendingWriteBytes += block.byteLength
          const write = store.put(key, block).catch(() => undefined)
          writes.add(write)
          void write.finally(() => {
            writes.delete(write)
            pendingWriteBytes -= block.byteLength
          })
          owner.keepAlive?.(write)
        }
      }
      waiter?.resolve(block)
    }
  }
}

/** Whether `b` starts in the same buffer right where `a` ends (consecutive blocks of one upstream run). */
function adjacent(a: Uint8Array, b: Uint8Array): boolean {
  return a.buffer === b.buffer && a.byteOffset + a.byteLength === b.byteOffset
}
