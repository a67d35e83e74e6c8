/**
 * Token numbers of the site, computed at build time in Node with the Qwen3 tokenizer and chat template of
 * `scripts/lib/tokenize.ts` (the same code as the tokenized export, `npm run export -- --tokenize`):
 *
 * - per config, over the first `HTE_TOKEN_ROWS` rows (default 40): tokens per `<think>` block, per tool call
 *   (the call's raw payload text) and per final answer (assistant turns without calls), and over the rows'
 *   tokenized training examples: tokens per example and the trainable share (labels that are not -100), with
 *   the reasoning trained and with `noThinkLoss`;
 * - the training mask of a bounded set of traces (`MAX_MASKS`: the longest trace of each config, the first 3
 *   rows of each config, then the traces the report, tool and category pages link to as examples), written
 *   by `pages/masks/[id].json.ts` as `/masks/<id>.json` for the trace viewer.
 *
 * Bounded on purpose: the tokenizer encodes ~1 MB/s, and a config of the real dataset is ~500 MB, so nothing
 * here reads more than the first rows of a file plus one row per selected trace (the digest records each
 * example's row index). Everything is computed once per build (memoised on `globalThis`, like data.ts).
 */
import { join } from 'node:path'
import { readDatasetDir } from '../../scripts/lib/dataset-dir.ts'
import { openLocalParquet, streamRowSlices } from '../../scripts/lib/local-parquet.ts'
import {
  type ChatTokenizer,
  countTrainable,
  loadTokenizer,
  type SegmentPart,
  type TokenizedExample,
  tokenizeTrace,
} from '../../scripts/lib/tokenize.ts'
import { pyLen } from '../../shared/pyjson.ts'
import { parseRow, type RowContext } from '../../shared/trace.ts'
import type { Role, Trace } from '../../shared/types.ts'
import { relativeText } from './compare.ts'
import { datasetDir, loadDigest, loadStats } from './data.ts'
import { type Digest, refOf, type TraceRef } from './digest.ts'
import { configLabel, fmtInt, fmtNum, fmtPct } from './format.ts'

/** Rows per config the token statistics read when `HTE_TOKEN_ROWS` is unset. */
export const DEFAULT_TOKEN_ROWS = 40
/** At most this many traces get a precomputed mask. */
export const MAX_MASKS = 30
/** The first rows of each config that always get a mask. */
const FIRST_ROWS_WITH_MASK = 3
/** Token pieces listed per mask file (the mask ranges and per-message counts always cover every token). */
export const MAX_TOKEN_PIECES = 4000
/**
 * The system prompt (Hermes tool listing plus the template's `# Tools` listing) is 5-11k tokens, so the first
 * 4,000 tokens would all be masked system text: the piece list keeps the system prompt's first
 * `SYSTEM_HEAD` and last `SYSTEM_TAIL` tokens and spends the rest on the messages after it.
 */
const SYSTEM_HEAD = 48
const SYSTEM_TAIL = 8

/** Rows per config to measure: `HTE_TOKEN_ROWS`, default 40; 0 turns the statistics off. */
export function tokenRows(): number {
  const raw = process.env.HTE_TOKEN_ROWS
  if (raw === undefined || raw.trim() === '') return DEFAULT_TOKEN_ROWS
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 0) {
    throw new Error(`HTE_TOKEN_ROWS must be a non-negative integer, got "${raw}"`)
  }
  return n
}

/** Mean and exact quantiles of a small list of token counts. */
export interface TokenSummary {
  count: number
  sum: number
  mean: number
  /** Nearest-rank quantiles over the measured values. */
  p50: number
  p90: number
  max: number
}

/** Token numbers of one config. */
export interface ConfigTokens {
  config: string
  /** Rows measured (the first ones of the file). */
  rows: number
  /** Tokens per non-empty `<think>` block (its trimmed text, encoded on its own). */
  think: TokenSummary
  /** Tokens per tool call (the raw payload between the `<tool_call>` tags). */
  call: TokenSummary
  /** Tokens per final answer (assistant turns without calls that have text). */
  answer: TokenSummary
  /** Characters (Python `len`) of the same blocks, calls and answers: the chars-per-token ratios. */
  chars: { think: number; call: number; answer: number }
  /** Tokens per tokenized example (the whole row rendered with the chat template). */
  example: TokenSummary
  /** Trained tokens over all examples (reasoning trained). */
  trainable: number
  /** Trained tokens with `noThinkLoss` (the `<think>…</think>` blocks masked too). */
  trainableNoThink: number
  /** Rows whose tokenization failed (left out of every number). */
  failed: number
}

