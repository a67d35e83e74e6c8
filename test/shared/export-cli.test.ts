/**
 * The export CLI (`node scripts/export.ts`), run as a child process on a generated sample, and the shared
 * trace-list filter it applies (shared/filters.ts).
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { promisify } from 'node:util'
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXPORT_FLAGS, exportOptionsFromArgv } from '../../scripts/lib/export-flags.ts'
import { type ExportOptions, exportDataset } from '../../scripts/lib/export-pipeline.ts'
import { openLocalParquet, streamRowSlices } from '../../scripts/lib/local-parquet.ts'
import { CONFIG_PATHS, generateSample } from '../../scripts/lib/sample/generate.ts'
import { ERROR_FILTERS, ERROR_KINDS, matchesFilter, type TraceFilter } from '../../shared/filters.ts'
import { parseRow } from '../../shared/trace.ts'
import type { TraceSummary } from '../../shared/types.ts'

const ROOT = join(import.meta.dirname, '../..')
const CLI = join(ROOT, 'scripts/export.ts')
const run = promisify(execFile)

/** Run the CLI; never throws: returns the exit code and both streams. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      maxBuffer: 512 * 2 ** 20,
    })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

function lines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
}

let dir = ''
let out = ''
/** Every sample row's summary, in file order (kimi then glm-5.1). */
const summaries: TraceSummary[] = []

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hte-export-sample-'))
  out = mkdtempSync(join(tmpdir(), 'hte-export-out-'))
  await generateSample({ out: dir, rowsKimi: 60, rowsGlm: 50, seed: 7 })
  for (const { config, path } of CONFIG_PATHS) {
    const source = await openLocalParquet(join(dir, path))
    for await (const slice of streamRowSlices(source)) {
      for (const row of slice.rows) {
        summaries.push(parseRow(row, { config, dataset: 'd', revision: 'r', sample: true }).trace.summary)
      }
    }
  }
}, 60_000)

afterAll(() => {
  for (const d of [dir, out]) if (d) rmSync(d, { recursive: true, force: true })
})

const kimiFile = () => join(dir, 'data/kimi/train.parquet')
const idsWhere = (f: TraceFilter) => summaries.filter((s) => matchesFilter(s, f)).map((s) => s.id)

describe('export CLI: formats', () => {
  it('openai over one file: one line per row, id first, then messages and tools', async () => {
    const file = join(out, 'kimi.openai.jsonl')
    const r = await cli(['--file', kimiFile(), '--format', 'openai', '--out', file])
    expect(r.code, r.stderr).toBe(0)
    const rows = lines(readFileSync(file, 'utf8'))
    expect(rows.length).toBe(60)
    expect(rows.map((x) => x.id)).toEqual(summaries.filter((s) => s.config === 'kimi').map((s) => s.id))
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(['id', 'messages', 'tools'])
      expect(Array.isArray(row.messages)).toBe(true)
    }
    // One summary line on stderr: rows, bytes, seconds.
    expect(r.stderr).toMatch(
      /export: 60 rows written to .*kimi\.openai\.jsonl \(60 read, 60 matched\), [\d.]+ MB in [\d.]+ s/,
    )
    // Written under a temporary name, renamed when complete: nothing else is left behind.
    expect(readdirSync(out).filter((f) => f.includes('.partial-'))).toEqual([])
  })

  it('every format over a dataset dir, to stdout: each line carries its config', async () => {
    const expected: Record<string, string[]> = {
      'openai-raw': ['messages'],
      sharegpt: ['conversations', 'tools', 'category', 'subcategory', 'task'],
      sts: ['lines'],
    }
    const results = await Promise.all(
      Object.keys(expected).map((format) => cli(['--dataset-dir', dir, '--format', format, '--quiet'])),
    )
    for (const [k, [format, fields]] of Object.entries(expected).entries()) {
      const r = results[k]!
      expect(r.code, r.stderr).toBe(0)
      const rows = lines(r.stdout)
      expect(rows.length, format).toBe(110)
      expect(rows.map((x) => x.id)).toEqual(summaries.map((s) => s.id))
      expect(rows.map((x) => x.config)).toEqual(summaries.map((s) => s.config))
      for (const row of rows) expect(Object.keys(row)).toEqual(['id', 'config', ...fields])
    }
  })

  it('sharegpt lines are dataset rows again', async () => {
    const r = await cli(['--file', kimiFile(), '--format', 'sharegpt', '--limit', '3', '--quiet'])
    expect(r.code, r.stderr).toBe(0)
    for (const row of lines(r.stdout)) {
      const { trace } = parseRow(row, { config: 'kimi', dataset: 'd', revision: 'r', sample: true })
      expect(trace.summary).toEqual(summaries.find((s) => s.id === row.id))
    }
  })

  it('parquet output: id, config and one column per field; sharegpt keeps the dataset schema', async () => {
    const file = join(out, 'all.sharegpt.parquet')
    const r = await cli([
      '--dataset-dir',
      dir,
      '--format',
      'sharegpt',
      '--output-format',
      'parquet',
      '--out',
      file,
    ])
    expect(r.code, r.stderr).toBe(0)
    const buffer = await asyncBufferFromFile(file)
    const metadata = await parquetMetadataAsync(buffer)
    expect(Number(metadata.num_rows)).toBe(110)
    const rows = await parquetReadObjects({ file: buffer, metadata, rowStart: 0, rowEnd: 2 })
    expect(Object.keys(rows[0]!)).toEqual([
      'id',
      'config',
      'conversations',
      'tools',
      'category',
      'subcategory',
      'task',
    ])
    expect(Array.isArray(rows[0]!.conversations)).toBe(true)
    expect(rows[0]!.conversations[0]).toMatchObject({ from: 'system' })
    expect(typeof rows[0]!.tools).toBe('string')

    const openai = join(out, 'kimi.openai.parquet')
    const r2 = await cli([
      '--file',
      kimiFile(),
      '--output-format',
      'parquet',
      '--out',
      openai,
      '--limit',
      '4',
    ])
    expect(r2.code, r2.stderr).toBe(0)
    const b2 = await asyncBufferFromFile(openai)
    const rows2 = await parquetReadObjects({ file: b2 })
    expect(rows2.length).toBe(4)
    expect(Object.keys(rows2[0]!)).toEqual(['id', 'messages', 'tools'])
    expect(Array.isArray(JSON.parse(rows2[0]!.messages as string))).toBe(true)
  })
})

