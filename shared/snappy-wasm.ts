/**
 * Snappy through a compiled WebAssembly module (hysnappy's, see scripts/lib/snappy-wasm-file.ts): about 2.5x the
 * JavaScript decoder's speed on parquet pages of text. Pure: the caller hands in the compiled module (the Worker
 * imports it, wrangler compiles it at build time; Node compiles the same bytes), so this file does no I/O.
 *
 * The module's ABI: `uncompress(inputPtr, inputLength, outputPtr)` decodes one snappy block from its linear memory
 * into its linear memory and returns 0, or a negative code for a malformed stream. Its C stack and data end at
 * `__heap_base`; input and output go above it.
 *
 * Memory: the instance's memory grows to hold the largest page decoded (input + output) and never shrinks. Pages
 * larger than `maxPageBytes` go to the JavaScript decoder instead, so the isolate carries at most that much.
 */
import { SnappyError, snappyDecompressInto, snappyPreamble } from './snappy.ts'

/** Pages (input + output bytes) larger than this are decoded in JavaScript (see the file comment). */
export const WASM_SNAPPY_MAX_PAGE_BYTES = 12 * 1024 * 1024

/** What the module's `uncompress` returns for a malformed stream. */
const ERRORS: Record<number, string> = {
  [-1]: 'invalid length preamble',
  [-2]: 'missing end of stream',
  [-3]: 'premature end of input',
}

interface SnappyExports {
  memory: WebAssembly.Memory
  uncompress: (input: number, inputLength: number, output: number) => number
  __heap_base: WebAssembly.Global
}

/**
 * A decoder writing into a given buffer of exactly the declared length (like `snappyDecompressInto`), backed by
 * one instance of `module`.
 */
export function snappyWasmDecoder(
  module: WebAssembly.Module,
  maxPageBytes = WASM_SNAPPY_MAX_PAGE_BYTES,
): (input: Uint8Array, output: Uint8Array) => Uint8Array {
  const exports = new WebAssembly.Instance(module, {}).exports as unknown as SnappyExports
  const base = Math.ceil(Number(exports.__heap_base.value) / 16) * 16
  return (input, output) => {
    if (input.length + output.length > maxPageBytes) return snappyDecompressInto(input, output)
    // The module writes as many bytes as the stream declares: they must be exactly the output's.
    snappyPreamble(input, output.length)
    const inputAt = base
    const outputAt = inputAt + input.length
    const needed = outputAt + output.length
    const memory = exports.memory
    if (memory.buffer.byteLength < needed) {
      try {
        memory.grow(Math.ceil((needed - memory.buffer.byteLength) / 65536))
      } catch {
        // The runtime refused more linear memory: decode this page in JavaScript instead.
        return snappyDecompressInto(input, output)
      }
    }
    new Uint8Array(memory.buffer, inputAt, input.length).set(input)
    const status = exports.uncompress(inputAt, input.length, outputAt)
    if (status !== 0) throw new SnappyError(`snappy: ${ERRORS[status] ?? `error ${status}`}`)
    output.set(new Uint8Array(memory.buffer, outputAt, output.length))
    return output
  }
}