/** Why a trace has a mask (what links to it). */
export type MaskReason = 'longest' | 'first' | 'example'

/** A trace with a precomputed mask, for lists of links. */
export interface MaskRef extends TraceRef {
  reason: MaskReason
  /** Tokens of the example. */
  total: number
  trainable: number
}

/** Token counts of one message of the trace in its tokenized example. */
export interface MaskMessage {
  /** Index in `trace.messages`; -1 for template text that belongs to no message. */
  message: number
  /** The dataset's role (`system`, `human`, `gpt`, `tool`), `template` for message -1. */
  role: Role | 'template'
  tokens: number
  /** True when any of its tokens is trained. */
  trained: boolean
  trainedTokens: number
}

/** `/masks/<id>.json`: the training mask of one trace. */
export interface TraceMask {
  id: string
  config: string
  /** The tokenizer and template that produced it. */
  tokenizer: string
  /** Tokens of the example (no truncation: the whole conversation). */
  total: number
  /** Trained tokens (labels = input ids); every other label is -100. */
  trainable: number
  /** Trained tokens when the `<think>` blocks are masked too (`noThinkLoss`). */
  trainableNoThink: number
  /** True when `tokens` lists only part of the example (see `windows`). */
  truncated: boolean
  /** Per message of the trace, in order (plus template text, message -1, when there is any). */
  messages: MaskMessage[]
  /** The whole mask, run-length encoded: `[start, end, trained]`, contiguous over `[0, total)`. */
  mask: [number, number, boolean][]
  /** Token ranges by message and part: `[start, end, message, part]`, contiguous over `[0, total)`. */
  segments: [number, number, number, SegmentPart][]
  /** The token ranges `tokens` covers, in order: `[start, end)` each, at most `MAX_TOKEN_PIECES` tokens. */
  windows: [number, number][]
  /**
   * Text of each listed token, decoded on its own (special tokens kept). A character split over several
   * byte-level tokens is given whole to the first of them; the others are "".
   */
  tokens: string[]
  /** What is left out, in words. */
  note: string
}

/** Everything this module computes for one build. */
export interface TokenReport {
  tokenizer: string
  /** Rows measured per config (`HTE_TOKEN_ROWS`). */
  rowsPerConfig: number
  /** In the card's order. */
  configs: ConfigTokens[]
  /** Traces with a mask, in the order they were chosen. */
  masks: MaskRef[]
  /** Milliseconds the whole computation took (tokenizer load included). */
  ms: number
}

interface Memo {
  dir: string
  rows: number
  report?: Promise<{ report: TokenReport; files: Map<string, TraceMask> }>
}

const MEMO_KEY = Symbol.for('hermes-trace-explorer.site-tokens')

function memo(): Memo {
  const g = globalThis as unknown as Record<symbol, Memo | undefined>
  const dir = datasetDir()
  const rows = tokenRows()
  let m = g[MEMO_KEY]
  if (!m || m.dir !== dir || m.rows !== rows) {
    m = { dir, rows }
    g[MEMO_KEY] = m
  }
  return m
}

/** The token statistics and the list of traces with a mask (computed once per build). */
export async function loadTokenReport(): Promise<TokenReport> {
  return (await computeOnce()).report
}

/** The mask file of every trace that has one, by id (computed once per build). */
export async function loadTraceMasks(): Promise<Map<string, TraceMask>> {
  return (await computeOnce()).files
}

function computeOnce(): Promise<{ report: TokenReport; files: Map<string, TraceMask> }> {
  const m = memo()
  m.report ??= computeTokens(m.dir, m.rows)
  return m.report
}

// ---- Numbers ---------------------------------------------------------------------------------------

/** Mean and nearest-rank p50 / p90 of `values` (sorted in place). */
export function summarizeTokens(values: number[]): TokenSummary {
  const n = values.length
  if (n === 0) return { count: 0, sum: 0, mean: 0, p50: 0, p90: 0, max: 0 }
  values.sort((a, b) => a - b)
  let sum = 0
  for (const v of values) sum += v
  const rank = (q: number) => values[Math.max(0, Math.ceil(q * n) - 1)] as number
  return { count: n, sum, mean: sum / n, p50: rank(0.5), p90: rank(0.9), max: values[n - 1] as number }
}

