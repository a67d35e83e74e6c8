/**
 * The WebAssembly snappy decoder inside workerd: the module imported as a Worker imports it (compiled by the
 * build, not at run time, which workerd forbids) decodes hand-made streams exactly, rejects malformed ones, and is
 * the decoder the Worker's parquet reads use once `workers/index.ts` is loaded.
 */
import { describe, expect, it } from 'vitest'
import { COMPRESSORS } from '../../shared/parquet-pages.ts'
import { SnappyError, snappyDecompress } from '../../shared/snappy.ts'
import { snappyWasmDecoder } from '../../shared/snappy-wasm.ts'
import snappyModule from '../../workers/generated/snappy.wasm'
import '../../workers/index.ts'

/** A snappy stream: the length preamble, then `parts` (literals as strings, copies as [offset, length]). */
function stream(parts: (string | [number, number])[]): { bytes: Uint8Array; text: string } {
  const out: number[] = []
  const codes: number[] = []
  for (const part of parts) {
    if (typeof part === 'string') {
      const n = part.length
      if (n <= 60) out.push((n - 1) << 2)
      else out.push(60 << 2, n - 1)
      for (let i = 0; i < n; i++) {
        out.push(part.charCodeAt(i))
        codes.push(part.charCodeAt(i))
      }
    } else {
      const [offset, length] = part
      out.push(2 | ((length - 1) << 2), offset & 0xff, offset >> 8)
      for (let i = 0; i < length; i++) codes.push(codes[codes.length - offset] as number)
    }
  }
  const preamble: number[] = []
  for (let n = codes.length; ; n >>>= 7) {
    if (n < 0x80) {
      preamble.push(n)
      break
    }
    preamble.push((n & 0x7f) | 0x80)
  }
  const text = new TextDecoder().decode(Uint8Array.from(codes))
  return { bytes: Uint8Array.from([...preamble, ...out]), text }
}

describe('snappy through WebAssembly in workerd', () => {
  const decode = snappyWasmDecoder(snappyModule)

  it('decodes literals, copies and overlapping runs into a dirty buffer, as the JavaScript decoder does', () => {
    const long = 'the quick brown fox jumps over the lazy dog, again and again and again!'
    const { bytes, text } = stream(['abcd', [4, 8], [1, 30], long, [40, 64], 'tail', [150, 50]])
    const dirty = new Uint8Array(text.length).fill(0xa5)
    const got = new TextDecoder().decode(decode(bytes, dirty))
    expect(got).toBe(text)
    expect(new TextDecoder().decode(snappyDecompress(bytes, text.length))).toBe(text)
  })

  it('decodes a page-sized stream (the instance memory grows)', () => {
    const parts: (string | [number, number])[] = ['<tool_call>{"name": "terminal"}</tool_call>\n']
    for (let i = 0; i < 40_000; i++) parts.push(i % 7 === 0 ? `step ${i}: ` : [40, 64])
    const { bytes, text } = stream(parts)
    expect(text.length).toBeGreaterThan(2_000_000)
    expect(new TextDecoder().decode(decode(bytes, new Uint8Array(text.length)))).toBe(text)
  })

  it('throws SnappyError on malformed streams', () => {
    const bad: [number[], number][] = [
      [[5], 4],
      [[4, 0x0c, 97], 4],
      [[4, 0x01, 9], 4],
      [[8, 0x0c, 97, 98, 99, 100], 8],
      [[0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 1],
    ]
    for (const [s, size] of bad)
      expect(() => decode(Uint8Array.from(s), new Uint8Array(size))).toThrow(SnappyError)
  })

  it('is the decoder of parquet snappy pages once the Worker is loaded', () => {
    const { bytes, text } = stream(['abcdefgh', [8, 16]])
    // workers/index.ts replaced the JavaScript decoder (parquetUseCodec) with the WebAssembly one.
    expect(COMPRESSORS.SNAPPY).not.toBe(snappyDecompress)
    expect(new TextDecoder().decode(COMPRESSORS.SNAPPY?.(bytes, text.length))).toBe(text)
  })
})
