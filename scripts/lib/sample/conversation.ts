/**
 * One dataset row: structure (message count, human turns, parallel calls), content, and the deviations
 * the real data has (forced onto fixed row indices so even a small sample has every one of them).
 */
import { pyJsonDumps } from '../../../shared/pyjson.ts'
import { kimiToolsetAt, placeRow, taskGroupOf } from './catalog.ts'
import { makeContext } from './context.ts'
import { type CallOptions, type CallResult, makeCall, unknownToolCall } from './outputs.ts'
import { Rng } from './random.ts'
import {
  besideText,
  clarifyingQuestion,
  finalAnswer,
  humanFollowUp,
  humanPrompt,
  taskText,
  think,
} from './text.ts'
import { FOREIGN_TOOL_NAMES, type ToolsetId, toolset } from './toolsets.ts'

/** One row as written to parquet. */
export interface SampleRow {
  id: string
  conversations: { from: string; value: string }[]
  tools: string
  category: string
  subcategory: string
  task: string
}

/** Shape parameters of a config, tuned so the sample measures like the card. */
interface Params {
  /** Share of rows at the 54-message cap. */
  capP: number
  /** Mean of the gamma part of uncapped message counts (added to 5). */
  gammaMean: number
  gammaShape: number
  /**
   * kimi: uncapped message counts are about symmetric (real: median 23 with a mean of 24.34 that includes the
   * rows at the 54-message cap), so they are drawn from a normal law instead of the gamma one.
   */
  normalMessages?: { mean: number; sd: number }
  /** Probability that an uncapped row ends with a gpt turn without calls. */
  endFinalP: number
  /** Share of rows with more than one human turn. */
  multiHumanP: number
  /** Share of calling turns with more than one call. */
  parallelP: number
  /** Widths of parallel turns. */
  widths: readonly (readonly [number, number])[]
  /** Share of calling turns that also hold plain text. */
  besideP: number
  /** Mean words of a reasoning block and its log-space spread. */
  thinkWords: number
  thinkSigma: number
  thinkMax: number
  /** Share of rows with non-ASCII text. */
  nonAsciiP: number
  /** Payload multiplier of this config (glm rows are bigger on the card). */
  outputScale: number
  /** Log-space spread of the per-row size factor (some rows handle much bigger files and outputs). */
  rowSizeSigma: number
  /** Per-row spread of the parallel-call propensity (log-space). */
  parallelSigma: number
  /** Kimi writes `<think>\n ` (a space after the newline) and often starts visible text with spaces. */
  spaced: boolean
  /** Per-call rates of the two rare deviations. */
  unknownToolP: number
  invalidJsonP: number
}

const PARAMS: Record<string, Params> = {
  kimi: {
    capP: 0.065,
    gammaMean: 17.5,
    gammaShape: 4,
    normalMessages: { mean: 21, sd: 9 },
    endFinalP: 0.66,
    multiHumanP: 0.15,
    parallelP: 0.162,
    widths: [
      [2, 56],
      [3, 20],
      [4, 11],
      [5, 6],
      [6, 3],
      [7, 2],
      [8, 1.5],
      [10, 0.6],
      [12, 0.3],
      [15, 0.15],
    ],
    besideP: 0.28,
    thinkWords: 405,
    thinkSigma: 0.65,
    thinkMax: 3500,
    nonAsciiP: 0.06,
    outputScale: 1,
    rowSizeSigma: 0.6,
    parallelSigma: 0.45,
    spaced: true,
    // docs/dataset.md: 42 of 106,220 calls name a tool outside the row's toolset; 2 are not valid JSON.
    unknownToolP: 42 / 106220,
    invalidJsonP: 2 / 106220,
  },
  'glm-5.1': {
    capP: 0.03,
    gammaMean: 12.6,
    gammaShape: 1.5,
    endFinalP: 0.65,
    multiHumanP: 0.12,
    parallelP: 0.16,
    widths: [
      [2, 80],
      [3, 15],
      [4, 4],
      [5, 1],
    ],
    besideP: 0.25,
    thinkWords: 62,
    thinkSigma: 0.6,
    thinkMax: 600,
    nonAsciiP: 0.06,
    outputScale: 4.5,
    rowSizeSigma: 0.5,
    parallelSigma: 0.3,
    spaced: false,
    unknownToolP: 0.0005,
    invalidJsonP: 0.00003,
  },
}

