/**
 * A copy of the Worker's sources for a long bench: `wrangler dev` rebuilds and restarts the Worker whenever a
 * source file changes, which would cut open connections and reset the isolate mid-measurement when the checkout is
 * edited meanwhile. The copy (workers/, shared/, wrangler.toml, package.json, node_modules linked, an empty
 * dist/site for [assets]) is what the bench serves; it records the commit and which Worker files differed from it.
 */
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, rmSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '../..')

/** What the snapshot holds. */
export interface WorkerSnapshot {
  dir: string
  /** HEAD when the copy was made. */
  commit: string
  /** Worker source files (workers/, shared/, wrangler.toml) that differed from HEAD (uncommitted edits). */
  uncommitted: string[]
}

/** Copy the Worker's sources into `dir` (replacing what was there). */
export function snapshotWorker(dir: string): WorkerSnapshot {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, 'dist/site'), { recursive: true })
  for (const path of ['workers', 'shared', 'wrangler.toml', 'package.json', 'tsconfig.json'])
    cpSync(join(ROOT, path), join(dir, path), { recursive: true })
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' })
  // Porcelain lines are "XY path": two status letters (either may be a space) and a space.
  const status = git('status', '--porcelain', '--', 'workers', 'shared', 'wrangler.toml')
  return {
    dir,
    commit: git('rev-parse', '--short', 'HEAD').trim(),
    uncommitted: status
      .split('\n')
      .filter((l) => l.length > 3)
      .map((l) => l.slice(3)),
  }
}
