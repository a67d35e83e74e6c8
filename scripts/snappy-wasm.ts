/**
 * `node scripts/snappy-wasm.ts` (run by `npm install` as `postinstall`): writes the WebAssembly snappy decoder the
 * Worker imports, `workers/generated/snappy.wasm`, from the installed hysnappy package (scripts/lib/snappy-wasm-file.ts).
 */
import { writeSnappyWasm } from './lib/snappy-wasm-file.ts'

const path = writeSnappyWasm()
process.stdout.write(`snappy-wasm: ${path}\n`)
