/**
 * The layers of docs/architecture.md, checked over the import graph of every source file (.ts, .mjs, .astro):
 *
 *   shared/        pure: npm packages only (no node:, no Node built-ins, no workers/, site/, scripts/)
 *   scripts/lib/   the Node-side library: shared/ and itself
 *   scripts/dev/   dev tooling (the Hub stand-in, wrangler dev, the site harness): scripts/lib/, shared/, itself
 *   scripts/*.ts   thin CLI entries: scripts/lib/, shared/ (scripts/start.ts also scripts/dev/)
 *   workers/       the Worker: shared/ and itself
 *   site/          the Astro site: shared/, itself and scripts/lib/ (build-time data)
 *   bench/         scripts/lib/, scripts/dev/, shared/ and itself
 *   test/          anything
 * and nothing imports a CLI entry file or test/ (tests may import their own helpers). Every relative import
 * must also resolve to a file, so a move that leaves a stale path fails here before anything runs.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../..')
const SKIP = new Set([
  'node_modules',
  'dist',
  '.wrangler',
  '.astro',
  '.cache',
  '.bench',
  '.git',
  'sample-data',
])
const SOURCE = /\.(?:ts|mts|mjs|astro)$/

type Layer = 'shared' | 'lib' | 'dev' | 'cli' | 'workers' | 'site' | 'bench' | 'test' | 'config'

/** The layer of a repository path (`/`-separated, relative to the root). */
function layerOf(path: string): Layer | null {
  const [top, second] = path.split('/')
  if (top === 'shared') return 'shared'
  if (top === 'workers') return 'workers'
  if (top === 'site') return 'site'
  if (top === 'bench') return 'bench'
  if (top === 'test') return 'test'
  if (top === 'scripts') {
    if (second === 'lib') return 'lib'
    if (second === 'dev') return 'dev'
    return path.split('/').length === 2 ? 'cli' : null
  }
  return path.includes('/') ? null : 'config'
}

/** Which layers each layer may import (besides npm packages). */
const ALLOWED: Record<Layer, readonly Layer[]> = {
  shared: ['shared'],
  lib: ['lib', 'shared'],
  dev: ['dev', 'lib', 'shared'],
  cli: ['lib', 'shared'],
  workers: ['workers', 'shared'],
  site: ['site', 'shared', 'lib'],
  bench: ['bench', 'lib', 'dev', 'shared'],
  test: ['test', 'shared', 'lib', 'dev', 'workers', 'site', 'bench', 'config'],
  config: ['shared', 'lib'],
}

/** Files allowed one more layer than their own: `npm start` wires the dev tooling. */
const EXTRA: Record<string, readonly Layer[]> = {
  'scripts/start.ts': ['dev'],
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (SKIP.has(name)) return []
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return SOURCE.test(name) && !name.endsWith('.d.ts') ? [path] : []
  })
}

/**
 * Module specifiers of a file: static imports and re-exports at the start of a line, and dynamic
 * `import('literal')`, after removing comments and template literals (generated code held in a template literal
 * is not an import of this file).
 */
function importsOf(text: string): string[] {
  const code = text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"])\/\/[^\n]*/g, '$1')
    .replace(/`(?:\\[\s\S]|[^`\\])*`/g, '``')
  const out: string[] = []
  const patterns = [
    /^[ \t]*import\s+(?:type\s+)?(?:[^'"`;]*?\bfrom\s*)?['"]([^'"\n]+)['"]/gm,
    /^[ \t]*export\s+(?:type\s+)?(?:\*|\{)[^'"`;]*?\bfrom\s*['"]([^'"\n]+)['"]/gm,
    /\bimport\(\s*['"]([^'"\n$]+)['"]\s*\)/g,
  ]
  for (const pattern of patterns) for (const m of code.matchAll(pattern)) out.push(m[1] as string)
  return out
}

const BUILTINS = new Set(builtinModules)
const files = sourceFiles(ROOT).map((abs) => relative(ROOT, abs).split(sep).join('/'))

/** What is wrong with the imports of `file` (a repository path) whose source is `text`; [] when nothing. */
function layerProblems(file: string, text: string, exists = (path: string) => existsSync(join(ROOT, path))) {
  const layer = layerOf(file)
  if (layer === null) return [`${file} is outside the layers`]
  const problems: string[] = []
  for (const spec of importsOf(text)) {
    if (!spec.startsWith('.')) {
      // A package. shared/ runs in Node, workerd and the browser: no Node or workerd modules.
      const base = spec.replace(/^node:/, '')
      const runtime = spec.startsWith('node:') || spec.startsWith('cloudflare:') || BUILTINS.has(base)
      if (layer === 'shared' && runtime) problems.push(`${spec}: a runtime module in shared/`)
      continue
    }
    const target = relative(ROOT, resolve(ROOT, dirname(file), spec))
      .split(sep)
      .join('/')
    if (!exists(target)) {
      problems.push(`${spec}: no such file`)
      continue
    }
    const to = layerOf(target)
    if (to === null) problems.push(`${spec}: ${target} is outside the layers`)
    else if (to === 'cli') problems.push(`${spec}: imports a CLI entry file (${target}); use scripts/lib/`)
    else if (to === 'test' && layer !== 'test') problems.push(`${spec}: imports test/ (${target})`)
    else if (![...ALLOWED[layer], ...(EXTRA[file] ?? [])].includes(to)) {
      problems.push(`${spec}: ${layer} -> ${to} (${target}) points the wrong way`)
    }
  }
  return problems
}

