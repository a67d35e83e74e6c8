/**
 * The block cache's bytes and copies, inside workerd: every read equals the file's own bytes whether its blocks
 * come from upstream, from R2 or from the isolate's memory; a cold read is a view of its one upstream run (no
 * block copies, no concatenation); `read` always answers with a buffer of its own; R2 receives exactly each
 * block's bytes.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import {
  BLOCK_SIZE,
  BlockCache,
  type BlockStore,
  clearBlockMemory,
  pendingBlockWrites,
} from '../../workers/data/block-cache.ts'
import type { Owner } from '../../workers/data/shared-work.ts'

/** A file of pseudo-random bytes (a different byte at every offset modulo 251, never all equal). */
function fileBytes(size: number): Uint8Array {
  const out = new Uint8Array(size)
  let x = 12345
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    out[i] = x >>> 24
  }
  return out
}

/** An in-memory store recording what was asked and put (puts copied at the time of the call). */
function memoryStore(): BlockStore & { objects: Map<string, Uint8Array>; gets: number; puts: number } {
  const objects = new Map<string, Uint8Array>()
  const store = {
    objects,
    gets: 0,
    puts: 0,
    async bytes(key: string) {
      store.gets++
      const b = objects.get(key)
      return b ? b.slice().buffer : null
    },
    async put(key: string, data: Uint8Array) {
      store.puts++
      objects.set(key, data.slice())
    },
  }
  return store
}

const SIZE = 9 * BLOCK_SIZE + 4321
const FILE = fileBytes(SIZE)
let fetches: [number, number][] = []
let prefixN = 0

function newCache(): BlockCache {
  fetches = []
  return new BlockCache({
    size: SIZE,
    prefix: `test/${prefixN++}`,
    fetchRange: async (start, end) => {
      fetches.push([start, end])
      return FILE.slice(start, end).buffer
    },
  })
}

const owner = (): Owner => ({ alive: true })

describe('block cache', () => {
  beforeEach(() => clearBlockMemory())

  it('answers a cold multi-block read with one upstream request, as a view of that run', async () => {
    const cache = newCache()
    const store = memoryStore()
    const start = BLOCK_SIZE + 100
    const end = 6 * BLOCK_SIZE - 7
    const view = await cache.readView(start, end, { owner: owner(), store })
    expect(view).toEqual(FILE.subarray(start, end))
    expect(fetches).toEqual([[BLOCK_SIZE, 6 * BLOCK_SIZE]])
    // The upstream run's own buffer: no block copies, no concatenation.
    expect(view.buffer.byteLength).toBe(5 * BLOCK_SIZE)
    await Promise.all(pendingBlockWrites())
    expect([...store.objects.keys()].length).toBe(5)
    for (const [key, bytes] of store.objects) {
      const index = Number(key.split('/').pop())
      expect(bytes).toEqual(FILE.subarray(index * BLOCK_SIZE, (index + 1) * BLOCK_SIZE))
    }
  })

  it('reads the same bytes back from R2 after the isolate forgot them, and mixes R2 with upstream', async () => {
    const cache = newCache()
    const store = memoryStore()
    await cache.readView(2 * BLOCK_SIZE, 4 * BLOCK_SIZE, { owner: owner(), store })
    await Promise.all(pendingBlockWrites())
    clearBlockMemory()
    fetches = []
    // Blocks 2 and 3 from R2, 4..6 upstream: one request for the missing run only.
    const start = 2 * BLOCK_SIZE + 5
    const end = 7 * BLOCK_SIZE - 3
    const view = await cache.readView(start, end, { owner: owner(), store })
    expect(view).toEqual(FILE.subarray(start, end))
    expect(fetches).toEqual([[4 * BLOCK_SIZE, 7 * BLOCK_SIZE]])
    // Parts from different buffers are concatenated into a buffer of exactly the range.
    expect(view.buffer.byteLength).toBe(end - start)
  })

  it('answers the last, short block and single-block reads exactly', async () => {
    const cache = newCache()
    const store = memoryStore()
    for (const [s, e] of [
      [SIZE - 10, SIZE],
      [SIZE - 5000, SIZE + 999],
      [0, 1],
      [BLOCK_SIZE - 1, BLOCK_SIZE + 1],
      [3 * BLOCK_SIZE, 3 * BLOCK_SIZE + 7],
    ] as const) {
      const view = await cache.readView(s, e, { owner: owner(), store })
      expect(view).toEqual(FILE.subarray(s, Math.min(e, SIZE)))
    }
  })

  it('read() answers a copy: changing it changes nothing cached', async () => {
    const cache = newCache()
    const store = memoryStore()
    const io = { owner: owner(), store }
    const first = new Uint8Array(await cache.read(100, 200, io))
    first.fill(0)
    const again = await cache.readView(100, 200, io)
    expect(again).toEqual(FILE.subarray(100, 200))
    expect(fetches.length).toBe(1) // the block was kept in memory, and kept intact
  })

  it('one-pass reads (writeBack false) go straight upstream and store nothing', async () => {
    const cache = newCache()
    const store = memoryStore()
    const view = await cache.readView(0, 4 * BLOCK_SIZE, { owner: owner(), store, writeBack: false })
    expect(view).toEqual(FILE.subarray(0, 4 * BLOCK_SIZE))
    await Promise.all(pendingBlockWrites())
    expect(store.puts).toBe(0)
  })
})
