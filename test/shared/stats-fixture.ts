/**
 * Hand-made `Stats` for chart tests: one plausible object per config, shaped after the dataset card and the
 * public kimi audit (docs/dataset.md): rows, messages, calls, categories, roles and the top tool counts are the
 * published numbers; histograms, subcategory names, glm-5.1's extra tools and the error taxonomy are invented
 * but plausible. Until the real stats code produces fixtures, these stand in for it. Deterministic: no random.
 * Invented numbers are never labelled real: every object says `sample: true` and carries a made-up revision
 * (charts print "@ fixture (sample data)").
 */
import { finalizeStats, emptyStats as sharedEmptyStats } from '../../shared/stats.ts'
import type { Distribution, ErrorKind, Stats, ToolErrorStats } from '../../shared/types.ts'

const DATASET = 'lambda/hermes-agent-reasoning-traces'
/** Made up (not a commit of the dataset): these stats were computed from nothing. */
const REVISION = 'fixture000000000000000000000000000000000'

/** Split `total` over `keys` in proportion to `weight(key)`, as integers summing exactly to `total`. */
function spread(total: number, keys: number[], weight: (k: number) => number): Record<string, number> {
  const weights = keys.map(weight)
  const sum = weights.reduce((a, b) => a + b, 0)
  const exact = weights.map((w) => (w / sum) * total)
  const counts = exact.map(Math.floor)
  let left = total - counts.reduce((a, b) => a + b, 0)
  // Largest remainders get the leftover units (ties by position: deterministic).
  const order = exact
    .map((x, i) => [x - Math.floor(x), i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
  for (const [, i] of order) {
    if (left-- <= 0) break
    counts[i]!++
  }
  const out: Record<string, number> = {}
  keys.forEach((k, i) => {
    if (counts[i]! > 0) out[String(k)] = counts[i]!
  })
  return out
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i)
}

/** Bin of value v in a Distribution (see `Distribution.bins`). */
function binOf(v: number): number {
  return Math.floor(Math.log2(v + 1) * 8)
}

/**
 * A log-normal-ish Distribution of `count` integer values: `zeros` of them 0, the rest around `median` with
 * `sigma` octaves of spread, capped at `max`. Exact fields are computed from bin midpoints.
 */
function logNormal(count: number, median: number, sigma: number, zeros: number, max: number): Distribution {
  const centre = Math.log2(median + 1)
  const ks = range(8, binOf(max)).filter((k) => Math.ceil(2 ** (k / 8) - 1) < 2 ** ((k + 1) / 8) - 1)
  const bins = spread(count - zeros, ks, (k) => Math.exp(-(((k + 0.5) / 8 - centre) ** 2) / (2 * sigma ** 2)))
  if (zeros > 0) bins['0'] = zeros
  let sum = 0
  let minValue = Number.POSITIVE_INFINITY
  let maxValue = 0
  const cumulative: [number, number][] = []
  let seen = 0
  for (const k of Object.keys(bins)
    .map(Number)
    .sort((a, b) => a - b)) {
    const n = bins[String(k)]!
    const value = k === 0 ? 0 : Math.ceil(2 ** ((k + 0.5) / 8) - 1)
    sum += n * value
    minValue = Math.min(minValue, value)
    maxValue = Math.max(maxValue, value)
    seen += n
    cumulative.push([seen, value])
  }
  const quantile = (q: number) => cumulative.find(([c]) => c >= q * count)?.[1] ?? 0
  return {
    count,
    sum,
    min: count ? minValue : 0,
    max: maxValue,
    mean: count ? Math.round((sum / count) * 100) / 100 : 0,
    p50: quantile(0.5),
    p90: quantile(0.9),
    p99: quantile(0.99),
    bins,
  }
}

function total(record: Record<string, number>): number {
  return Object.values(record).reduce((a, b) => a + b, 0)
}

/** Per-tool errors from a failure rate and a kind mix. */
function toolErrors(
  calls: Record<string, number>,
  rates: Record<string, [number, ErrorKind]>,
): { byTool: Record<string, ToolErrorStats>; kinds: Partial<Record<ErrorKind, number>> } {
  const byTool: Record<string, ToolErrorStats> = {}
  const kinds: Partial<Record<ErrorKind, number>> = {}
  for (const [tool, n] of Object.entries(calls)) {
    const [rate, kind] = rates[tool] ?? [0.01, 'failed']
    const errors = tool === '<malformed>' ? n : Math.round(n * rate)
    const k: ErrorKind = tool === '<malformed>' ? 'malformed_call' : kind
    // Failures of most tools split 3:1 between their usual kind and a generic error field.
    const main = k === 'malformed_call' ? errors : Math.ceil(errors * 0.75)
    const rest = errors - main
    const toolKinds: Partial<Record<ErrorKind, number>> = {}
    if (main > 0) toolKinds[k] = main
    if (rest > 0) toolKinds.error_field = (toolKinds.error_field ?? 0) + rest
    for (const [kk, v] of Object.entries(toolKinds) as [ErrorKind, number][]) kinds[kk] = (kinds[kk] ?? 0) + v
    const responses = tool === '<malformed>' ? 0 : n
    byTool[tool] = { calls: n, responses, errors, rate: n ? errors / n : 0, kinds: toolKinds }
  }
  return { byTool, kinds }
}

interface Shape {
  config: string
  rows: number
  roles: Record<string, number>
  toolCalls: Record<string, number>
  parallelWidths: Record<string, number>
  thoughtsPerTurn: Record<string, number>
  categories: Record<string, number>
  subcategories: Record<string, number>
  messagesPerRow: Record<string, number>
  callsPerRow: Record<string, number>
  pctWithError: number
  errorRates: Record<string, [number, ErrorKind]>
  think: { median: number; sigma: number; zeros: number }
  answer: { median: number; zeros: number }
  callMedian: number
  thinkWordsPerBlock: number
}

function statsFrom(shape: Shape): Stats {
  const messages = total(shape.roles)
  const toolCalls = total(shape.toolCalls)
  const callingTurns = total(shape.parallelWidths)
  const parallelTurns = callingTurns - (shape.parallelWidths['1'] ?? 0)
  const gptTurns = shape.roles.gpt ?? 0
  const thinkBlocks = Object.entries(shape.thoughtsPerTurn).reduce((a, [k, v]) => a + Number(k) * v, 0)
  const { byTool, kinds } = toolErrors(shape.toolCalls, shape.errorRates)
  const errorResponses = Object.values(byTool).reduce((a, t) => a + (t.responses ? t.errors : 0), 0)
  const responses = Object.values(byTool).reduce((a, t) => a + t.responses, 0)
  const seedErrorRows = Math.round((shape.pctWithError / 100) * shape.rows)
  const errorRows = Math.round(seedErrorRows * 0.55)
  const thinkWords = Math.round(thinkBlocks * shape.thinkWordsPerBlock)
  const r = shape.rows
  return {
    dataset: DATASET,
    revision: REVISION,
    sample: true,
    config: shape.config,
    complete: true,
    rows: r,
    rowsTotal: r,
    seed: {
      avgTurns: messages / r,
      avgToolCalls: toolCalls / r,
      pctWithError: shape.pctWithError,
      pctParallelTurns: (parallelTurns / callingTurns) * 100,
      toolCalls: shape.toolCalls,
      parallelWidths: shape.parallelWidths,
      thoughtsPerTurn: shape.thoughtsPerTurn,
      categories: shape.categories,
    },
    totals: {
      messages,
      toolCalls,
      gptTurns,
      callingTurns,
      parallelTurns,
      seedErrorRows,
      errorRows,
      thinkBlocks,
      nonEmptyThinkBlocks: thinkBlocks - shape.think.zeros,
      thinkWords,
      responses,
      errorResponses,
      malformedCalls: shape.toolCalls['<malformed>'] ?? 0,
      unknownToolCalls: kinds.unknown_tool ?? 0,
      textBesideCallTurns: Math.round(callingTurns * 0.29),
      multiHumanRows: (shape.roles.human ?? 0) - r,
      warnings: 40,
    },
    averages: {
      messagesPerRow: messages / r,
      toolCallsPerRow: toolCalls / r,
      gptTurnsPerRow: gptTurns / r,
      thinkWordsPerBlock: shape.thinkWordsPerBlock,
      pctRowsWithToolError: (errorRows / r) * 100,
      pctResponsesWithError: (errorResponses / responses) * 100,
    },
    subcategories: shape.subcategories,
    roles: shape.roles,
    messagesPerRow: shape.messagesPerRow,
    callsPerRow: shape.callsPerRow,
    lengths: {
      thinkChars: logNormal(thinkBlocks, shape.think.median, shape.think.sigma, shape.think.zeros, 60_000),
      thinkWords: logNormal(
        thinkBlocks,
        shape.think.median / 5.6,
        shape.think.sigma,
        shape.think.zeros,
        11_000,
      ),
      callChars: logNormal(toolCalls, shape.callMedian, 1.3, 0, 120_000),
      answerChars: logNormal(gptTurns, shape.answer.median, 1.6, shape.answer.zeros, 40_000),
      rowMessages: logNormal(r, messages / r, 0.6, 0, 200),
      rowCalls: logNormal(r, toolCalls / r, 0.9, 0, 200),
    },
    errorKinds: kinds,
    toolErrors: byTool,
    warnings: { unbalanced_think: 32, malformed_call: shape.toolCalls['<malformed>'] ?? 0, unknown_tool: 6 },
    // No charts plot the failure groups; the failure tests compute real ones from rows.
    failures: {},
  }
}

/** Usual failure rate and kind of each tool (invented, plausible). */
const ERROR_RATES: Record<string, [number, ErrorKind]> = {
  terminal: [0.068, 'nonzero_exit'],
  write_file: [0.004, 'permission'],
  read_file: [0.051, 'not_found'],
  search_files: [0.012, 'error_field'],
  patch: [0.083, 'patch_mismatch'],
  execute_code: [0.11, 'traceback'],
  browser_navigate: [0.047, 'timeout'],
  browser_click: [0.092, 'failed'],
  browser_type: [0.061, 'failed'],
  browser_snapshot: [0.018, 'failed'],
  clarify: [0.35, 'error_field'],
  process: [0.05, 'timeout'],
  delegate_task: [0.08, 'timeout'],
  web_extract: [0.07, 'timeout'],
}

/** Kimi-K2.5: card and audit numbers where published. */
export function kimiStats(): Stats {
  const rows = 7646
  return statsFrom({
    config: 'kimi',
    rows,
    roles: { system: 7646, human: 9201, gpt: 87_667, tool: 81_569 },
    toolCalls: {
      terminal: 46_923,
      write_file: 21_628,
      read_file: 11_051,
      search_files: 10_616,
      patch: 5_204,
      browser_navigate: 2_310,
      browser_snapshot: 1_905,
      browser_click: 1_498,
      todo: 1_187,
      execute_code: 904,
      browser_type: 612,
      memory: 402,
      process: 297,
      skill_view: 251,
      clarify: 198,
      browser_scroll: 151,
      browser_back: 148,
      browser_vision: 102,
      browser_close: 91,
      browser_press: 83,
      skills_list: 72,
      delegate_task: 61,
      skill_manage: 49,
      browser_console: 41,
      session_search: 23,
      browser_get_images: 12,
      '<malformed>': 2,
    },
    parallelWidths: {
      1: 68_518,
      2: 8_500,
      3: 2_900,
      4: 1_000,
      5: 380,
      6: 150,
      7: 60,
      8: 35,
      9: 12,
      10: 8,
      12: 4,
      15: 2,
    },
    thoughtsPerTurn: { 0: 21, 1: 87_635, 2: 11 },
    categories: {
      'Terminal & Coding': 2010,
      'Agent Tools': 1474,
      'Repository Tasks': 1109,
      'Browser Automation': 1048,
      'Multi-Tool': 807,
      'File Operations': 757,
      Scheduling: 204,
      'Planning & Organization': 201,
      Conversational: 36,
    },
    subcategories: {
      'Terminal & Coding / Debugging': 612,
      'Terminal & Coding / Scripting': 540,
      'Terminal & Coding / Build & Packaging': 458,
      'Terminal & Coding / System Administration': 400,
      'Agent Tools / Memory & Skills': 530,
      'Agent Tools / Delegation': 410,
      'Agent Tools / Code Execution': 534,
      'Repository Tasks / Bug Fixing': 420,
      'Repository Tasks / Feature Implementation': 389,
      'Repository Tasks / Code Review': 300,
      'Browser Automation / Web Research': 402,
      'Browser Automation / Form Filling': 311,
      'Browser Automation / Data Extraction': 335,
      'Multi-Tool / Research & Report': 452,
      'Multi-Tool / Data Pipeline': 355,
      'File Operations / File Organization': 288,
      'File Operations / Document Editing': 260,
      'File Operations / Data Conversion': 209,
      'Scheduling / Reminders': 120,
      'Scheduling / Cron Jobs': 84,
      'Planning & Organization / Project Planning': 118,
      'Planning & Organization / Todo Management': 83,
      'Conversational / Clarification': 21,
      'Conversational / General Q&A': 15,
    },
    // 5..54 messages, most around 20, with a pile-up at the 54-message cap (p95 = max = 54).
    messagesPerRow: {
      ...spread(rows - 420, range(5, 53), (m) => Math.exp(-((m - 19) ** 2) / (2 * 9 ** 2)) + 0.08),
      54: 420,
    },
    callsPerRow: spread(rows, range(0, 78), (c) => (c === 0 ? 0.2 : c ** 1.4 * Math.exp(-c / 8.5))),
    pctWithError: 61.2,
    errorRates: ERROR_RATES,
    think: { median: 1450, sigma: 1.2, zeros: 3_100 },
    answer: { median: 260, zeros: 62_000 },
    callMedian: 170,
    thinkWordsPerBlock: 414,
  })
}

/** GLM-5.1: card numbers where published; more tools per row, shorter reasoning, many empty think blocks. */
export function glmStats(): Stats {
  const rows = 7055
  return statsFrom({
    config: 'glm-5.1',
    rows,
    roles: { system: 7055, human: 7_802, gpt: 61_130, tool: 58_931 },
    toolCalls: {
      terminal: 29_804,
      write_file: 9_120,
      read_file: 8_310,
      search_files: 6_904,
      patch: 3_902,
      browser_navigate: 1_412,
      browser_snapshot: 1_180,
      browser_click: 903,
      web_extract: 1_620,
      todo: 1_452,
      execute_code: 1_210,
      memory: 688,
      browser_type: 402,
      vision_analyze: 318,
      process: 205,
      skill_view: 180,
      clarify: 142,
      delegate_task: 120,
      browser_scroll: 97,
      browser_back: 85,
      skills_list: 66,
      session_search: 54,
      '<malformed>': 11,
    },
    parallelWidths: { 1: 52_003, 2: 4_930, 3: 1_402, 4: 388, 5: 130, 6: 47, 7: 19, 8: 8, 11: 3, 16: 1 },
    thoughtsPerTurn: { 0: 4, 1: 61_120, 2: 6 },
    categories: {
      'Terminal & Coding': 2237,
      'Agent Tools': 2775,
      'Repository Tasks': 1022,
      'Browser Automation': 639,
      'Multi-Tool': 52,
      'File Operations': 134,
      Scheduling: 104,
      'Planning & Organization': 92,
    },
    subcategories: {
      'Terminal & Coding / Debugging': 701,
      'Terminal & Coding / Scripting': 612,
      'Terminal & Coding / Build & Packaging': 498,
      'Terminal & Coding / System Administration': 426,
      'Agent Tools / Memory & Skills': 930,
      'Agent Tools / Delegation': 802,
      'Agent Tools / Code Execution': 770,
      'Agent Tools / Session Search': 273,
      'Repository Tasks / Bug Fixing': 402,
      'Repository Tasks / Feature Implementation': 351,
      'Repository Tasks / Refactoring': 269,
      'Browser Automation / Web Research': 300,
      'Browser Automation / Form Filling': 180,
      'Browser Automation / Data Extraction': 159,
      'Multi-Tool / Research & Report': 52,
      'File Operations / File Organization': 80,
      'File Operations / Document Editing': 54,
      'Scheduling / Reminders': 62,
      'Scheduling / Cron Jobs': 42,
      'Planning & Organization / Project Planning': 60,
      'Planning & Organization / Todo Management': 32,
    },
    messagesPerRow: spread(rows, range(5, 88), (m) => Math.exp(-((m - 14) ** 2) / (2 * 8 ** 2)) + 0.012),
    callsPerRow: spread(rows, range(0, 96), (c) => (c === 0 ? 0.35 : c ** 1.1 * Math.exp(-c / 7))),
    pctWithError: 54.8,
    errorRates: {
      ...ERROR_RATES,
      terminal: [0.091, 'nonzero_exit'],
      patch: [0.12, 'patch_mismatch'],
      vision_analyze: [0.05, 'timeout'],
    },
    think: { median: 260, sigma: 1.5, zeros: 21_400 },
    answer: { median: 180, zeros: 40_500 },
    callMedian: 230,
    thinkWordsPerBlock: 70,
  })
}

/** Stats of a config with no row counted yet (a cold `/api/stats`). */
export function emptyStats(config: string): Stats {
  return finalizeStats(
    sharedEmptyStats({
      dataset: DATASET,
      revision: REVISION,
      sample: true,
      config,
      rowsTotal: config === 'kimi' ? 7646 : 7055,
    }),
  )
}
