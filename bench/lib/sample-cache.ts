/**
 * Generated samples the benches share (`.cache/bench-full`, `.cache/bench-small`, the scan bench's inputs), made
 * once with `scripts/sample.ts` and made again when the generator's version or the arguments change: a sample
 * written by an older generator measures rows that no longer look like the current ones.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { GENERATOR_VERSION } from '../../scripts/lib/sample/generate.ts'

const ROOT = join(import.meta.dirname, '../..')
/** Written next to the sample once it is complete: what made it. */
const MARKER = '.bench-sample.json'

interface SampleMarker {
  version: string
  args: string[]
}

/** True when `dir` holds a complete sample that this generator version made with these arguments. */
export function sampleIsCurrent(dir: string, args: readonly string[]): boolean {
  const marker = join(dir, MARKER)
  if (existsSync(marker)) {
    const m = JSON.parse(readFileSync(marker, 'utf8')) as SampleMarker
    return m.version === GENERATOR_VERSION && JSON.stringify(m.args) === JSON.stringify(args)
  }
  // A sample from before the marker: trust its manifest's version (the arguments are the caller's usual ones).
  const manifest = join(dir, 'sample.json')
  if (!existsSync(manifest)) return false
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }).version === GENERATOR_VERSION
}

/**
 * Make sure `dir` holds the sample `node scripts/sample.ts --out DIR ...args` writes with the current generator.
 * A missing or stale one is generated into `DIR.partial` and then moved into place, so a reader never sees a half
 * written sample (a process still reading the old files keeps its open handles). Returns true when it generated.
 */
export function ensureSample(dir: string, args: readonly string[], label = dir): boolean {
  if (sampleIsCurrent(dir, args)) return false
  const partial = `${dir}.partial`
  rmSync(partial, { recursive: true, force: true })
  process.stderr.write(`bench: generating ${label} (sample generator ${GENERATOR_VERSION}) into ${dir}\n`)
  execFileSync(process.execPath, [join(ROOT, 'scripts/sample.ts'), '--out', partial, ...args], {
    stdio: 'inherit',
  })
  const marker: SampleMarker = { version: GENERATOR_VERSION, args: [...args] }
  writeFileSync(join(partial, MARKER), `${JSON.stringify(marker)}\n`)
  rmSync(dir, { recursive: true, force: true })
  renameSync(partial, dir)
  return true
}

/** The generator version the cached inputs are keyed by. */
export { GENERATOR_VERSION }
