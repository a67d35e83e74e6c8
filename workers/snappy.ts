/**
 * Snappy pages through WebAssembly in the Worker: a Worker cannot compile WebAssembly at run time, so the module
 * is imported and wrangler compiles it at build time (`workers/generated/snappy.wasm`, written by `npm install`
 * from the pinned hysnappy package: scripts/lib/snappy-wasm-file.ts). About 2.5x the JavaScript decoder's speed;
 * pages above WASM_SNAPPY_MAX_PAGE_BYTES stay in JavaScript so the instance's memory stays small.
 */
import { parquetUseCodec } from '../shared/parquet-pages.ts'
import { snappyWasmDecoder } from '../shared/snappy-wasm.ts'
import snappyModule from './generated/snappy.wasm'

/** Make every parquet read of this isolate decode snappy pages with the imported module. */
export function useWasmSnappy(): void {
  parquetUseCodec('SNAPPY', snappyWasmDecoder(snappyModule))
}
