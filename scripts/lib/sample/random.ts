/**
 * Seeded pseudo-random numbers for the sample generator (sfc32 seeded through cyrb128).
 *
 * Every row gets its own generator seeded from (seed, config, row index), so a row's content does not
 * depend on how many rows come before it or on the scale.
 */

/** 128-bit string hash (cyrb128) giving four 32-bit seeds. */
function cyrb128(text: string): [number, number, number, number] {
  let h1 = 1779033703
  let h2 = 3144134277
  let h3 = 1013904242
  let h4 = 2773480762
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i)
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067)
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233)
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213)
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179)
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067)
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233)
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213)
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179)
  h1 ^= h2 ^ h3 ^ h4
  h2 ^= h1
  h3 ^= h1
  h4 ^= h1
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0]
}

const HEX = '0123456789abcdef'

/** A small, fast, seedable generator (sfc32). */
export class Rng {
  #a: number
  #b: number
  #c: number
  #d: number

  /** Seeds from any list of parts (joined with `/`). */
  constructor(...parts: (string | number)[]) {
    const [a, b, c, d] = cyrb128(parts.join('/'))
    this.#a = a
    this.#b = b
    this.#c = c
    this.#d = d
    for (let i = 0; i < 12; i++) this.u32()
  }

  /** Next unsigned 32-bit integer. */
  u32(): number {
    const a = this.#a
    const b = this.#b
    const c = this.#c
    const d = this.#d
    const t = (((a + b) | 0) + d) | 0
    this.#d = (d + 1) | 0
    this.#a = b ^ (b >>> 9)
    this.#b = (c + (c << 3)) | 0
    const r = (c << 21) | (c >>> 11)
    this.#c = (r + t) | 0
    return t >>> 0
  }

  /** Uniform float in [0, 1). */
  next(): number {
    return this.u32() / 4294967296
  }

  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T
  }

  /** One key of a weight table (weights need not sum to 1). */
  weighted<T extends string | number>(table: readonly (readonly [T, number])[]): T {
    let total = 0
    for (const [, w] of table) total += w
    let x = this.next() * total
    for (const [value, w] of table) {
      x -= w
      if (x < 0) return value
    }
    return (table[table.length - 1] as readonly [T, number])[0]
  }

  /** k distinct elements (fewer when the array is shorter), in random order. */
  sample<T>(items: readonly T[], k: number): T[] {
    const copy = items.slice()
    this.shuffle(copy)
    return copy.slice(0, Math.max(0, k))
  }

  /** Shuffles in place (Fisher-Yates) and returns the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1))
      const tmp = items[i] as T
      items[i] = items[j] as T
      items[j] = tmp
    }
    return items
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next()
    const v = this.next()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }

  /** Log-normal with the given mean and log-space sigma. */
  lognormal(mean: number, sigma: number): number {
    const mu = Math.log(mean) - (sigma * sigma) / 2
    return Math.exp(mu + sigma * this.normal())
  }

  /** Gamma(shape k, scale theta) by Marsaglia-Tsang (k >= 1) with the boost for k < 1. */
  gamma(k: number, theta: number): number {
    if (k < 1) return this.gamma(k + 1, theta) * this.next() ** (1 / k)
    const d = k - 1 / 3
    const c = 1 / Math.sqrt(9 * d)
    for (;;) {
      let x: number
      let v: number
      do {
        x = this.normal()
        v = 1 + c * x
      } while (v <= 0)
      v = v * v * v
      const u = this.next()
      if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v)))
        return d * v * theta
    }
  }

  /** n lowercase hex digits. */
  hex(n: number): string {
    let out = ''
    for (let i = 0; i < n; i++) out += HEX[this.u32() & 15]
    return out
  }

  /** An RFC 4122 version-4 UUID string. */
  uuid4(): string {
    const h = this.hex(32).split('')
    h[12] = '4'
    h[16] = HEX[8 + (this.u32() & 3)] as string
    const s = h.join('')
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`
  }
}