describe('filters', () => {
  /** Ids `exportDataset` writes for `filter`, in process (the CLI's own code path, without a process start). */
  async function exported(filter: TraceFilter, extra: Partial<ExportOptions> = {}): Promise<string[]> {
    const sink = new PassThrough()
    let text = ''
    sink.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8')
    })
    const result = await exportDataset({
      datasetDir: dir,
      format: 'openai-raw',
      filter,
      out: sink,
      quiet: true,
      ...extra,
    })
    const ids = lines(text).map((x) => x.id as string)
    expect(result.rows).toBe(ids.length)
    expect(result.read).toBeGreaterThanOrEqual(ids.length)
    return ids
  }

  const cases: TraceFilter[] = [
    { error: 'none' },
    { error: 'any' },
    { error: 'seed', minCalls: 5 },
    { error: 'nonzero_exit' },
    { tool: 'terminal' },
    { tool: 'terminal', error: 'any' },
    { minMessages: 20, maxMessages: 40 },
    { minParallel: 2 },
    { maxCalls: 8 },
    { config: 'glm-5.1' },
  ]
  for (const filter of cases) {
    it(`${JSON.stringify(filter)} keeps exactly the matching rows`, async () => {
      const expected = idsWhere(filter)
      expect(expected.length).toBeGreaterThan(0)
      expect(expected.length).toBeLessThan(summaries.length)
      expect(await exported(filter)).toEqual(expected)
    })
  }

  it('category, subcategory, q and limit', async () => {
    const first = summaries[0]!
    const word = first.task.split(' ')[0]!.toUpperCase()
    expect(await exported({ category: first.category })).toEqual(idsWhere({ category: first.category }))
    expect(await exported({ subcategory: first.subcategory })).toEqual(
      idsWhere({ subcategory: first.subcategory }),
    )
    const q = await exported({ q: word })
    expect(q).toEqual(idsWhere({ q: word }))
    expect(q.length).toBeGreaterThan(0)
    expect(await exported({}, { limit: 7 })).toEqual(summaries.slice(0, 7).map((s) => s.id))
  })

  it('every filter flag maps to its TraceFilter field', () => {
    const options = exportOptionsFromArgv([
      '--dataset-dir',
      'd',
      '--category',
      'C',
      '--subcategory',
      'S',
      '--tool',
      'terminal',
      '--error',
      'timeout',
      '--min-messages',
      '1',
      '--max-messages',
      '2',
      '--min-calls',
      '3',
      '--max-calls',
      '4',
      '--min-parallel',
      '5',
      '--q',
      'word',
      '--limit',
      '6',
    ])
    expect(options.filter).toEqual({
      category: 'C',
      subcategory: 'S',
      tool: 'terminal',
      error: 'timeout',
      minMessages: 1,
      maxMessages: 2,
      minCalls: 3,
      maxCalls: 4,
      minParallel: 5,
      q: 'word',
    })
    expect(options.limit).toBe(6)
    expect(exportOptionsFromArgv(['--file', 'f']).filter).toEqual({})
  })

  it('through the CLI: several filter flags at once', async () => {
    const first = summaries.find((s) => s.toolErrors > 0 && s.config === 'kimi')!
    const filter: TraceFilter = { tool: 'terminal', error: 'any', minCalls: 2, category: first.category }
    const args = ['--tool', 'terminal', '--error', 'any', '--min-calls', '2', '--category', first.category]
    const r = await cli(['--dataset-dir', dir, '--format', 'openai-raw', '--quiet', ...args])
    expect(r.code, r.stderr).toBe(0)
    const expected = idsWhere(filter)
    expect(lines(r.stdout).map((x) => x.id)).toEqual(expected)
    expect(r.stderr).toContain(`${expected.length} rows written`)
    expect(r.stderr).toContain(`${expected.length} matched`)
  })
})

