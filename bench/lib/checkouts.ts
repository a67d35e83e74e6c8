/**
 * Helpers for benches that run the same harness over two checkouts of this repository (the working copy and a
 * git worktree at an older commit) in one run: the worktree, the checkout's own snappy decoder, a median.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '../..')

/**
 * A detached git worktree of `commit` at `dir` (made when missing, `node_modules` linked to this checkout's, its
 * postinstall output generated); throws when the directory holds another commit.
 */
export function prepareWorktree(commit: string, dir: string): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim()
  const want = git('rev-parse', `${commit}^{commit}`)
  if (!existsSync(dir)) {
    process.stderr.write(`bench: git worktree add --detach ${dir} ${commit}\n`)
    git('worktree', 'add', '--detach', dir, want)
  }
  const have = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim()
  if (have !== want) throw new Error(`${dir} is at ${have}, not ${commit}: remove it and rerun`)
  const modules = join(dir, 'node_modules')
  if (!existsSync(modules)) symlinkSync(join(ROOT, 'node_modules'), modules, 'dir')
  // What `npm install` generates there (postinstall): a checkout that has the script gets its own output.
  const script = join(dir, 'scripts/snappy-wasm.ts')
  if (existsSync(script) && !existsSync(join(dir, 'workers/generated/snappy.wasm'))) {
    execFileSync(process.execPath, [script], { cwd: dir, stdio: 'ignore' })
  }
  return dir
}

/** The working copy's commit, marked when `paths` have uncommitted changes. */
export function describeHead(paths: string[]): string {
  const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim()
  const dirty = execFileSync('git', ['status', '--porcelain', '--', ...paths], {
    cwd: ROOT,
    encoding: 'utf8',
  }).trim()
  return `${head}${dirty ? ` + uncommitted ${paths.join(', ')}` : ''}`
}

/**
 * Decode snappy pages as the checkout at `root` does in its Worker: through the WebAssembly module
 * (`workers/generated/snappy.wasm` + shared/snappy-wasm.ts, installed the way workers/snappy.ts installs it, with
 * the Worker's page cap) where that checkout has it, else by its JavaScript decoder.
 */
export async function useCheckoutSnappy(root: string): Promise<'wasm' | 'js'> {
  const wasmFile = join(root, 'workers/generated/snappy.wasm')
  if (!existsSync(wasmFile) || !existsSync(join(root, 'shared/snappy-wasm.ts'))) return 'js'
  const { parquetUseCodec } = await import(join(root, 'shared/parquet-pages.ts'))
  const { snappyWasmDecoder } = await import(join(root, 'shared/snappy-wasm.ts'))
  parquetUseCodec('SNAPPY', snappyWasmDecoder(new WebAssembly.Module(readFileSync(wasmFile))))
  return 'wasm'
}

/** The median (the mean of the middle two for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}

/**
 * Run the harness `script` (a path under bench/) in a fresh process once per checkout of `roots`, alternating,
 * `repeat` times, with `--root <checkout>` and `args`; each run prints one JSON line, returned per checkout.
 */
export function runPerCheckout<K extends string, T>(
  script: string,
  roots: Record<K, string>,
  args: string[],
  repeat: number,
): Record<K, T[]> {
  const runs = Object.fromEntries(Object.keys(roots).map((k) => [k, [] as T[]])) as Record<K, T[]>
  for (let r = 0; r < repeat; r++) {
    for (const [name, root] of Object.entries(roots) as [K, string][]) {
      const p = spawnSync(process.execPath, [join(ROOT, 'bench', script), '--root', root, ...args], {
        encoding: 'utf8',
        maxBuffer: 16 * 2 ** 20,
      })
      if (p.status !== 0)
        throw new Error(`${script} on ${name} failed (exit ${p.status}): ${p.stderr.trim()}`)
      runs[name].push(JSON.parse(p.stdout) as T)
    }
  }
  return runs
}