/** Trained tokens inside `<think>` blocks (what `noThinkLoss` masks in addition). */
function thinkTrained(example: TokenizedExample): number {
  let n = 0
  for (const s of example.segments) if (s.part === 'think' && s.trained) n += s.end - s.start
  return n
}

/** Accumulates one config's numbers row by row. */
class ConfigAccumulator {
  think: number[] = []
  call: number[] = []
  answer: number[] = []
  example: number[] = []
  chars = { think: 0, call: 0, answer: 0 }
  trainable = 0
  trainableNoThink = 0
  rows = 0
  failed = 0

  readonly config: string
  readonly tokenizer: ChatTokenizer

  constructor(config: string, tokenizer: ChatTokenizer) {
    this.config = config
    this.tokenizer = tokenizer
  }

  /** Add one row; returns its tokenized example (null when it cannot be tokenized). */
  add(trace: Trace): TokenizedExample | null {
    let example: TokenizedExample
    try {
      example = tokenizeTrace(trace, { tokenizer: this.tokenizer })
    } catch {
      this.failed++
      return null
    }
    this.rows++
    const encode = this.tokenizer.encode
    for (const step of trace.steps) {
      for (const thought of step.thoughts) {
        if (thought === '') continue
        this.think.push(encode(thought).length)
        this.chars.think += pyLen(thought)
      }
      for (const call of step.calls) {
        this.call.push(encode(call.raw).length)
        this.chars.call += pyLen(call.raw)
      }
      if (step.calls.length === 0 && step.answer !== '') {
        this.answer.push(encode(step.answer).length)
        this.chars.answer += pyLen(step.answer)
      }
    }
    const trained = countTrainable(example.labels)
    this.example.push(example.input_ids.length)
    this.trainable += trained
    this.trainableNoThink += trained - thinkTrained(example)
    return example
  }

  result(): ConfigTokens {
    return {
      config: this.config,
      rows: this.rows,
      think: summarizeTokens(this.think),
      call: summarizeTokens(this.call),
      answer: summarizeTokens(this.answer),
      chars: this.chars,
      example: summarizeTokens(this.example),
      trainable: this.trainable,
      trainableNoThink: this.trainableNoThink,
      failed: this.failed,
    }
  }
}

// ---- Masks -----------------------------------------------------------------------------------------

/**
 * The traces that get a mask, at most `MAX_MASKS`, in priority order: the longest trace of each config, the
 * first rows of each config, then the examples the report, tool and category pages link to.
 */
export function maskCandidates(
  digest: Digest,
  firstRows: Map<string, TraceRef[]>,
): { ref: TraceRef; reason: MaskReason }[] {
  const out: { ref: TraceRef; reason: MaskReason }[] = []
  const seen = new Set<string>()
  const push = (ref: TraceRef | null | undefined, reason: MaskReason) => {
    if (!ref || seen.has(ref.id) || out.length >= MAX_MASKS) return
    seen.add(ref.id)
    out.push({ ref, reason })
  }
  for (const config of digest.configs) push(digest.longestByConfig[config], 'longest')
  push(digest.longest, 'longest')
  for (const config of digest.configs) for (const ref of firstRows.get(config) ?? []) push(ref, 'first')
  // Examples: one per category and config first (every category page links one with a mask), then the
  // tools' examples and failing rows, then everything else the pages list.
  const categories = Object.values(digest.categories).map((c) => c.traces)
  const tools = Object.values(digest.tools)
  const onePerConfig = (lists: TraceRef[][]) => {
    for (const list of lists) {
      for (const config of digest.configs) {
        const first = list.find((t) => t.config === config)
        push(first, 'example')
      }
    }
  }
  onePerConfig(categories)
  onePerConfig(tools.map((t) => t.traces))
  for (const list of [...tools.map((t) => t.failing), ...categories, ...tools.map((t) => t.traces)]) {
    for (const ref of list) push(ref, 'example')
  }
  return out
}

