/**
 * The WebAssembly snappy decoder the Worker imports (`workers/generated/snappy.wasm`), taken from the pinned
 * `hysnappy` package: it ships its module only as base64 inside `js/uncompress.js`, and a Worker cannot compile
 * WebAssembly from bytes at run time, only import a module that wrangler compiles at build time. `npm install`
 * writes the file (package.json `postinstall`); it is not committed.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/** Where the Worker imports the module from. */
export const SNAPPY_WASM_PATH = join(import.meta.dirname, '../../workers/generated/snappy.wasm')

/** The module's bytes as the installed hysnappy embeds them (throws if the package no longer has them). */
export function hysnappyWasmBytes(): Uint8Array<ArrayBuffer> {
  const require = createRequire(import.meta.url)
  const pkg = require.resolve('hysnappy/package.json')
  const source = readFileSync(join(dirname(pkg), 'js/uncompress.js'), 'utf8')
  const match = /const wasm64 = '([A-Za-z0-9+/=]+)'/.exec(source)
  if (!match?.[1]) throw new Error(`${pkg}: no embedded WebAssembly module found (was hysnappy upgraded?)`)
  const bytes = new Uint8Array(Buffer.from(match[1], 'base64'))
  // "\0asm" and version 1.
  if (bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new Error(`${pkg}: the embedded module is not WebAssembly`)
  }
  return bytes
}

/** Write `workers/generated/snappy.wasm` (unchanged files are left alone). Returns its path. */
export function writeSnappyWasm(path = SNAPPY_WASM_PATH): string {
  const bytes = hysnappyWasmBytes()
  let current: Uint8Array | undefined
  try {
    current = new Uint8Array(readFileSync(path))
  } catch {
    current = undefined
  }
  if (!current || Buffer.compare(current, bytes) !== 0) {
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, bytes)
  }
  return path
}
