/**
 * A pool of byte buffers for decompressed parquet pages, so that reading a row does not leave a page-sized
 * ArrayBuffer behind for the garbage collector each time.
 *
 * Why it exists: a page written by pyarrow holds ~50 rows and decompresses to ~4 MB, so every cold trace
 * allocated a few MB of backing store that it held only for a moment. Under concurrent cold traffic those dead
 * buffers piled up faster than V8 collected them (it starts a full collection only once external memory has
 * grown by tens of MB), and the isolate's memory (heap + backing stores) rose far past what the reads held alive.
 * A pooled buffer is reused by the next read instead.
 *
 * The rule that keeps it correct: a buffer is released only when nothing still points into it. The parquet
 * reader releases a read's buffers when the read has ended, after every value taken from them was copied into a
 * string (shared/parquet-pages.ts). `poison` (tests) overwrites released bytes, so a value that still pointed
 * into a released buffer would read garbage and fail the comparison with an independent reader.
 */

/**
 * Buffers are allocated in steps of this many bytes (and powers of two below it), so sizes repeat: the pages of one
 * column differ by a few hundred KB (3.7 to 4.7 MB in a pyarrow file), and a buffer a little too small for the next
 * page is no use to it.
 */
const STEP = 1024 * 1024

/** The capacity a request of `size` bytes gets: the next power of two up to `STEP`, then the next multiple. */
export function pooledCapacity(size: number): number {
  if (size <= 0) return 0
  if (size >= STEP) return Math.ceil(size / STEP) * STEP
  let c = 1024
  while (c < size) c *= 2
  return c
}

export class BufferPool {
  /** Free buffers, by capacity. */
  private readonly free: ArrayBuffer[] = []
  private freeBytes = 0
  /** Free bytes kept at most; a released buffer beyond this is left to the garbage collector. */
  readonly maxFreeBytes: number
  /** Overwrite released buffers with 0xA5 (tests: catches a value that still points into one). */
  poison = false
  /** Counters, for tests and diagnostics. */
  readonly counts = { taken: 0, reused: 0, released: 0, dropped: 0 }

  constructor(maxFreeBytes: number) {
    this.maxFreeBytes = maxFreeBytes
  }

  /** Bytes held in free buffers now. */
  get idleBytes(): number {
    return this.freeBytes
  }

  /** A view of exactly `size` bytes (contents undefined: the caller writes every byte before reading it). */
  take(size: number): Uint8Array {
    this.counts.taken++
    const capacity = pooledCapacity(size)
    // The smallest free buffer that fits, and none more than twice the size: a dictionary page of a few KB would
    // otherwise take the large buffer the next data page needs.
    let best = -1
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i] as ArrayBuffer
      if (
        b.byteLength >= capacity &&
        b.byteLength <= 2 * capacity &&
        (best < 0 || b.byteLength < (this.free[best] as ArrayBuffer).byteLength)
      ) {
        best = i
      }
    }
    if (best >= 0) {
      const buffer = this.free[best] as ArrayBuffer
      this.free.splice(best, 1)
      this.freeBytes -= buffer.byteLength
      this.counts.reused++
      return new Uint8Array(buffer, 0, size)
    }
    return new Uint8Array(new ArrayBuffer(capacity), 0, size)
  }

  /** Give back a view `take` returned; its bytes must no longer be referenced by anything. */
  release(view: Uint8Array): void {
    const buffer = view.buffer as ArrayBuffer
    if (buffer.byteLength === 0 || this.free.includes(buffer)) return
    this.counts.released++
    if (this.poison) new Uint8Array(buffer).fill(0xa5)
    if (this.freeBytes + buffer.byteLength > this.maxFreeBytes) {
      // Keep the larger buffers: they are the ones worth not reallocating.
      this.free.sort((a, b) => a.byteLength - b.byteLength)
      while (this.free.length > 0 && this.freeBytes + buffer.byteLength > this.maxFreeBytes) {
        const smallest = this.free[0] as ArrayBuffer
        if (smallest.byteLength >= buffer.byteLength) break
        this.free.shift()
        this.freeBytes -= smallest.byteLength
        this.counts.dropped++
      }
      if (this.freeBytes + buffer.byteLength > this.maxFreeBytes) {
        this.counts.dropped++
        return
      }
    }
    this.free.push(buffer)
    this.freeBytes += buffer.byteLength
  }
}