/** Deviations forced onto fixed row indices (each also occurs at a low natural rate). */
export const FORCED = {
  invalid_json: [17],
  unbalanced_think: [23, 88, 191],
  unknown_tool: [5, 112],
  empty_think: [9, 71, 150],
  non_ascii: [3, 31, 77, 140, 205],
  xss_output: [11, 59, 166],
  xss_task: [11, 196],
  long_row: [42, 222],
  truncated_output: [64, 177],
  clarify_end: [29, 97, 158],
  multi_human: [14, 101],
  failures: [19, 53, 83, 127, 173, 199, 241],
} as const

export type Deviation = keyof typeof FORCED

/** Natural per-row rates (invalid JSON and unknown tools have per-call rates, see Params). */
const NATURAL: Partial<Record<Deviation, number>> = {
  unbalanced_think: 0.004,
  xss_output: 0.004,
  truncated_output: 0.004,
}

function forcedFor(index: number, rng: Rng): Set<Deviation> {
  const out = new Set<Deviation>()
  for (const [k, list] of Object.entries(FORCED) as [Deviation, readonly number[]][]) {
    if (list.includes(index)) out.add(k)
    else if ((NATURAL[k] ?? 0) > 0 && rng.chance(NATURAL[k] ?? 0)) out.add(k)
  }
  return out
}

/** Which of three variants a forced deviation uses: cycles over the forced indices, random otherwise. */
function variantOf(kind: Deviation, index: number, rng: Rng): number {
  const at = (FORCED[kind] as readonly number[]).indexOf(index)
  return at >= 0 ? at % 3 : rng.int(0, 2)
}

type Weights = Record<string, number>

const BASE: Weights = {
  terminal: 60,
  write_file: 27,
  read_file: 11,
  search_files: 11,
  patch: 3.5,
  todo: 1.6,
  execute_code: 1.2,
  process: 0.8,
  memory: 0.7,
  clarify: 0.3,
  delegate_task: 0.4,
  session_search: 0.3,
  skill_view: 0.3,
  skills_list: 0.2,
  skill_manage: 0.2,
  web_extract: 2,
  vision_analyze: 0.5,
  text_to_speech: 0.2,
  image_generate: 0.2,
}

const BROWSER: Weights = {
  browser_navigate: 16,
  browser_snapshot: 17,
  browser_click: 12,
  browser_type: 7,
  browser_scroll: 5,
  browser_vision: 4,
  browser_get_images: 2.5,
  browser_press: 3,
  browser_back: 2,
  browser_console: 2.5,
  browser_close: 2,
  terminal: 15,
  write_file: 7,
  read_file: 2,
  search_files: 1,
  execute_code: 1,
  web_extract: 3,
  vision_analyze: 1,
}

const MULT: Record<string, Weights> = {
  'Agent Tools': {
    memory: 6,
    delegate_task: 8,
    execute_code: 5,
    session_search: 6,
    skill_view: 8,
    skills_list: 8,
    skill_manage: 8,
    todo: 2,
    image_generate: 3,
    text_to_speech: 3,
  },
  'Planning & Organization': { todo: 15, memory: 5, clarify: 5, write_file: 1.2 },
  Scheduling: { terminal: 1.2, todo: 5, memory: 3 },
  Conversational: { clarify: 20, memory: 10, terminal: 0.6 },
  'File Operations': { read_file: 1.6, write_file: 1.3, search_files: 1.5, terminal: 0.7 },
  'Repository Tasks': { search_files: 1.6, read_file: 1.6, patch: 2.5, write_file: 0.6 },
}

function glmToolWeights(category: string, names: ReadonlySet<string>): [string, number][] {
  let w: Weights
  if (category === 'Browser Automation') w = BROWSER
  else if (category === 'Multi-Tool') {
    w = { ...BASE }
    for (const [k, v] of Object.entries(BROWSER)) if (k.startsWith('browser_')) w[k] = v * 0.35
  } else {
    w = { ...BASE }
    for (const [k, m] of Object.entries(MULT[category] ?? {})) if (w[k] !== undefined) w[k] *= m
  }
  return Object.entries(w).filter(([k]) => names.has(k))
}

/**
 * kimi: weights of the terminal and file tools, tuned so the whole config lands on docs/dataset.md's tool mix
 * (terminal 44.2%, write_file 20.4%, read_file 10.4%, search_files 10.0%, patch 2.5%, process 0.8% of calls).
 */
const KIMI_CORE: Weights = {
  terminal: 52,
  write_file: 23.1,
  read_file: 10.9,
  search_files: 11.1,
  patch: 2.55,
  process: 0.9,
}

