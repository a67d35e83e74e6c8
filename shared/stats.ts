/**
 * Dataset statistics as mergeable partials.
 *
 * A `Stats` document holds only integer counters, count maps and log-binned distributions plus fields derived
 * from them; `mergeStats` adds the counters and re-derives, so merging is associative and commutative and
 * the stats of a whole equal the merge of the stats of any split (map-reduce over slices, Queue fan-out).
 * Derived fields and key order are canonical, so equal data gives byte-identical JSON.
 */

import { failuresAddRow, finalizeFailures, mergeFailures } from './failures.ts'
import { tryParseJson } from './json.ts'
import { parseJsonPy, pyJsonDumps, pyJsonDumpsLengthOf, pyLen } from './pyjson.ts'
import { callFailureKind, type ParsedRow, parseRow, type RowContext } from './trace.ts'
import type { Distribution, ErrorKind, SeedStats, Stats, ToolErrorStats } from './types.ts'

/** Identity of a stats document: what it describes and where from. */
export interface StatsMeta extends RowContext {
  /** Rows in the config (from the parquet footer). */
  rowsTotal: number
}

// ---------------------------------------------------------------------------------------------------------
// Distributions: bin k holds v with floor(log2(v + 1) * BINS_PER_OCTAVE) == k.

const BINS_PER_OCTAVE = 8

/** The bin index of a value. */
export function distributionBin(v: number): number {
  return Math.floor(Math.log2(v + 1) * BINS_PER_OCTAVE)
}

/** The value range [lo, hi) of bin k. */
export function distributionBinRange(k: number): [number, number] {
  return [2 ** (k / BINS_PER_OCTAVE) - 1, 2 ** ((k + 1) / BINS_PER_OCTAVE) - 1]
}

/** An empty distribution. */
export function emptyDistribution(): Distribution {
  return { count: 0, sum: 0, min: 0, max: 0, mean: 0, p50: 0, p90: 0, p99: 0, bins: {} }
}

function distAdd(d: Distribution, v: number): void {
  if (d.count === 0 || v < d.min) d.min = v
  if (d.count === 0 || v > d.max) d.max = v
  d.count++
  d.sum += v
  const k = distributionBin(v)
  d.bins[k] = (d.bins[k] ?? 0) + 1
}

function distMerge(a: Distribution, b: Distribution): Distribution {
  if (a.count === 0) return finalizeDistribution({ ...b, bins: { ...b.bins } })
  if (b.count === 0) return finalizeDistribution({ ...a, bins: { ...a.bins } })
  return finalizeDistribution({
    count: a.count + b.count,
    sum: a.sum + b.sum,
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
    mean: 0,
    p50: 0,
    p90: 0,
    p99: 0,
    bins: addCounts(a.bins, b.bins),
  })
}

/** Quantile q (0..1) of a distribution, from its bins (midpoint of the bin, clamped to [min, max]). */
export function distributionQuantile(d: Distribution, q: number): number {
  if (d.count === 0) return 0
  const target = q * d.count
  const keys = Object.keys(d.bins)
    .map(Number)
    .sort((x, y) => x - y)
  let seen = 0
  for (const k of keys) {
    seen += d.bins[k] ?? 0
    if (seen >= target) {
      const [lo, hi] = distributionBinRange(k)
      return round(Math.min(d.max, Math.max(d.min, (lo + hi) / 2)), 1)
    }
  }
  return d.max
}

function finalizeDistribution(d: Distribution): Distribution {
  d.mean = d.count ? round(d.sum / d.count, 3) : 0
  d.p50 = distributionQuantile(d, 0.5)
  d.p90 = distributionQuantile(d, 0.9)
  d.p99 = distributionQuantile(d, 0.99)
  d.bins = sortedNumericKeys(d.bins)
  return d
}

// ---------------------------------------------------------------------------------------------------------
// Helpers on count maps.

function bump(map: Record<string, number>, key: string | number, by = 1): void {
  map[key] = (map[key] ?? 0) + by
}