/** Text of each token; characters split over byte-level tokens go whole to the first token of the run. */
export function tokenPieces(tokenizer: ChatTokenizer, ids: readonly number[]): string[] {
  const out: string[] = []
  let i = 0
  while (i < ids.length) {
    const one = tokenizer.decode([ids[i] as number])
    if (!one.includes('\uFFFD')) {
      out.push(one)
      i++
      continue
    }
    // A UTF-8 character is at most 4 bytes, so at most 4 byte-level tokens complete it.
    let run = 1
    let text = one
    for (let k = 2; k <= 4 && i + k <= ids.length; k++) {
      const t = tokenizer.decode(ids.slice(i, i + k))
      if (!t.includes('\uFFFD')) {
        run = k
        text = t
        break
      }
    }
    out.push(text)
    for (let k = 1; k < run; k++) out.push('')
    i += run
  }
  return out
}

/**
 * Which tokens the mask file lists: the first `MAX_TOKEN_PIECES`, except that a long system prompt is cut
 * to its head and tail so the list reaches the conversation.
 */
export function pieceWindows(example: TokenizedExample, max = MAX_TOKEN_PIECES): [number, number][] {
  const total = example.input_ids.length
  if (total <= max) return total > 0 ? [[0, total]] : []
  let systemEnd = 0
  for (const s of example.segments) {
    if (s.role !== 'system') break
    systemEnd = s.end
  }
  if (systemEnd <= SYSTEM_HEAD + SYSTEM_TAIL + 1) return [[0, max]]
  const tailStart = systemEnd - SYSTEM_TAIL
  return [
    [0, SYSTEM_HEAD],
    [tailStart, Math.min(total, tailStart + max - SYSTEM_HEAD)],
  ]
}

/** The mask file of one trace from its tokenized example. */
export function traceMask(trace: Trace, example: TokenizedExample, tokenizer: ChatTokenizer): TraceMask {
  const total = example.input_ids.length
  const trainable = countTrainable(example.labels)
  const perMessage = new Map<number, MaskMessage>()
  for (const [i, m] of trace.messages.entries()) {
    perMessage.set(i, { message: i, role: m.from, tokens: 0, trained: false, trainedTokens: 0 })
  }
  const mask: [number, number, boolean][] = []
  const segments: [number, number, number, SegmentPart][] = []
  for (const s of example.segments) {
    let entry = perMessage.get(s.message)
    if (!entry) {
      entry = { message: s.message, role: 'template', tokens: 0, trained: false, trainedTokens: 0 }
      perMessage.set(s.message, entry)
    }
    const n = s.end - s.start
    entry.tokens += n
    if (s.trained) {
      entry.trained = true
      entry.trainedTokens += n
    }
    segments.push([s.start, s.end, s.message, s.part])
    const last = mask.at(-1)
    if (last && last[2] === s.trained && last[1] === s.start) last[1] = s.end
    else mask.push([s.start, s.end, s.trained])
  }
  const windows = pieceWindows(example)
  const tokens: string[] = []
  for (const [a, b] of windows) tokens.push(...tokenPieces(tokenizer, example.input_ids.slice(a, b)))
  const listed = tokens.length
  const truncated = listed < total
  const note = truncated
    ? `Lists the text of ${fmtInt(listed)} of ${fmtInt(total)} tokens (${windows.map(([a, b]) => `${a}–${b}`).join(', ')}) to keep the file small; the mask and the per-message counts cover every token.`
    : `Lists every token of the example.`
  return {
    id: trace.id,
    config: trace.config,
    tokenizer: tokenizer.name,
    total,
    trainable,
    trainableNoThink: trainable - thinkTrained(example),
    truncated,
    messages: [...perMessage.values()].sort((x, y) => x.message - y.message),
    mask,
    segments,
    windows,
    tokens,
    note,
  }
}

// ---- The pass --------------------------------------------------------------------------------------