/** kimi: the other nine tools of the 15-tool agent set (todo, execute_code … memory with 44 calls). */
const KIMI_AGENT: Weights = {
  todo: 11,
  execute_code: 9.1,
  delegate_task: 1.5,
  skills_list: 0.63,
  skill_view: 0.76,
  skill_manage: 0.5,
  session_search: 0.88,
  clarify: 0.88,
  memory: 0.76,
}

/**
 * kimi: browser tools relative to each other (snapshot 2.8%, navigate 2.4%, scroll 1.7%, click 1.7%, then
 * vision and close …); navigate also opens every browser row.
 */
const KIMI_BROWSER: Weights = {
  browser_snapshot: 29,
  browser_navigate: 14,
  browser_scroll: 16.7,
  browser_click: 16.7,
  browser_vision: 6.9,
  browser_close: 4.4,
  browser_type: 1.5,
  browser_back: 1,
  browser_press: 1,
  browser_console: 0.8,
  browser_get_images: 0.5,
}

/** kimi: mild per-category preferences among the core tools. */
const KIMI_FLAVOUR: Record<string, Weights> = {
  'Terminal & Coding': { terminal: 1.1 },
  'Repository Tasks': { search_files: 1.4, read_file: 1.4, patch: 1.5, terminal: 0.85 },
  'File Operations': { read_file: 1.3, write_file: 1.3, terminal: 0.8 },
  Scheduling: { terminal: 1.15 },
}

function scaledWeights(w: Weights, total: number): Weights {
  const sum = Object.values(w).reduce((a, b) => a + b, 0)
  return Object.fromEntries(Object.entries(w).map(([k, v]) => [k, (v * total) / sum]))
}

function kimiToolWeights(category: string, id: ToolsetId): [string, number][] {
  const core: Weights = { ...KIMI_CORE }
  for (const [k, m] of Object.entries(KIMI_FLAVOUR[category] ?? {})) core[k] = (core[k] ?? 0) * m
  let w: Weights
  if (id === 'core') w = core
  else if (id === 'agent') w = { ...core, ...KIMI_AGENT }
  else if (id === 'browser') w = KIMI_BROWSER
  else if (id === 'browser_core') w = { ...scaledWeights(KIMI_BROWSER, 70), ...scaledWeights(core, 30) }
  else if (id === 'browser_file') {
    const files = { write_file: 13, read_file: 6.5, search_files: 4.5, patch: 1 }
    w = { ...scaledWeights(KIMI_BROWSER, 75), ...files }
  } else w = { ...scaledWeights(KIMI_BROWSER, 75), terminal: 23, process: 2 }
  return Object.entries(w)
}

/** Row structure: episodes (one per human turn) with their calling-turn widths. */
interface Plan {
  messages: number
  episodes: number[][]
  /** How the row ends: a final answer, a clarifying question, or nothing (last message is a tool turn). */
  ending: 'final' | 'question' | 'none'
}

/** `minTurns`: the fewest calling turns of the row (browser-only rows are multi-step tasks). */
function planRow(rng: Rng, p: Params, forced: Set<Deviation>, minTurns = 1): Plan {
  // Some rows call tools in parallel much more often than others (calls per row reach 78 in kimi).
  const parallelP = Math.min(0.85, p.parallelP * rng.lognormal(1, p.parallelSigma))
  const capped = forced.has('long_row') || rng.chance(p.capP)
  let e: number
  let m: number
  if (capped) {
    m = 54
    e = 0
  } else {
    e = forced.has('clarify_end') || rng.chance(p.endFinalP) ? 1 : 0
    const nm = p.normalMessages
    do
      m = nm
        ? Math.round(nm.mean + nm.sd * rng.normal())
        : 5 + Math.round(rng.gamma(p.gammaShape, p.gammaMean / p.gammaShape))
    while (m > 53 || m < 5)
    if ((m - e) % 2 !== 0) m += m < 53 ? 1 : -1
    if (m - e < 4) m = 4 + e + (e === 0 ? 2 : 0)
    // With one human turn, m = 2 + e + 2C (system and human, C calling turns with their tool turns).
    if (m < 2 + e + 2 * minTurns) m = 2 + e + 2 * minTurns
  }
  // m = 2H + e + 2C with C >= H
  let h = 1
  if (forced.has('multi_human') || rng.chance(p.multiHumanP)) {
    h = 2
    if (rng.chance(0.25)) h++
    if (h === 3 && rng.chance(0.2)) h++
  }
  while (h > 1 && m < 4 * h + e) h--
  let c = (m - 2 * h - e) / 2
  if (c < 1) c = 1
  // Split the calling turns over the episodes (each at least one).
  const counts = new Array<number>(h).fill(1)
  let rest = c - h
  for (let i = h - 1; i > 0 && rest > 0; i--) {
    const add = rng.int(0, Math.min(rest, Math.max(1, Math.floor(c / h))))
    counts[i] = (counts[i] ?? 1) + add
    rest -= add
  }
  counts[0] = (counts[0] ?? 1) + rest
  const episodes = counts.map((n) =>
    Array.from({ length: n }, () => (rng.chance(parallelP) ? rng.weighted(p.widths) : 1)),
  )
  const ending = e === 0 ? 'none' : forced.has('clarify_end') || rng.chance(0.06) ? 'question' : 'final'
  return { messages: 1 + 2 * h + e - 1 + 2 * c, episodes, ending }
}