describe('layers: every import points down', () => {
  it('finds the source files of every layer', () => {
    const layers = new Set(files.map(layerOf))
    for (const layer of ['shared', 'lib', 'dev', 'cli', 'workers', 'site', 'bench', 'test'] as const) {
      expect(layers.has(layer), `no file in layer ${layer}`).toBe(true)
    }
    const unplaced = files.filter((f) => layerOf(f) === null)
    expect(unplaced, 'files outside the layers (scripts/ holds only CLIs, lib/ and dev/)').toEqual([])
  })

  for (const file of files) {
    it(`${file} (${layerOf(file)})`, () => {
      expect(layerProblems(file, readFileSync(join(ROOT, file), 'utf8')), file).toEqual([])
    })
  }
})

describe('layerProblems names the arrows that point the wrong way', () => {
  const always = () => true
  it.each([
    ['site/lib/data.ts', "import { statsFromDatasetDir } from '../../scripts/stats.ts'", /CLI entry/],
    ['scripts/start.ts', "import { generateSample } from './sample.ts'", /CLI entry/],
    ['bench/site.ts', "import { startSite } from '../test/site/harness.ts'", /imports test\//],
    ['scripts/lib/dataset-dir.ts', "import { x } from '../dev/fake-hub/repo.ts'", /lib -> dev/],
    ['bench/worker.ts', "import { app } from '../workers/index.ts'", /bench -> workers/],
    ['scripts/stats.ts', "import { startFakeHub } from './dev/fake-hub.ts'", /cli -> dev/],
    ['workers/index.ts', "import { x } from '../scripts/lib/dataset-dir.ts'", /workers -> lib/],
    ['shared/trace.ts', "import { readFile } from 'node:fs/promises'", /runtime module/],
    ['shared/trace.ts', "import path from 'path'", /runtime module/],
    ['shared/trace.ts', "import { env } from 'cloudflare:workers'", /runtime module/],
    ['shared/trace.ts', "import { x } from '../site/lib/format.ts'", /shared -> site/],
  ])('%s: %s', (file, line, problem) => {
    const problems = layerProblems(file, line, always)
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(problem)
  })

  it('allows what the layers allow', () => {
    expect(
      layerProblems('scripts/start.ts', "import { startFakeHub } from './dev/fake-hub.ts'", always),
    ).toEqual([])
    expect(
      layerProblems('site/lib/data.ts', "import { x } from '../../scripts/lib/stats-pipeline.ts'", always),
    ).toEqual([])
    expect(layerProblems('test/shared/x.test.ts', "import { x } from './golden.ts'", always)).toEqual([])
    expect(layerProblems('shared/parquet.ts', "import { parquetRead } from 'hyparquet'", always)).toEqual([])
  })

  it('reports an import that does not resolve', () => {
    expect(layerProblems('bench/run.ts', "import { x } from './gone.ts'", () => false)).toEqual([
      './gone.ts: no such file',
    ])
  })
})

describe('importsOf', () => {
  it('reads static, type-only, multi-line, re-export and dynamic imports, not template literals', () => {
    const text = [
      "import { a } from './a.ts'",
      "import type { B } from '../b.ts'",
      'import {',
      '  c,',
      '  d,',
      "} from 'pkg'",
      "import './side-effect.css'",
      "export { e } from './e.ts'",
      "export * from './f.ts'",
      `const g = await ${'import'}('./g.ts')`,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the text of generated code, on purpose
      "const code = `import { logger } from './logger${ts ? '.ts' : '.js'}'`",
      " * import { h } from './in-a-comment.ts'",
      "// import { i } from './in-a-line-comment.ts'",
      'const generated = `',
      "import type { paths } from './generated-at-run-time.ts'",
      '`',
      "/* import { j } from './in-a-block-comment.ts' */",
      'const meta = import.meta.dirname',
      "export const NOT_AN_IMPORT = 'x'",
    ].join('\n')
    expect(importsOf(text).sort()).toEqual(
      ['./a.ts', '../b.ts', 'pkg', './side-effect.css', './e.ts', './f.ts', './g.ts'].sort(),
    )
  })
})
