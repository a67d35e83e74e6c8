/** shared/buffer-pool.ts: sizes, reuse, the bound on idle bytes, poisoning. */
import { describe, expect, it } from 'vitest'
import { BufferPool, pooledCapacity } from '../../shared/buffer-pool.ts'

describe('BufferPool', () => {
  it('rounds to powers of two below 1 MiB and to 1 MiB steps above', () => {
    expect(pooledCapacity(0)).toBe(0)
    expect(pooledCapacity(1)).toBe(1024)
    expect(pooledCapacity(1025)).toBe(2048)
    expect(pooledCapacity(200_000)).toBe(262_144)
    expect(pooledCapacity(262_145)).toBe(524_288)
    expect(pooledCapacity(1_048_577)).toBe(2 * 1_048_576)
    expect(pooledCapacity(3_900_000)).toBe(4 * 1_048_576)
    expect(pooledCapacity(4_650_000)).toBe(5 * 1_048_576)
  })

  it('hands a released buffer to the next request that fits, the smallest that fits first', () => {
    const pool = new BufferPool(64 * 1024 * 1024)
    const big = pool.take(3_000_000)
    const small = pool.take(100_000)
    expect(big.length).toBe(3_000_000)
    expect(small.length).toBe(100_000)
    pool.release(big)
    pool.release(small)
    const again = pool.take(90_000)
    expect(again.buffer).toBe(small.buffer)
    expect(again.length).toBe(90_000)
    const large = pool.take(2_900_000)
    expect(large.buffer).toBe(big.buffer)
    expect(pool.take(10).buffer).not.toBe(big.buffer)
    expect(pool.counts).toMatchObject({ taken: 5, reused: 2, released: 2 })
  })

  it('does not hand a buffer to a request of less than half its size', () => {
    const pool = new BufferPool(64 * 1024 * 1024)
    const page = pool.take(4_000_000)
    pool.release(page)
    // A small dictionary page gets a buffer of its own; the large one waits for the next large page.
    expect(pool.take(10_000).buffer).not.toBe(page.buffer)
    expect(pool.take(3_500_000).buffer).toBe(page.buffer)
  })

  it('keeps at most maxFreeBytes idle, preferring large buffers', () => {
    const pool = new BufferPool(1024 * 1024)
    const views = [pool.take(300_000), pool.take(300_000), pool.take(600_000), pool.take(1000)]
    for (const v of views) pool.release(v)
    expect(pool.idleBytes).toBeLessThanOrEqual(1024 * 1024)
    // The 768 KiB buffer and one 512 KiB buffer do not both fit: the large one stays.
    expect(pool.take(600_000).buffer).toBe(views[2]?.buffer)
    expect(pool.counts.dropped).toBeGreaterThan(0)
  })

  it('poisons released bytes when asked, and ignores a second release of the same buffer', () => {
    const pool = new BufferPool(1024 * 1024)
    pool.poison = true
    const v = pool.take(16)
    v.fill(1)
    pool.release(v)
    pool.release(v)
    expect([...v]).toEqual(new Array(16).fill(0xa5))
    expect(pool.counts.released).toBe(1)
    expect(pool.idleBytes).toBe(1024)
  })
})