async function computeTokens(
  dir: string,
  rowsPerConfig: number,
): Promise<{ report: TokenReport; files: Map<string, TraceMask> }> {
  const t0 = performance.now()
  const [set, digest, described, tokenizer] = await Promise.all([
    loadStats(),
    loadDigest(),
    readDatasetDir(dir),
    loadTokenizer(),
  ])
  const firstRows = new Map<string, TraceRef[]>()
  const accumulators: ConfigAccumulator[] = []
  const sources = new Map<string, Awaited<ReturnType<typeof openLocalParquet>>>()
  const keepFirst = Math.max(rowsPerConfig, FIRST_ROWS_WITH_MASK)

  // 1. The first rows of each config: statistics, and the traces themselves for the first-row masks.
  const firstTraces = new Map<string, { trace: Trace; example: TokenizedExample | null }>()
  for (const config of described.configs) {
    const source = await openLocalParquet(join(dir, config.path))
    sources.set(config.name, source)
    const ctx: RowContext = {
      config: config.name,
      dataset: set.dataset,
      revision: set.revision,
      sample: set.sample,
    }
    const acc = new ConfigAccumulator(config.name, tokenizer)
    accumulators.push(acc)
    const refs: TraceRef[] = []
    firstRows.set(config.name, refs)
    const end = Math.min(source.rows, keepFirst)
    for await (const slice of streamRowSlices(source, { range: { start: 0, end } })) {
      for (const [k, row] of slice.rows.entries()) {
        const at = slice.range.start + k
        const { trace } = parseRow(row, ctx)
        const example = at < rowsPerConfig ? acc.add(trace) : null
        if (at < FIRST_ROWS_WITH_MASK) {
          refs.push(refOf(trace.summary, at))
          firstTraces.set(trace.id, { trace, example })
        }
      }
    }
  }

  // 2. The masks: first rows from step 1, every other chosen trace read on its own (one row each).
  const chosen = maskCandidates(digest, firstRows)
  const files = new Map<string, TraceMask>()
  const masks: MaskRef[] = []
  for (const { ref, reason } of chosen) {
    let found = firstTraces.get(ref.id)
    if (!found) {
      const source = sources.get(ref.config)
      if (!source) continue
      const ctx: RowContext = {
        config: ref.config,
        dataset: set.dataset,
        revision: set.revision,
        sample: set.sample,
      }
      for await (const slice of streamRowSlices(source, { range: { start: ref.row, end: ref.row + 1 } })) {
        const row = slice.rows[0]
        if (row) found = { trace: parseRow(row, ctx).trace, example: null }
      }
      if (!found || found.trace.id !== ref.id) continue
    }
    let example = found.example
    if (!example) {
      try {
        example = tokenizeTrace(found.trace, { tokenizer })
      } catch {
        continue
      }
    }
    const file = traceMask(found.trace, example, tokenizer)
    files.set(ref.id, file)
    masks.push({ ...ref, reason, total: file.total, trainable: file.trainable })
  }

  return {
    report: {
      tokenizer: tokenizer.name,
      rowsPerConfig,
      configs: accumulators.map((a) => a.result()),
      masks,
      ms: performance.now() - t0,
    },
    files,
  }
}

// ---- Words -----------------------------------------------------------------------------------------

/** Percentage (0-100) of `part` in `whole`; 0 when `whole` is 0. */
export function share(part: number, whole: number): number {
  return whole > 0 ? (100 * part) / whole : 0
}

/** "412 / 300 / 905": mean / p50 / p90, or "–" when nothing was measured. */
export function fmtSummary(s: { count: number; mean: number; p50: number; p90: number }): string {
  if (s.count === 0) return '–'
  return `${fmtNum(s.mean)} / ${fmtNum(s.p50)} / ${fmtNum(s.p90)}`
}

/**
 * The sentence of the compare page: how the configs differ in Qwen3 tokens per `<think>` block and in the
 * trainable share of their examples. Null when one config has no measured rows.
 */
export function tokenSentence(a: ConfigTokens, b: ConfigTokens, rowsPerConfig: number): string | null {
  if (a.rows === 0 || b.rows === 0 || a.think.count === 0 || b.think.count === 0) return null
  const [hi, lo] = a.think.mean >= b.think.mean ? [a, b] : [b, a]
  const H = configLabel(hi.config)
  const L = configLabel(lo.config)
  const ratio = hi.think.mean / lo.think.mean - 1
  const think =
    ratio < 0.03
      ? `${H} and ${L} <think> blocks are about as long (${fmtNum(hi.think.mean)} vs ${fmtNum(lo.think.mean)} tokens per block)`
      : `${H}’s <think> blocks are ${relativeText(hi.think.mean, lo.think.mean, 'longer')} than ${L}’s (${fmtNum(hi.think.mean)} vs ${fmtNum(lo.think.mean)} tokens per block)`
  const sa = share(a.trainable, a.example.sum)
  const sb = share(b.trainable, b.example.sum)
  return `In Qwen3 tokens, measured on the first ${fmtInt(rowsPerConfig)} rows of each config, ${think}, and ${fmtPct(sa)} of the tokens of ${configLabel(a.config)} training examples are trained vs ${fmtPct(sb)} for ${configLabel(b.config)}.`
}