describe('export CLI: --tokenize', () => {
  it('writes equal-length input_ids and labels with consistent counts', async () => {
    const file = join(out, 'tok.jsonl')
    const r = await cli(['--dataset-dir', dir, '--tokenize', '--limit', '70', '--out', file])
    expect(r.code, r.stderr).toBe(0)
    const rows = lines(readFileSync(file, 'utf8'))
    expect(rows.length).toBe(70)
    let tokens = 0
    let trainable = 0
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(['id', 'config', 'input_ids', 'labels', 'n_tokens', 'n_trainable'])
      const ids = row.input_ids as number[]
      const labels = row.labels as number[]
      expect(labels.length).toBe(ids.length)
      expect(row.n_tokens).toBe(ids.length)
      expect(row.n_trainable).toBe(labels.filter((l) => l !== -100).length)
      expect(row.n_trainable).toBeGreaterThan(0)
      for (const [i, l] of labels.entries()) if (l !== -100) expect(l).toBe(ids[i])
      tokens += ids.length
      trainable += row.n_trainable as number
    }
    const share = ((100 * trainable) / tokens).toFixed(1)
    expect(r.stderr).toContain(`${tokens} tokens, ${trainable} trainable (${share}%)`)
  })

  it('--max-len, --no-think-loss and --verify; parquet holds list<int32> columns', async () => {
    const file = join(out, 'tok.parquet')
    const args = [
      '--file',
      kimiFile(),
      '--tokenize',
      '--max-len',
      '4096',
      '--no-think-loss',
      '--limit',
      '5',
      '--verify',
    ]
    const r = await cli([...args, '--output-format', 'parquet', '--out', file])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/5 rows truncated/)
    const rows = await parquetReadObjects({ file: await asyncBufferFromFile(file) })
    expect(rows.length).toBe(5)
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(['id', 'input_ids', 'labels', 'n_tokens', 'n_trainable'])
      const ids = row.input_ids as number[]
      const labels = row.labels as number[]
      expect(ids.length).toBe(4096)
      expect(labels.length).toBe(4096)
      expect(row.n_tokens).toBe(4096)
      // <think> / </think> are never trained with --no-think-loss.
      for (const [i, id] of ids.entries()) if (id === 151667 || id === 151668) expect(labels[i]).toBe(-100)
    }
  })
})

describe('export CLI: --help', () => {
  it('prints every flag on stdout and exits 0 without exporting', async () => {
    for (const args of [['--help'], ['-h', '--format', 'sharegpt']]) {
      const r = await cli(args)
      expect(r.code, r.stderr).toBe(0)
      expect(r.stderr).toBe('')
      expect(r.stdout).toMatch(/^usage: npm run export -- /)
      for (const flag of Object.keys(EXPORT_FLAGS)) expect(r.stdout).toContain(`--${flag}`)
      for (const filter of ERROR_FILTERS) expect(r.stdout).toMatch(new RegExp(`[ |]${filter}( |$)`, 'm'))
      expect(Math.max(...r.stdout.split('\n').map((l) => l.length))).toBeLessThanOrEqual(120)
    }
  })
})

