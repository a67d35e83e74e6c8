/**
 * "Traces exact, stats exact" for the memory bench: what the Worker answered, against values computed in Node
 * straight from the same parquet file by other code paths.
 *   - Traces: hyparquet reads the rows whole-chunk (bench/reference-traces.ts, in a child process with its own
 *     heap), `traceFromRow` (shared/trace.ts) makes the documents.
 *   - Stats: the stats CLI (`node scripts/stats.ts --file F --config C --revision SHA`, worker threads).
 * Both are cached under `.cache/bench-memory`, keyed by the file (path, size, mtime), the revision and the rows.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import type { Trace } from '../../shared/types.ts'

const ROOT = join(import.meta.dirname, '../..')
const CACHE = join(ROOT, '.cache/bench-memory')
/** Heap of the reference child: a one-row-group file is decoded whole by hyparquet (every string at once). */
const REFERENCE_HEAP_MB = 12_288

function cacheKey(parts: string[]): string {
  return createHash('sha1').update(parts.join('\0')).digest('hex').slice(0, 16)
}

function fileKey(file: string): string {
  const st = statSync(file)
  return `${file}\0${st.size}\0${st.mtimeMs}`
}

/** Provenance the Worker reports for the served files (the stand-in's sha; the sample card's flag). */
export interface ReferenceContext {
  dataset: string
  revision: string
  sample: boolean
  config: string
}

/** The replay documents of `rows` computed from `file` by hyparquet + traceFromRow (id -> Trace). */
export function referenceTraces(
  file: string,
  ctx: ReferenceContext,
  rows: { row: number; id: string }[],
): { traces: Record<string, Trace>; seconds: number; cached: boolean } {
  const key = cacheKey([
    'v1',
    fileKey(file),
    JSON.stringify(ctx),
    rows.map((r) => `${r.row}:${r.id}`).join(','),
  ])
  const out = join(CACHE, `reference-traces-${key}.json`)
  if (existsSync(out)) return { traces: JSON.parse(readFileSync(out, 'utf8')), seconds: 0, cached: true }
  mkdirSync(CACHE, { recursive: true })
  const request = join(CACHE, `reference-request-${key}.json`)
  writeFileSync(request, JSON.stringify({ file, ...ctx, rows }))
  const t = performance.now()
  const run = spawnSync(
    process.execPath,
    [
      `--max-old-space-size=${REFERENCE_HEAP_MB}`,
      join(ROOT, 'bench/reference-traces.ts'),
      request,
      `${out}.partial`,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] },
  )
  rmSync(request, { force: true })
  if (run.status !== 0) {
    rmSync(`${out}.partial`, { force: true })
    throw new Error(
      `bench/reference-traces.ts failed (exit ${run.status ?? run.signal}): ${run.stderr.trim()}`,
    )
  }
  writeFileSync(out, readFileSync(`${out}.partial`))
  rmSync(`${out}.partial`, { force: true })
  return {
    traces: JSON.parse(readFileSync(out, 'utf8')),
    seconds: Math.round((performance.now() - t) / 100) / 10,
    cached: false,
  }
}

/** The stats CLI's Stats JSON text for one config of `file` at `revision` (the CLI's own stdout). */
export function cliStats(
  file: string,
  config: string,
  revision: string,
): { text: string; seconds: number; cached: boolean } {
  const key = cacheKey(['v1', fileKey(file), config, revision])
  const out = join(CACHE, `cli-stats-${key}.json`)
  if (existsSync(out)) return { text: readFileSync(out, 'utf8'), seconds: 0, cached: true }
  const t = performance.now()
  const args = ['--file', file, '--config', config, '--revision', revision, '--quiet']
  const run = spawnSync(process.execPath, [join(ROOT, 'scripts/stats.ts'), ...args], {
    encoding: 'utf8',
    maxBuffer: 1024 * 2 ** 20,
  })
  if (run.status !== 0)
    throw new Error(
      `node scripts/stats.ts ${args.join(' ')} failed (exit ${run.status}): ${run.stderr.trim()}`,
    )
  JSON.parse(run.stdout) // a Stats document, or throw here rather than report a difference later
  mkdirSync(CACHE, { recursive: true })
  writeFileSync(out, run.stdout)
  return { text: run.stdout, seconds: Math.round((performance.now() - t) / 100) / 10, cached: false }
}

/** Equal JSON values, or the path of the first difference and both values there (shortened). */
export function jsonDifference(actual: unknown, expected: unknown, path = '$'): string | null {
  if (isDeepStrictEqual(actual, expected)) return null
  const short = (v: unknown) => {
    const s = JSON.stringify(v) ?? 'undefined'
    return s.length > 120 ? `${s.slice(0, 120)}…` : s
  }
  if (
    actual &&
    expected &&
    typeof actual === 'object' &&
    typeof expected === 'object' &&
    Array.isArray(actual) === Array.isArray(expected)
  ) {
    const a = actual as Record<string, unknown>
    const e = expected as Record<string, unknown>
    for (const k of new Set([...Object.keys(e), ...Object.keys(a)])) {
      if (!(k in a)) return `${path}.${k}: missing (expected ${short(e[k])})`
      if (!(k in e)) return `${path}.${k}: unexpected ${short(a[k])}`
      const d = jsonDifference(a[k], e[k], `${path}.${k}`)
      if (d) return d
    }
  }
  return `${path}: ${short(actual)}, expected ${short(expected)}`
}
