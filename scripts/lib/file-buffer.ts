/**
 * A local file as the page reader's `ViewAsyncBuffer`: each read is one positional `readSync` into a buffer of its
 * own (not zero-filled first). hyparquet's `asyncBufferFromFile` opens a read stream per slice and joins its 64 KiB
 * chunks; a scan reads every page body that way, and waited for each one with nothing else to do. The batch
 * tools that read local parquet (CLIs, site build, benches) have no other work to interleave, so reading
 * synchronously costs them nothing and saves the stream, the copies and the idle time.
 *
 * The descriptor stays open for the life of the process (a few per run: one per file opened).
 */
import { fstatSync, openSync, readSync } from 'node:fs'
import type { ViewAsyncBuffer } from '../../shared/parquet-pages.ts'

/** Open `path` for reading; throws (ENOENT, EISDIR, ...) like `openSync`. */
export function fileBuffer(path: string): ViewAsyncBuffer {
  const fd = openSync(path, 'r')
  const byteLength = fstatSync(fd).size
  const read = (start: number, end = byteLength): Uint8Array => {
    const from = Math.max(0, Math.min(start, byteLength))
    const to = Math.max(from, Math.min(end, byteLength))
    // Its own ArrayBuffer (not Node's shared pool), not zero-filled: every byte is read into it below.
    const out = new Uint8Array(Buffer.allocUnsafeSlow(to - from).buffer as ArrayBuffer)
    let done = 0
    while (done < out.length) {
      const n = readSync(fd, out, done, out.length - done, from + done)
      if (n === 0)
        throw new Error(`${path}: file ended at byte ${from + done} (expected ${byteLength} bytes)`)
      done += n
    }
    return out
  }
  return {
    byteLength,
    sliceView: read,
    slice(start, end) {
      return read(start, end).buffer as ArrayBuffer
    },
  }
}