/** An injected call: a specific tool and options at a given calling turn. */
interface Injection {
  tool?: string
  opts?: CallOptions
  kind?: 'invalid_json' | 'unknown_tool'
}

const FAILURE_KINDS: readonly [string, number][] = [
  ['terminal', 0],
  ['terminal', 1],
  ['terminal', 2],
  ['terminal', 3],
  ['read_file', 0],
  ['patch', 0],
  ['browser_click', 0],
  ['browser_navigate', 0],
  ['execute_code', 0],
  ['execute_code', 1],
  ['write_file', 0],
]

function thinkTags(body: string, empty: boolean): string {
  return empty ? '<think>\n</think>\n' : `<think>\n${body}\n</think>\n`
}

/** Leading spaces of visible text after `</think>` (kimi: often one or two). */
function lead(rng: Rng, p: Params): string {
  if (!p.spaced) return ''
  const x = rng.next()
  return x < 0.5 ? ' ' : x < 0.7 ? '  ' : ''
}

function invalidPayload(r: CallResult, variant: number): string {
  const args = r.args
  if (variant === 0) {
    // Python-style dict instead of JSON.
    const py = (v: unknown): string =>
      typeof v === 'string'
        ? `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`
        : Array.isArray(v)
          ? `[${v.map(py).join(', ')}]`
          : v && typeof v === 'object'
            ? `{${Object.entries(v)
                .map(([k, x]) => `'${k}': ${py(x)}`)
                .join(', ')}}`
            : v === true
              ? 'True'
              : v === false
                ? 'False'
                : v === null
                  ? 'None'
                  : String(v)
    return `{'name': '${r.name}', 'arguments': ${py(args)}}`
  }
  const full = pyJsonDumps({ name: r.name, arguments: args }, { ensureAscii: false })
  if (variant === 1) return full.slice(0, Math.max(40, Math.floor(full.length * 0.6)))
  // An unescaped quote inside a string value.
  return full.replace(/": "([^"]{3,})/, (_m, s: string) => `": "${s.slice(0, 2)}"${s.slice(2)}`)
}

/** Builds row `index` of `config`. `payload` scales tool output sizes (1 = full-scale realism). */
export function buildRow(config: string, index: number, seed: number, payload: number): SampleRow {
  const p = PARAMS[config] ?? (PARAMS.kimi as Params)
  const rng = new Rng(seed, config, index)
  const forced = forcedFor(index, rng)
  const place = placeRow(config, index, seed)
  const cat = place.cat
  // The task and its scenario (project, files, site …) come from the row's task group, so rows that repeat a
  // task work on the same project; everything else comes from the row's own generator.
  // kimi repeats tasks like the real config (docs/dataset.md); glm-5.1 (no published figure): one per row.
  const tg =
    config === 'kimi'
      ? taskGroupOf(config, seed, cat.spec.name, place.rank)
      : { key: `row-${index}`, sub: rng.int(0, cat.subs.length - 1) }
  const group = new Rng(seed, config, 'task-group', cat.spec.name, tg.key)
  const sub = cat.subs[tg.sub % cat.subs.length] as (typeof cat.subs)[number]
  const nonAscii = forced.has('non_ascii') || rng.chance(p.nonAsciiP)
  // Per-row size factor: some rows handle much bigger files and outputs (forced long rows get theirs from
  // a few huge files instead).
  const rowSize = Math.min(3, Math.max(0.3, rng.lognormal(1, p.rowSizeSigma)))
  const rowPayload = payload * p.outputScale * (forced.has('long_row') ? Math.min(1, rowSize) : rowSize)
  const ctx = makeContext(group, config, cat.spec.name, sub.name, rowPayload, nonAscii)
  const template = group.pick(sub.tasks)
  const taskSuffix = group.chance(p.nonAsciiP * 0.3)
    ? group.pick(['(café menu)', '— urgent', '→ v2', 'für Müller', '日本語 version', '🚀'])
    : ''
  ctx.rng = rng
  const tsId: ToolsetId =
    config === 'kimi' ? kimiToolsetAt(cat.spec, place.v) : rng.weighted(cat.spec.toolsets)
  const ts = toolset(config, tsId)
  let task = taskText(ctx, template)
  if (forced.has('xss_task')) {
    task =
      cat.spec.name === 'Browser Automation'
        ? `Check that the guestbook escapes <img src=x onerror=alert(1)> in comments`
        : `Fix the comment form: <script>alert(1)</script> in a comment runs on ${ctx.project}`
  } else if (taskSuffix) task = taskText(ctx, `${task} ${taskSuffix}`)
  ctx.vars.task = task

  const plan = planRow(rng, p, forced, tsId === 'browser' ? 4 : 1)
  const turnCount = plan.episodes.reduce((s, e) => s + e.length, 0)

  // Injections: which calling turn receives which deviation / failure.
  const injections = new Map<number, Injection[]>()
  const inject = (turn: number, inj: Injection) => {
    const list = injections.get(turn) ?? []
    list.push(inj)
    injections.set(turn, list)
  }
  const names = ts.names
  const laterTurn = () => (turnCount > 1 ? rng.int(1, turnCount - 1) : 0)
  if (forced.has('invalid_json')) inject(laterTurn(), { kind: 'invalid_json' })
  if (forced.has('unknown_tool')) inject(laterTurn(), { kind: 'unknown_tool' })
  if (forced.has('truncated_output') && names.has('terminal'))
    inject(laterTurn(), { tool: 'terminal', opts: { truncate: true } })
  if (forced.has('xss_output')) {
    const tool =
      names.has('browser_snapshot') && rng.chance(0.5)
        ? 'browser_snapshot'
        : rng.chance(0.5)
          ? 'terminal'
          : 'read_file'
    inject(rng.int(0, turnCount - 1), { tool, opts: { xss: true } })
    inject(rng.int(0, turnCount - 1), {
      tool: names.has('browser_type') ? 'browser_type' : 'terminal',
      opts: { xss: true },
    })
  }
  if (forced.has('failures')) {
    for (const [tool, variant] of FAILURE_KINDS) {
      if (names.has(tool)) inject(rng.int(0, turnCount - 1), { tool, opts: { fail: true, variant } })
    }
  }
  if (forced.has('long_row')) {
    const big = ['write_file', 'read_file', 'terminal'].filter((x) => names.has(x))
    for (let j = 0; big.length > 0 && j < 3; j++)
      inject(rng.int(0, turnCount - 1), { tool: big[0] as string, opts: { big: 2 } })
  }
  const unbalancedTurn = forced.has('unbalanced_think') ? laterTurn() : -1
  const emptyTurn = forced.has('empty_think') ? (turnCount > 1 ? laterTurn() : -1) : -1
  const weights =
    config === 'kimi' ? kimiToolWeights(ctx.category, tsId) : glmToolWeights(ctx.category, names)

  const messages: { from: string; value: string }[] = [{ from: 'system', value: ts.system }]
  let k = 0 // tool call id counter
  let turn = 0
  let observation: string | undefined
  const observations: string[] = []
  let askedQuestion = false
  const sp = p.spaced ? ' ' : ''
  const thinkWords = () =>
    Math.max(6, Math.min(p.thinkMax, Math.round(rng.lognormal(p.thinkWords, p.thinkSigma))))

  plan.episodes.forEach((widths, ep) => {
    messages.push({
      from: 'human',
      value: ep === 0 ? humanPrompt(ctx, task) : humanFollowUp(ctx, askedQuestion),
    })
    askedQuestion = false
    widths.forEach((width, t) => {
      const injected = injections.get(turn) ?? []
      const n = Math.max(width, injected.length)
      const results: CallResult[] = []
      const payloads: string[] = []
      for (let j = 0; j < n; j++) {
        let inj = injected[j]
        if (!inj && turn > 0) {
          if (rng.chance(p.unknownToolP)) inj = { kind: 'unknown_tool' }
          else if (rng.chance(p.invalidJsonP)) inj = { kind: 'invalid_json' }
        }
        let res: CallResult
        let payloadText: string | undefined
        if (inj?.kind === 'unknown_tool') {
          const outside = [
            ...FOREIGN_TOOL_NAMES,
            ...[
              'browser_navigate',
              'execute_code',
              'delegate_task',
              'todo',
              'memory',
              'read_file',
              'terminal',
            ].filter((x) => !names.has(x)),
          ]
          res = unknownToolCall(ctx, rng.pick(outside))
        } else if (inj?.kind === 'invalid_json') {
          const usable = ['terminal', 'write_file', 'read_file'].filter((x) => names.has(x))
          const base = makeCall(ctx, usable.length ? rng.pick(usable) : rng.weighted(weights))
          payloadText = invalidPayload(base, variantOf('invalid_json', index, rng))
          res = {
            ...base,
            content: {
              error: `Invalid JSON in tool call arguments: ${rng.pick(["Expecting ',' delimiter", 'Unterminated string starting at', 'Expecting property name enclosed in double quotes'])}: line 1 column ${rng.int(20, 200)} (char ${rng.int(19, 199)})`,
            },
            failed: true,
            observation: 'my last tool call had malformed JSON arguments',
            intent: base.intent,
          }
        } else if (inj?.tool && (names.has(inj.tool) || inj.tool === 'terminal')) {
          res = makeCall(ctx, inj.tool, inj.opts)
        } else {
          const first = turn === 0 && j === 0
          const tool =
            first && names.has('browser_navigate') && ctx.category === 'Browser Automation'
              ? 'browser_navigate'
              : rng.weighted(weights)
          res = makeCall(ctx, tool)
        }
        results.push(res)
        payloads.push(
          payloadText ?? pyJsonDumps({ name: res.name, arguments: res.args }, { ensureAscii: false }),
        )
      }
      // The assistant turn.
      const intents = results.map((r) => r.intent)
      const emptyThink = turn === emptyTurn || (turn > 0 && rng.chance(0.004))
      const body =
        sp +
        think(ctx, {
          words: thinkWords(),
          observation,
          intents,
          first: t === 0 && (ep === 0 || !observation),
        })
      let head = thinkTags(body, emptyThink)
      if (turn === unbalancedTurn) {
        const v = variantOf('unbalanced_think', index, rng)
        if (v === 0) head = `<think>\n${body}\n`
        else if (v === 1) head = `<think>\n${body}\n</think>\n</think>\n`
        else head = `<think>\n${body}\n<think>\nLet me reconsider.\n</think>\n`
      }
      const text = rng.chance(p.besideP) ? `${lead(rng, p)}${besideText(ctx, intents)}\n` : ''
      const value =
        `${head}${text}${payloads.map((x) => `<tool_call>\n${x}\n</tool_call>\n`).join('')}`.trimEnd()
      messages.push({ from: 'gpt', value })
      // The tool turn: one message, one block per call.
      const blocks = results.map((r) => {
        const id = `functions.${r.name}:${k++}`
        return `<tool_response>\n${pyJsonDumps({ tool_call_id: id, name: r.name, content: r.content }, { ensureAscii: false })}\n</tool_response>`
      })
      messages.push({ from: 'tool', value: blocks.join('\n') })
      observation = results.map((r) => r.observation).join('; ')
      for (const r of results)
        if (!r.failed && observations.length < 12 && rng.chance(0.5)) observations.push(r.observation)
      turn++
    })
    const last = ep === plan.episodes.length - 1
    const kind = last ? plan.ending : rng.chance(0.3) ? 'question' : 'final'
    if (kind !== 'none') {
      const body = sp + think(ctx, { words: thinkWords(), observation, intents: [], first: false })
      const answer = kind === 'question' ? clarifyingQuestion(ctx) : finalAnswer(ctx, observations)
      messages.push({ from: 'gpt', value: `${thinkTags(body, false)}${lead(rng, p)}${answer}`.trim() })
      askedQuestion = kind === 'question'
    }
  })

  if (messages.length !== plan.messages)
    throw new Error(`row ${config}#${index}: ${messages.length} != ${plan.messages}`)
  return {
    id: rng.uuid4(),
    conversations: messages,
    tools: ts.toolsJson,
    category: ctx.category,
    subcategory: ctx.subcategory,
    task,
  }
}
