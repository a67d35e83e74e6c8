/**
 * Binary building blocks of the search index: unsigned LEB128 varints (as in protobuf and Lucene's VInt) and
 * length-prefixed UTF-8 strings, written into a growable buffer and read back with a cursor. R2 stores bytes;
 * postings are small integers after delta coding, so most take one byte.
 */

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** An append-only byte buffer. */
export class ByteWriter {
  private buf: Uint8Array
  /** Bytes written so far. */
  length = 0

  constructor(capacity = 64) {
    this.buf = new Uint8Array(capacity)
  }

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.length + n) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.length))
    this.buf = next
  }

  /** An unsigned integer below 2^53 as a LEB128 varint. */
  varint(value: number): void {
    if (!(value >= 0) || !Number.isSafeInteger(value)) throw new RangeError(`varint out of range: ${value}`)
    this.room(8)
    let v = value
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 0x80) | 0x80
      v = Math.floor(v / 0x80)
    }
    this.buf[this.length++] = v
  }

  /** Raw bytes. */
  bytes(bytes: Uint8Array): void {
    this.room(bytes.length)
    this.buf.set(bytes, this.length)
    this.length += bytes.length
  }

  /** A UTF-8 string, length-prefixed. */
  string(text: string): void {
    const bytes = encoder.encode(text)
    this.varint(bytes.length)
    this.bytes(bytes)
  }

  /** The bytes written (a copy sized exactly). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.length)
  }
}

/** A cursor over bytes written by `ByteWriter`. Reading past the end throws (a corrupt object). */
export class ByteReader {
  readonly buf: Uint8Array
  pos: number
  private readonly end: number

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf
    this.pos = start
    this.end = end
  }

  /** True when every byte has been read. */
  get done(): boolean {
    return this.pos >= this.end
  }

  varint(): number {
    let result = 0
    let scale = 1
    for (;;) {
      if (this.pos >= this.end) throw new RangeError('truncated varint')
      const b = this.buf[this.pos++] as number
      result += (b & 0x7f) * scale
      if (b < 0x80) return result
      scale *= 0x80
      if (scale > 2 ** 56) throw new RangeError('varint too long')
    }
  }

  bytes(n: number): Uint8Array {
    if (this.pos + n > this.end) throw new RangeError('truncated bytes')
    const out = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  string(): string {
    return decoder.decode(this.bytes(this.varint()))
  }
}

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text)
}

/** The string of UTF-8 bytes. */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes)
}

/** Concatenate byte arrays. */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** Magic numbers at the start of each object kind (a wrong or stale object is refused, not misread). */
export const MAGIC = { partial: 0x53505431, manifest: 0x534d4631, dict: 0x53445431 } as const

/** Write a 4-byte magic number as a varint-free fixed header. */
export function writeMagic(w: ByteWriter, magic: number): void {
  w.bytes(new Uint8Array([magic >>> 24, (magic >>> 16) & 0xff, (magic >>> 8) & 0xff, magic & 0xff]))
}

/** Check a 4-byte magic number; throws naming the object kind otherwise. */
export function readMagic(r: ByteReader, magic: number, what: string): void {
  const b = r.bytes(4)
  const got =
    (((b[0] as number) << 24) | ((b[1] as number) << 16) | ((b[2] as number) << 8) | (b[3] as number)) >>> 0
  if (got !== magic) throw new Error(`not a search ${what} object (bad magic)`)
}