function addCounts<T extends Record<string, number | undefined>>(a: T, b: T): T {
  const out: Record<string, number> = {}
  for (const [k, v] of Object.entries(a)) if (v !== undefined) out[k] = v
  for (const [k, v] of Object.entries(b)) if (v !== undefined) out[k] = (out[k] ?? 0) + v
  return out as T
}

/** Count map sorted by count (descending), then key: the canonical order of name-keyed maps. */
function sortedByCount<T extends Record<string, number | undefined>>(map: T): T {
  const entries = Object.entries(map).filter((e): e is [string, number] => e[1] !== undefined)
  entries.sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
  return Object.fromEntries(entries) as T
}

function sortedNumericKeys(map: Record<string, number>): Record<string, number> {
  // Integer-like keys already enumerate in ascending order in JS; rebuild to drop any other order.
  return Object.fromEntries(Object.entries(map).sort((x, y) => Number(x[0]) - Number(y[0])))
}

function round(x: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

function pct(part: number, whole: number): number {
  return whole ? (100 * part) / whole : 0
}

function div(part: number, whole: number): number {
  return whole ? part / whole : 0
}

// ---------------------------------------------------------------------------------------------------------
// Building.

/** A Stats document with no rows. */
export function emptyStats(meta: StatsMeta): Stats {
  return {
    dataset: meta.dataset,
    revision: meta.revision,
    sample: meta.sample,
    config: meta.config,
    complete: meta.rowsTotal === 0,
    rows: 0,
    rowsTotal: meta.rowsTotal,
    seed: {
      avgTurns: 0,
      avgToolCalls: 0,
      pctWithError: 0,
      pctParallelTurns: 0,
      toolCalls: {},
      parallelWidths: {},
      thoughtsPerTurn: {},
      categories: {},
    },
    totals: {
      messages: 0,
      toolCalls: 0,
      gptTurns: 0,
      callingTurns: 0,
      parallelTurns: 0,
      seedErrorRows: 0,
      errorRows: 0,
      thinkBlocks: 0,
      nonEmptyThinkBlocks: 0,
      thinkWords: 0,
      responses: 0,
      errorResponses: 0,
      malformedCalls: 0,
      unknownToolCalls: 0,
      textBesideCallTurns: 0,
      multiHumanRows: 0,
      warnings: 0,
    },
    averages: {
      messagesPerRow: 0,
      toolCallsPerRow: 0,
      gptTurnsPerRow: 0,
      thinkWordsPerBlock: 0,
      pctRowsWithToolError: 0,
      pctResponsesWithError: 0,
    },
    subcategories: {},
    roles: {},
    messagesPerRow: {},
    callsPerRow: {},
    lengths: {
      thinkChars: emptyDistribution(),
      thinkWords: emptyDistribution(),
      callChars: emptyDistribution(),
      answerChars: emptyDistribution(),
      rowMessages: emptyDistribution(),
      rowCalls: emptyDistribution(),
    },
    errorKinds: {},
    toolErrors: {},
    warnings: {},
    failures: {},
  }
}

// Python's str whitespace, per UTF-16 code unit (every Python whitespace character is in the BMP): \t-\r,
// \x1c-\x1f, space, \x85, \xa0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
const SPACE = new Uint8Array(65536)
for (const c of [
  9, 10, 11, 12, 13, 28, 29, 30, 31, 32, 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]) {
  SPACE[c] = 1
}
for (let c = 0x2000; c <= 0x200a; c++) SPACE[c] = 1

/** Python `len(text.split())`: runs of non-whitespace (Python's str whitespace). */
export function countWords(text: string): number {
  return countAsciiWords(text) ?? countWordsUtf16(text)
}

function countWordsUtf16(text: string): number {
  let words = 0
  let inWord = 0
  for (let i = 0; i < text.length; i++) {
    const word = 1 - (SPACE[text.charCodeAt(i)] as number)
    words += word & (inWord ^ 1)
    inWord = word
  }
  return words
}

// An ASCII string's words counted on its bytes: `encodeInto` copies it natively, then the bytes are read four at a
// time (below). Texts longer than the scratch buffer's cap, or not ASCII, take the loop over code units.
const ASCII_ENCODER = new TextEncoder()
const MAX_SCRATCH = 1 << 20
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1
let scratch = new Uint8Array(1 << 16)
let scratchWords = new Uint32Array(scratch.buffer)

function countAsciiWords(text: string): number | null {
  const n = text.length
  if (n > MAX_SCRATCH) return null
  if (scratch.length < n) {
    // A multiple of 4 bytes, for the 32-bit view.
    scratch = new Uint8Array(Math.min(MAX_SCRATCH, Math.ceil(Math.max(n, scratch.length * 2) / 4) * 4))
    scratchWords = new Uint32Array(scratch.buffer)
  }
  const bytes = scratch
  const { read, written } = ASCII_ENCODER.encodeInto(text, bytes.subarray(0, n))
  if (read !== n || written !== n) return null
  let words = 0
  let inWord = 0
  let i = 0
  if (LITTLE_ENDIAN) {
    // Four bytes per step. Every byte is ASCII (below 0x80), so no per-byte sum or difference below carries into
    // the next byte: bit 7 of a byte of `space` is set exactly where the byte is Python whitespace, 9-13 or 28-32
    // (b + 0x77 >= 0x80 iff b >= 9, 0x8d - b >= 0x80 iff b <= 13; likewise 0x64 and 0xa0 for 28-32). A word starts
    // at a byte that is not whitespace after one that is (`before`: the previous step's last byte; the text
    // starts after whitespace); the starts are summed byte-wise by one multiplication.
    let before = 0x80
    const steps = n >>> 2
    const words32 = scratchWords
    for (let k = 0; k < steps; k++) {
      const w = words32[k] as number
      const space =
        (((w + 0x77777777) & (0x8d8d8d8d - w)) | ((w + 0x64646464) & (0xa0a0a0a0 - w))) & 0x80808080
      const starts = ~space & ((space << 8) | before) & 0x80808080
      words += Math.imul(starts >>> 7, 0x01010101) >>> 24
      before = (space >>> 24) & 0x80
    }
    i = steps << 2
    inWord = before === 0 ? 1 : 0
  }
  for (; i < n; i++) {
    const word = 1 - (SPACE[bytes[i] as number] as number)
    words += word & (inWord ^ 1)
    inWord = word
  }
  return words
}

/**
 * Python `len(json.dumps(json.loads(payload)))` of a call payload, or null when it is not valid JSON.
 * `parsed` (the payload's `JSON.parse` value) is reused when the payload has no float or huge-int token,
 * the only values `JSON.parse` and Python's `json.loads` + `dumps` disagree on.
 */
export function seedCallLength(payload: string, parsed?: unknown): number | null {
  try {
    const fast = parsed === undefined ? null : pyJsonDumpsLengthOf(payload, parsed)
    return fast ?? pyLen(pyJsonDumps(parseJsonPy(payload)))
  } catch {
    return null
  }
}

function toolEntry(stats: Stats, name: string): ToolErrorStats {
  let entry = stats.toolErrors[name]
  if (!entry) {
    entry = { calls: 0, responses: 0, errors: 0, rate: 0, kinds: {} }
    stats.toolErrors[name] = entry
  }
  return entry
}

/**
 * Add one parsed row to an accumulating Stats (mutates it). Call `finalizeStats` before publishing.
 */
export function statsAddRow(stats: Stats, parsed: ParsedRow): void {
  const { trace, seed } = parsed
  const s = stats.seed
  const t = stats.totals
  stats.rows++
  t.messages += trace.messages.length
  bump(stats.messagesPerRow, trace.messages.length)
  distAdd(stats.lengths.rowMessages, trace.messages.length)
  bump(s.categories, trace.category)
  bump(stats.subcategories, `${trace.category} / ${trace.subcategory}`)
  let humans = 0
  for (const m of trace.messages) {
    bump(stats.roles, m.from)
    if (m.from === 'human') humans++
  }
  if (humans > 1) t.multiHumanRows++

  // Tutorial counting (regex over gpt messages).
  let rowCalls = 0
  for (const [turn, names] of seed.callNames.entries()) {
    t.gptTurns++
    rowCalls += names.length
    bump(s.thoughtsPerTurn, seed.thinkCounts[turn] ?? 0)
    if (names.length > 0) {
      t.callingTurns++
      bump(s.parallelWidths, names.length)
      if (names.length > 1) t.parallelTurns++
    }
    for (const name of names) bump(s.toolCalls, name)
    const values = seed.callValues[turn] ?? []
    const lengths = seed.callLengths[turn] ?? []
    for (const [k, payload] of (seed.callPayloads[turn] ?? []).entries()) {
      const known = lengths[k]
      if (known !== undefined) {
        distAdd(stats.lengths.callChars, known)
        continue
      }
      if (values[k] === undefined) continue // invalid JSON: no length (the tutorial's json.loads fails)
      const len = seedCallLength(payload, values[k])
      if (len !== null) distAdd(stats.lengths.callChars, len)
    }
  }
  t.toolCalls += rowCalls
  bump(stats.callsPerRow, rowCalls)
  distAdd(stats.lengths.rowCalls, rowCalls)
  if (seed.hasError) t.seedErrorRows++

  // Structured parse: thoughts, answers, the error taxonomy.
  const { toolNames } = parsed
  let rowHasError = false
  for (const step of trace.steps) {
    for (const thought of step.thoughts) {
      t.thinkBlocks++
      if (thought !== '') {
        t.nonEmptyThinkBlocks++
        const words = countWords(thought)
        t.thinkWords += words
        distAdd(stats.lengths.thinkChars, pyLen(thought))
        distAdd(stats.lengths.thinkWords, words)
      }
    }
    if (step.calls.length === 0 && step.answer !== '') distAdd(stats.lengths.answerChars, pyLen(step.answer))
    t.responses += step.responses.length
    for (const response of step.responses) if (response.errorKind) t.errorResponses++
    for (const [k, call] of step.calls.entries()) {
      const entry = toolEntry(stats, call.name)
      entry.calls++
      const response = step.responses[k]
      if (response) entry.responses++
      const kind: ErrorKind | null =
        callFailureKind(call.name, call.malformed, toolNames) ??
        response?.errorKind ??
        (response ? null : 'missing_response')
      if (call.malformed) t.malformedCalls++
      else if (kind === 'unknown_tool') t.unknownToolCalls++
      if (kind) {
        entry.errors++
        bump(entry.kinds, kind)
        bump(stats.errorKinds, kind)
        if (kind !== 'missing_response') rowHasError = true
      }
    }
  }
  if (rowHasError) t.errorRows++
  t.textBesideCallTurns += parsed.textBesideCallTurns
  t.warnings += trace.warnings.length
  for (const w of trace.warnings) bump(stats.warnings, w.code)
  failuresAddRow(stats.failures, parsed)
}

/** Recompute every derived field and put maps in canonical order (idempotent). Returns `stats`. */
export function finalizeStats(stats: Stats): Stats {
  const t = stats.totals
  const s: SeedStats = stats.seed
  stats.complete = stats.rows >= stats.rowsTotal
  s.avgTurns = div(t.messages, stats.rows)
  s.avgToolCalls = div(t.toolCalls, stats.rows)
  s.pctWithError = pct(t.seedErrorRows, stats.rows)
  s.pctParallelTurns = pct(t.parallelTurns, t.callingTurns)
  s.toolCalls = sortedByCount(s.toolCalls)
  s.parallelWidths = sortedNumericKeys(s.parallelWidths)
  s.thoughtsPerTurn = sortedNumericKeys(s.thoughtsPerTurn)
  s.categories = sortedByCount(s.categories)
  stats.averages = {
    messagesPerRow: s.avgTurns,
    toolCallsPerRow: s.avgToolCalls,
    gptTurnsPerRow: div(t.gptTurns, stats.rows),
    thinkWordsPerBlock: div(t.thinkWords, t.nonEmptyThinkBlocks),
    pctRowsWithToolError: pct(t.errorRows, stats.rows),
    pctResponsesWithError: pct(t.errorResponses, t.responses),
  }
  stats.subcategories = sortedByCount(stats.subcategories)
  stats.roles = sortedByCount(stats.roles)
  stats.messagesPerRow = sortedNumericKeys(stats.messagesPerRow)
  stats.callsPerRow = sortedNumericKeys(stats.callsPerRow)
  for (const d of Object.values(stats.lengths)) finalizeDistribution(d)
  stats.errorKinds = sortedByCount(stats.errorKinds)
  const tools = Object.entries(stats.toolErrors).sort(
    (x, y) => y[1].calls - x[1].calls || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0),
  )
  for (const [, entry] of tools) {
    entry.rate = div(entry.errors, entry.calls)
    entry.kinds = sortedByCount(entry.kinds)
  }
  stats.toolErrors = Object.fromEntries(tools)
  stats.warnings = sortedByCount(stats.warnings)
  stats.failures = finalizeFailures(stats.failures)
  return stats
}