describe('export CLI: errors name the bad value and exit 1', () => {
  const cases: [string[], RegExp][] = [
    [['--bogus'], /unknown flag "--bogus"/],
    [['--format', 'xml'], /unknown format "xml"/],
    [['--output-format', 'csv'], /unknown output format "csv"/],
    [['--error', 'nope'], /unknown error filter "nope"/],
  ]
  let results: Promise<Awaited<ReturnType<typeof cli>>[]>
  beforeAll(() => {
    results = Promise.all(cases.map(([args]) => cli(['--dataset-dir', dir, ...args])))
  })
  for (const [k, [args, message]] of cases.entries()) {
    it(args.join(' '), async () => {
      const r = (await results)[k]!
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(message)
      expect(r.stdout).toBe('')
    })
  }

  it('a missing file or no input at all', async () => {
    const [missing, none] = await Promise.all([cli(['--file', join(dir, 'nope.parquet')]), cli([])])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/cannot open .*nope\.parquet/)
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/--file .* or --dataset-dir/)
  })

  it('bad values and combinations (in process)', async () => {
    const cases: [string[], RegExp][] = [
      [['--config', 'kimii'], /unknown config "kimii"/],
      [['--limit', 'ten'], /--limit.*"ten"/],
      [['--output-format', 'parquet'], /parquet needs --out FILE/],
      [['--max-len', '100'], /--max-len needs --tokenize/],
      [['--no-think-loss'], /--no-think-loss needs --tokenize/],
      [['--tokenize', '--format', 'sts'], /cannot be combined with --format sts/],
      [['--file', 'x.parquet'], /either --file or --dataset-dir/],
      [['--out', join(out, 'no/such/dir/x.jsonl')], /no directory/],
    ]
    for (const [args, message] of cases) {
      const run = async () =>
        exportDataset({ ...exportOptionsFromArgv(['--dataset-dir', dir, ...args]), quiet: true })
      await expect(run(), args.join(' ')).rejects.toThrow(message)
    }
  })
})

describe('matchesFilter (shared with GET /api/traces)', () => {
  const base: TraceSummary = {
    id: 'x',
    config: 'kimi',
    category: 'Terminal & Coding',
    subcategory: 'Debugging',
    task: 'Fix the Failing build',
    messages: 10,
    gptTurns: 4,
    toolCalls: 6,
    parallelTurns: 1,
    maxParallel: 3,
    malformedCalls: 0,
    toolErrors: 2,
    seedError: true,
    tools: { terminal: 4, read_file: 2, zero: 0 },
    thinkChars: 0,
    answerChars: 0,
    humanTurns: 1,
    warnings: 0,
    errorKinds: { timeout: 1, nonzero_exit: 1 },
    failedTools: { terminal: 2 },
  }
  const yes = (f: TraceFilter, s: Partial<TraceSummary> = {}) =>
    expect(matchesFilter({ ...base, ...s }, f)).toBe(true)
  const no = (f: TraceFilter, s: Partial<TraceSummary> = {}) =>
    expect(matchesFilter({ ...base, ...s }, f)).toBe(false)

  it('exact labels, inclusive bounds, case-insensitive task substring', () => {
    yes({})
    yes({ config: 'kimi', category: 'Terminal & Coding', subcategory: 'Debugging' })
    no({ config: 'glm-5.1' })
    no({ category: 'terminal & coding' })
    no({ subcategory: 'Debug' })
    yes({ minMessages: 10, maxMessages: 10, minCalls: 6, maxCalls: 6, minParallel: 3 })
    no({ minMessages: 11 })
    no({ maxMessages: 9 })
    no({ minCalls: 7 })
    no({ maxCalls: 5 })
    no({ minParallel: 4 })
    yes({ q: 'failing BUILD' })
    no({ q: 'passing' })
  })

  it('tool, error and their combination', () => {
    yes({ tool: 'terminal' })
    no({ tool: 'patch' })
    no({ tool: 'zero' })
    no({ tool: 'toString' })
    yes({ tool: 'terminal', error: 'any' })
    no({ tool: 'read_file', error: 'any' })
    yes({ error: 'any' })
    no({ error: 'none' })
    yes({ error: 'none' }, { toolErrors: 0 })
    no({ error: 'any' }, { toolErrors: 0 })
    yes({ error: 'seed' })
    no({ error: 'seed' }, { seedError: false })
    yes({ error: 'timeout' })
    no({ error: 'permission' })
    // tool + another error value: both conditions hold independently.
    yes({ tool: 'read_file', error: 'timeout' })
    no({ tool: 'patch', error: 'timeout' })
    no({ tool: 'terminal', error: 'none' })
    // All filters AND.
    no({ tool: 'terminal', error: 'any', category: 'Other' })
  })

  it('lists every error value', () => {
    expect(ERROR_FILTERS.slice(0, 3)).toEqual(['any', 'none', 'seed'])
    expect(ERROR_FILTERS.slice(3)).toEqual([...ERROR_KINDS])
    expect(ERROR_KINDS).toContain('missing_response')
  })
})
