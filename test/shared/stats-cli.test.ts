/**
 * The stats CLI as users run it: on a generated sample directory and on one of its files, the output is the
 * complete Stats contract, labelled as the sample with the directory's revision; bad flags exit 1 naming them.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Stats, StatsSet } from '../../shared/types.ts'

const ROOT = join(import.meta.dirname, '../..')
const CLI = join(ROOT, 'scripts/stats.ts')
/** The module the batch CLIs' npm scripts preload (`node --import <it> scripts/<cli>.ts`). */
const PRELOAD = './scripts/lib/compile-cache.mjs'

describe('npm run stats', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hte-stats-cli-'))
  beforeAll(() => {
    execFileSync(
      process.execPath,
      [join(ROOT, 'scripts/sample.ts'), '--out', dir, '--rows-kimi', '70', '--rows-glm', '50', '--seed', '5'],
      {
        stdio: 'ignore',
      },
    )
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' })

  it('--dataset-dir prints a complete StatsSet of every config, progress on stderr only', () => {
    const res = run(['--dataset-dir', dir])
    expect(res.status).toBe(0)
    const set = JSON.parse(res.stdout) as StatsSet
    expect(set.complete).toBe(true)
    expect(set.sample).toBe(true)
    expect(set.revision).toMatch(/^[0-9a-f]{40}$/)
    expect(Object.keys(set.configs)).toEqual(['kimi', 'glm-5.1'])
    expect(set.configs.kimi?.rows).toBe(70)
    expect(set.configs['glm-5.1']?.rowsTotal).toBe(50)
    for (const key of [
      'avgTurns',
      'avgToolCalls',
      'pctWithError',
      'pctParallelTurns',
      'toolCalls',
      'parallelWidths',
      'thoughtsPerTurn',
      'categories',
    ]) {
      expect(set.configs.kimi?.seed).toHaveProperty(key)
    }
    expect(res.stderr).toMatch(/stats kimi/)
  })

  it("npm run stats's own command (the compile-cache preload, then the entry) prints the same StatsSet", () => {
    const viaScript = spawnSync(
      process.execPath,
      ['--import', PRELOAD, 'scripts/stats.ts', '--dataset-dir', dir, '--quiet'],
      { encoding: 'utf8', cwd: ROOT },
    )
    expect(viaScript.status, viaScript.stderr).toBe(0)
    expect(viaScript.stdout).toBe(run(['--dataset-dir', dir, '--quiet']).stdout)
  })

  it('every batch CLI script preloads the compile cache, and its command runs the CLI', () => {
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts
    // `start` is left out on purpose: it starts other Node tools, which would inherit NODE_COMPILE_CACHE.
    for (const cli of ['stats', 'export', 'sample', 'mirror', 'probe']) {
      expect(scripts[cli]).toBe(`node --import ${PRELOAD} scripts/${cli}.ts`)
      const res = spawnSync(process.execPath, ['--import', PRELOAD, `scripts/${cli}.ts`, '--no-such-flag'], {
        encoding: 'utf8',
        cwd: ROOT,
      })
      // The CLI itself answered: its own words for the bad flag, not a loader error.
      expect(res.stderr, cli).toContain(`${cli}: unknown flag "--no-such-flag"`)
      expect(res.status, cli).not.toBe(0)
    }
    expect(scripts.start).toBe('node scripts/start.ts')
  })

  it('the preload turns the compile cache on for the process and its worker threads, unless disabled', () => {
    const cacheDir = (env: NodeJS.ProcessEnv) =>
      execFileSync(
        process.execPath,
        ['--import', join(ROOT, PRELOAD), '-e', 'console.log(String(process.env.NODE_COMPILE_CACHE))'],
        { encoding: 'utf8', env: { ...env, NODE_COMPILE_CACHE: undefined } },
      ).trim()
    expect(cacheDir({ ...process.env, NODE_DISABLE_COMPILE_CACHE: undefined })).toMatch(/compile-cache/)
    expect(cacheDir({ ...process.env, NODE_DISABLE_COMPILE_CACHE: '1' })).toBe('undefined')
  })

  it('piped into a reader that stops early (| head), it exits 0 without a stack trace', async () => {
    const child = spawn(process.execPath, [CLI, '--dataset-dir', dir, '--quiet'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout.destroy()
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(stderr).not.toMatch(/EPIPE|Error/)
    expect(code).toBe(0)
  })

  it('--file gives the same Stats as the config inside --dataset-dir', () => {
    const one = JSON.parse(
      run(['--file', join(dir, 'data/glm-5.1/train.parquet'), '--quiet']).stdout,
    ) as Stats
    const set = JSON.parse(run(['--dataset-dir', dir, '--quiet']).stdout) as StatsSet
    expect(one).toEqual(set.configs['glm-5.1'])
  })

  it('bad input exits 1 with a message naming it', () => {
    const bad = run(['--dataset-dir', dir, '--budget-mb', 'lots'])
    expect(bad.status).toBe(1)
    expect(bad.stderr).toMatch(/--budget-mb.*"lots"/)
    const unknown = run(['--fiel', 'x'])
    expect(unknown.status).toBe(1)
    expect(unknown.stderr).toMatch(/unknown flag "--fiel"/)
    const missing = run(['--file', join(dir, 'nope.parquet')])
    expect(missing.status).toBe(1)
    expect(missing.stderr).toMatch(/cannot open .*nope\.parquet/)
  })
})