/**
 * Merge two Stats of the same config and revision into a new finalized document.
 * Associative and commutative; throws only on a programming error (different config or revision).
 */
export function mergeStats(a: Stats, b: Stats): Stats {
  if (a.config !== b.config || a.revision !== b.revision || a.dataset !== b.dataset) {
    throw new Error(`cannot merge stats of ${a.config}@${a.revision} with ${b.config}@${b.revision}`)
  }
  const out = emptyStats({ ...a, rowsTotal: Math.max(a.rowsTotal, b.rowsTotal) })
  out.rows = a.rows + b.rows
  out.seed.toolCalls = addCounts(a.seed.toolCalls, b.seed.toolCalls)
  out.seed.parallelWidths = addCounts(a.seed.parallelWidths, b.seed.parallelWidths)
  out.seed.thoughtsPerTurn = addCounts(a.seed.thoughtsPerTurn, b.seed.thoughtsPerTurn)
  out.seed.categories = addCounts(a.seed.categories, b.seed.categories)
  out.totals = addCounts(a.totals, b.totals)
  out.subcategories = addCounts(a.subcategories, b.subcategories)
  out.roles = addCounts(a.roles, b.roles)
  out.messagesPerRow = addCounts(a.messagesPerRow, b.messagesPerRow)
  out.callsPerRow = addCounts(a.callsPerRow, b.callsPerRow)
  for (const key of Object.keys(out.lengths) as (keyof Stats['lengths'])[]) {
    out.lengths[key] = distMerge(a.lengths[key], b.lengths[key])
  }
  out.errorKinds = addCounts(a.errorKinds, b.errorKinds)
  for (const [name, entry] of [...Object.entries(a.toolErrors), ...Object.entries(b.toolErrors)]) {
    const target = toolEntry(out, name)
    target.calls += entry.calls
    target.responses += entry.responses
    target.errors += entry.errors
    target.kinds = addCounts(target.kinds, entry.kinds)
  }
  out.warnings = addCounts(a.warnings, b.warnings)
  out.failures = mergeFailures(a.failures, b.failures)
  return finalizeStats(out)
}

/** Stats of a list of rows (parsed here), finalized. */
export function statsFromRows(rows: Iterable<unknown>, meta: StatsMeta): Stats {
  const stats = emptyStats(meta)
  for (const row of rows) statsAddRow(stats, parseRow(row, meta, { lazyContent: true }))
  return finalizeStats(stats)
}

/** Parse a Stats document from JSON text (e.g. an R2 object), or null when it is not one. */
export function statsFromJson(text: string): Stats | null {
  const value = tryParseJson(text)
  if (typeof value !== 'object' || value === null || !('seed' in value) || !('totals' in value)) return null
  return value as Stats
}
