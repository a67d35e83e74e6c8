/**
 * Snappy block decompression (the raw format parquet uses: a varint of the uncompressed length, then literal and
 * back-reference elements), written for speed on large pages of text: long literals and non-overlapping copies
 * move as block copies (`set`, `copyWithin`), short ones byte by byte, and the output buffer is allocated once.
 * Every malformed input throws a `SnappyError` naming what is wrong; nothing reads or writes out of bounds.
 */

/** A snappy stream that cannot be decoded. */
export class SnappyError extends Error {
  override name = 'SnappyError'
}

/** Below this many bytes a plain loop beats the call overhead of a block copy. */
const BLOCK_COPY_MIN = 24

/** Decompress a snappy block into a new array of exactly `outputLength` bytes. */
export function snappyDecompress(input: Uint8Array, outputLength: number): Uint8Array {
  return snappyDecompressInto(input, new Uint8Array(outputLength))
}

/**
 * Decompress a snappy block into `output`, which must be exactly as long as the stream declares (a reused
 * buffer is fine: every byte is written before it is read, and a stream that stops short throws). Returns
 * `output`.
 */
export function snappyDecompressInto(input: Uint8Array, output: Uint8Array): Uint8Array {
  return decode(input, output, output.length, output.length)
}

/**
 * The first bytes of a block that declares `outputLength`: decoding stops once at least `limit` bytes are out, or
 * before an element that would not fit the prefix's buffer (`limit` + 64 KiB). Returns a view of the decoded
 * prefix, whose bytes equal the whole decode's; it may be shorter than `limit` (then decode the whole block).
 * For the repetition levels at the start of a parquet page, without decompressing the values behind them.
 */
export function snappyDecompressPrefix(input: Uint8Array, outputLength: number, limit: number): Uint8Array {
  if (limit >= outputLength) return snappyDecompress(input, outputLength)
  return decode(input, new Uint8Array(Math.min(outputLength, limit + 65536)), limit, outputLength)
}

/**
 * Check a block's preamble (the uncompressed length as a little-endian base-128 varint) against the length the
 * page header gives; returns the preamble's size in bytes, where the elements start.
 */
export function snappyPreamble(input: Uint8Array, outputLength: number): number {
  let declared = 0
  let pos = 0
  for (let shift = 0; ; shift += 7) {
    if (pos >= input.length || shift > 28) throw new SnappyError('snappy: truncated length preamble')
    const b = input[pos++] as number
    declared += (b & 0x7f) * 2 ** shift
    if (b < 0x80) break
  }
  if (declared !== outputLength) {
    throw new SnappyError(`snappy: stream declares ${declared} bytes, the page header ${outputLength}`)
  }
  return pos
}

/** Decode into `output` (its length is the room there is) a block declaring `outputLength` bytes. */
function decode(input: Uint8Array, output: Uint8Array, limit: number, outputLength: number): Uint8Array {
  const prefix = limit < outputLength
  const room = output.length
  const view = new DataView(output.buffer, output.byteOffset, output.byteLength)
  const n = input.length
  let pos = snappyPreamble(input, outputLength)
  let out = 0
  while (pos < n) {
    if (prefix && out >= limit) return output.subarray(0, out)
    const tag = input[pos++] as number
    const kind = tag & 3
    if (kind === 0) {
      let len = (tag >>> 2) + 1
      if (len > 60) {
        const bytes = len - 60
        if (pos + bytes > n) throw new SnappyError('snappy: truncated literal length')
        len = 0
        for (let i = 0; i < bytes; i++) len += (input[pos + i] as number) * 2 ** (8 * i)
        len += 1
        pos += bytes
      }
      if (pos + len > n) throw new SnappyError('snappy: literal runs past the input')
      if (out + len > outputLength) throw new SnappyError('snappy: literal runs past the declared length')
      if (out + len > room) return output.subarray(0, out) // a prefix's buffer is full
      if (len < BLOCK_COPY_MIN) {
        for (let i = 0; i < len; i++) output[out + i] = input[pos + i] as number
      } else {
        output.set(input.subarray(pos, pos + len), out)
      }
      pos += len
      out += len
      continue
    }
    let len: number
    let offset: number
    if (kind === 1) {
      if (pos >= n) throw new SnappyError('snappy: truncated copy')
      len = ((tag >>> 2) & 7) + 4
      offset = ((tag >>> 5) << 8) | (input[pos++] as number)
    } else if (kind === 2) {
      if (pos + 2 > n) throw new SnappyError('snappy: truncated copy')
      len = (tag >>> 2) + 1
      offset = (input[pos] as number) | ((input[pos + 1] as number) << 8)
      pos += 2
    } else {
      if (pos + 4 > n) throw new SnappyError('snappy: truncated copy')
      len = (tag >>> 2) + 1
      offset =
        (input[pos] as number) +
        (input[pos + 1] as number) * 0x100 +
        (input[pos + 2] as number) * 0x10000 +
        (input[pos + 3] as number) * 0x1000000
      pos += 4
    }
    if (offset === 0 || offset > out) throw new SnappyError(`snappy: copy offset ${offset} at output ${out}`)
    if (out + len > outputLength) throw new SnappyError('snappy: copy runs past the declared length')
    if (out + len > room) return output.subarray(0, out) // a prefix's buffer is full
    const from = out - offset
    if (offset >= 4 && len < BLOCK_COPY_MIN) {
      // Short and at least a word back: four bytes at a time (the last word may overlap the previous one).
      let i = 0
      for (; i + 4 <= len; i += 4) view.setUint32(out + i, view.getUint32(from + i, true), true)
      for (; i < len; i++) output[out + i] = output[from + i] as number
    } else if (len < BLOCK_COPY_MIN || offset < len) {
      // Overlapping (a repeated pattern): byte by byte reads what this copy itself wrote.
      for (let i = 0; i < len; i++) output[out + i] = output[from + i] as number
    } else {
      output.copyWithin(out, from, from + len)
    }
    out += len
  }
  if (out !== outputLength) {
    throw new SnappyError(`snappy: stream ends after ${out} of ${outputLength} bytes`)
  }
  return output
}
