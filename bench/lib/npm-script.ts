/**
 * The node command an `npm run <name>` script runs (package.json), for benches that time a CLI as users start it
 * without npm's own start-up (~0.3 s): the script must be `node <flags and files...>`; words naming a file of the
 * repository become absolute paths, so the command runs from any directory.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '../..')

/** The arguments after `node` of `npm run <name>`, to run with `process.execPath`. */
export function npmScriptNodeArgs(name: string): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>
  }
  const script = pkg.scripts?.[name]
  const words = script?.trim().split(/\s+/) ?? []
  if (words[0] !== 'node') throw new Error(`npm script "${name}" is not a plain node command: ${script}`)
  return words.slice(1).map((w) => (!w.startsWith('-') && existsSync(join(ROOT, w)) ? join(ROOT, w) : w))
}
