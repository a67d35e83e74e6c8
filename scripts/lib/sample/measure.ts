/**
 * Measures rows the way the card and the audits do (used by the sample test and for tuning).
 * Deliberately independent of the project's parser: simple regexes only.
 */

import type { SampleRow } from './conversation.ts'

/** A row as read back from parquet: the shape it was written in. */
export type ReadRow = SampleRow

/** The tutorial's call regex. */
export const CALL_RE = /<tool_call>\s*(\{[\s\S]*?\})\s*<\/tool_call>/g
const BLOCK_RE = /<tool_call>\n([\s\S]*?)\n<\/tool_call>/g
const RESPONSE_RE = /<tool_response>\n([\s\S]*?)\n<\/tool_response>/g
const THINK_RE = /<think>\n?([\s\S]*?)<\/think>/g

/** Deviations and failure kinds the test expects to find at least once. */
export const DEVIATIONS = [
  'invalid_json',
  'unbalanced_think',
  'unknown_tool',
  'empty_think',
  'non_ascii',
  'xss_output',
  'xss_task',
  'long_row',
  'truncated_output',
  'multi_human',
  'text_beside_calls',
  'clarify_end',
  'timeout',
  'exit_minus_one',
  'nonzero_exit',
  'traceback',
  'no_such_file',
  'file_not_found',
  'permission_denied',
  'patch_failed',
  'browser_failed',
  'execute_code_error',
  'execute_code_timeout',
] as const

export type DeviationName = (typeof DEVIATIONS)[number]

/** Numbers of one config. */
export interface Measure {
  rows: number
  messages: { mean: number; min: number; max: number; p95: number; atCap: number }
  calls: { mean: number; p95: number; max: number }
  /** Turns with >1 call / turns with >=1 call. */
  parallelShare: number
  roles: Record<string, number>
  thinkWordsPerBlock: number
  categories: Record<string, number>
  subcategories: number
  toolMix: Record<string, number>
  /** Share of tool responses that are failures (rough regex classification). */
  failureShare: number
  /** Failure share per tool name. */
  failuresByTool: Record<string, number>
  textBesideShare: number
  multiHumanShare: number
  maxTaskLength: number
  distinctToolsets: number
  deviations: Record<DeviationName, number>
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number
}

function isFailure(name: string, content: unknown, dev: Record<DeviationName, number>): boolean {
  if (typeof content === 'string') {
    if (content.includes('[Hint: old_string not found')) {
      dev.patch_failed++
      return true
    }
    return false
  }
  if (!content || typeof content !== 'object') return false
  const c = content as Record<string, unknown>
  if (name === 'terminal') {
    const code = c.exit_code
    const out = String(c.output ?? '')
    if (out.includes('[OUTPUT TRUNCATED - ')) dev.truncated_output++
    if (out.includes('Traceback (most recent call last)')) dev.traceback++
    if (out.includes('No such file or directory')) dev.no_such_file++
    if (out.includes('Permission denied')) dev.permission_denied++
    if (code === 124) dev.timeout++
    if (code === -1) dev.exit_minus_one++
    if (typeof code === 'number' && code > 0 && c.error === null) dev.nonzero_exit++
    return typeof code === 'number' && code !== 0
  }
  if (typeof c.error === 'string' && c.error.startsWith('File not found')) dev.file_not_found++
  if (name.startsWith('browser_') && c.success === false) dev.browser_failed++
  if (name === 'execute_code' && c.status === 'error') dev.execute_code_error++
  if (name === 'execute_code' && c.status === 'timeout') dev.execute_code_timeout++
  return typeof c.error === 'string' || c.success === false || c.status === 'error' || c.status === 'timeout'
}

const XSS = /<script>alert\(|onerror=alert\(/

/** Measures a list of rows. */
export function measure(rows: ReadRow[]): Measure {
  const dev = Object.fromEntries(DEVIATIONS.map((d) => [d, 0])) as Record<DeviationName, number>
  const msgCounts: number[] = []
  const callCounts: number[] = []
  const roles: Record<string, number> = {}
  const categories: Record<string, number> = {}
  const subcats = new Set<string>()
  const toolMix: Record<string, number> = {}
  const toolsets = new Set<string>()
  let callingTurns = 0
  let parallelTurns = 0
  let thinkBlocks = 0
  let thinkWords = 0
  let responses = 0
  let failures = 0
  const byTool: Record<string, [number, number]> = {}
  let besideTurns = 0
  let multiHuman = 0
  let maxTask = 0
  for (const row of rows) {
    const conv = row.conversations
    msgCounts.push(conv.length)
    categories[row.category] = (categories[row.category] ?? 0) + 1
    subcats.add(`${row.category}/${row.subcategory}`)
    toolsets.add(row.tools)
    maxTask = Math.max(maxTask, row.task.length)
    if (XSS.test(row.task)) dev.xss_task++
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII range check
    if (conv.some((m) => /[^\u0000-\u007f]/.test(m.value)) || /[^\u0000-\u007f]/.test(row.task))
      dev.non_ascii++
    let names: Set<string>
    try {
      names = new Set((JSON.parse(row.tools) as { function: { name: string } }[]).map((t) => t.function.name))
    } catch {
      names = new Set()
    }
    let calls = 0
    let humans = 0
    let chars = 0
    for (const m of conv) {
      roles[m.from] = (roles[m.from] ?? 0) + 1
      chars += m.value.length
      if (m.from === 'human') humans++
      if (m.from === 'gpt') {
        const n = m.value.match(CALL_RE)?.length ?? 0
        calls += n
        const blocks = [...m.value.matchAll(BLOCK_RE)].map((x) => x[1] as string)
        if (blocks.length > 0) {
          callingTurns++
          if (blocks.length > 1) parallelTurns++
          const rest = m.value
            .replace(/<think>[\s\S]*?<\/think>/g, '')
            .replace(BLOCK_RE, '')
            .trim()
          if (rest.length > 0) besideTurns++
        }
        for (const b of blocks) {
          try {
            const payload = JSON.parse(b) as { name?: unknown }
            const name = String(payload.name)
            toolMix[name] = (toolMix[name] ?? 0) + 1
            if (!names.has(name)) dev.unknown_tool++
          } catch {
            dev.invalid_json++
          }
        }
        const opens = m.value.split('<think>').length - 1
        const closes = m.value.split('</think>').length - 1
        if (opens !== closes) dev.unbalanced_think++
        if (m.value.includes('<think>\n</think>')) dev.empty_think++
        for (const t of m.value.matchAll(THINK_RE)) {
          thinkBlocks++
          thinkWords += (t[1] as string).split(/\s+/).filter(Boolean).length
        }
      }
      if (m.from === 'tool') {
        if (XSS.test(m.value)) dev.xss_output++
        for (const r of m.value.matchAll(RESPONSE_RE)) {
          responses++
          try {
            const body = JSON.parse(r[1] as string) as { name: string; content: unknown }
            const t = byTool[body.name] ?? [0, 0]
            byTool[body.name] = t
            t[0]++
            if (isFailure(body.name, body.content, dev)) {
              failures++
              t[1]++
            }
          } catch {
            // not JSON: counted as a response only
          }
        }
      }
    }
    callCounts.push(calls)
    if (humans > 1) {
      multiHuman++
      dev.multi_human++
    }
    const last = conv[conv.length - 1]
    if (last?.from === 'gpt' && !last.value.includes('<tool_call>') && /\?\s*$/.test(last.value))
      dev.clarify_end++
    if (conv.length >= 50 && chars > 250_000) dev.long_row++
  }
  dev.text_beside_calls = besideTurns
  const sortedM = msgCounts.slice().sort((a, b) => a - b)
  const sortedC = callCounts.slice().sort((a, b) => a - b)
  const n = Math.max(1, rows.length)
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0)
  return {
    rows: rows.length,
    messages: {
      mean: sum(msgCounts) / n,
      min: sortedM[0] ?? 0,
      max: sortedM[sortedM.length - 1] ?? 0,
      p95: quantile(sortedM, 0.95),
      atCap: msgCounts.filter((x) => x === 54).length / n,
    },
    calls: { mean: sum(callCounts) / n, p95: quantile(sortedC, 0.95), max: sortedC[sortedC.length - 1] ?? 0 },
    parallelShare: parallelTurns / Math.max(1, callingTurns),
    roles,
    thinkWordsPerBlock: thinkWords / Math.max(1, thinkBlocks),
    categories: Object.fromEntries(Object.entries(categories).map(([k, v]) => [k, v / n])),
    subcategories: subcats.size,
    toolMix: Object.fromEntries(
      Object.entries(toolMix)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => [k, v / Math.max(1, sum(Object.values(toolMix)))]),
    ),
    failureShare: failures / Math.max(1, responses),
    failuresByTool: Object.fromEntries(Object.entries(byTool).map(([k, [n, f]]) => [k, f / n])),
    textBesideShare: besideTurns / Math.max(1, callingTurns),
    multiHumanShare: multiHuman / n,
    maxTaskLength: maxTask,
    distinctToolsets: toolsets.size,
    deviations: dev,
  }
}

/** Summary of a numeric distribution. */
export interface Dist {
  min: number
  median: number
  mean: number
  p95: number
  p99: number
  max: number
}

/** Summary of a list of numbers (nearest-rank quantiles). */
export function dist(values: number[]): Dist {
  const s = values.slice().sort((a, b) => a - b)
  const sum = s.reduce((a, b) => a + b, 0)
  return {
    min: s[0] ?? 0,
    median: quantile(s, 0.5),
    mean: sum / Math.max(1, s.length),
    p95: quantile(s, 0.95),
    p99: quantile(s, 0.99),
    max: s[s.length - 1] ?? 0,
  }
}

/** The six kimi toolsets, told apart by which tools a row's `tools` column lists. */
export type ToolsetKind =
  | 'core'
  | 'agent'
  | 'browser+core'
  | 'browser+file'
  | 'browser+terminal'
  | 'browser'
  | 'other'

/** Classifies a toolset by its tool names (the shape docs/dataset.md describes for kimi). */
export function toolsetKind(names: ReadonlySet<string>): ToolsetKind {
  const browser = [...names].some((n) => n.startsWith('browser_'))
  const terminal = names.has('terminal')
  const file = names.has('read_file')
  if (!browser) {
    if (!terminal || !file) return 'other'
    return names.has('delegate_task') ? 'agent' : 'core'
  }
  if (terminal && file) return 'browser+core'
  if (file) return 'browser+file'
  if (terminal) return 'browser+terminal'
  return 'browser'
}

/** The figures docs/dataset.md gives for the real kimi config ("Real distributions", "Markup inside the messages"). */
export interface Realism {
  rows: number
  /** Characters per row with every `<think>…</think>` removed (all messages, system included). */
  charsNoThink: Dist
  /** Characters per tool message. */
  toolMessageChars: Dist
  /** Characters of the `tools` column. */
  toolsChars: Dist
  distinctTasks: number
  /** Rows of the most repeated task. */
  topTaskRows: number
  /** Parsed calls per tool name. */
  toolCalls: Record<string, number>
  /** Calls in gpt messages (parsed or not). */
  calls: number
  parsedCalls: number
  malformedCalls: number
  outOfToolsetCalls: number
  responses: number
  toolsets: Record<ToolsetKind, number>
  messagesPerRow: Dist
  callsPerRow: Dist
  roles: Record<string, number>
  gptWithCalls: number
  gptWithoutCalls: number
  /** Calling turns that also hold visible text (outside think and calls). */
  callTurnsWithText: number
  /** Calling turns with more than one call. */
  parallelTurns: number
  /** Non-empty think blocks, and those whose body starts with a space (`<think>\n `). */
  thinkBlocks: number
  thinkSpaced: number
  thinkWords: number
  /** gpt messages with visible text after `</think>`, and those whose text starts with a space. */
  visibleAfterThink: number
  visibleSpaced: number
  /** Top-level keys of tool response `content` objects. */
  responseKeys: Record<'error' | 'exit_code' | 'success' | 'status', number>
}

const THINK_BLOCK = /<think>[\s\S]*?<\/think>/g

/** An incremental `measureRealism`: add rows one by one, so a large sample need not sit in memory. */
export function realismMeter(): { add: (row: ReadRow) => void; result: () => Realism } {
  let rowCount = 0
  const charsNoThink: number[] = []
  const toolMsg: number[] = []
  const toolsChars: number[] = []
  const msgs: number[] = []
  const callsPer: number[] = []
  const tasks = new Map<string, number>()
  const toolCalls: Record<string, number> = {}
  const toolsets = {
    core: 0,
    agent: 0,
    'browser+core': 0,
    'browser+file': 0,
    'browser+terminal': 0,
    browser: 0,
    other: 0,
  }
  const roles: Record<string, number> = {}
  const responseKeys = { error: 0, exit_code: 0, success: 0, status: 0 }
  const out = {
    calls: 0,
    parsedCalls: 0,
    malformedCalls: 0,
    outOfToolsetCalls: 0,
    responses: 0,
    gptWithCalls: 0,
    gptWithoutCalls: 0,
    callTurnsWithText: 0,
    parallelTurns: 0,
    thinkBlocks: 0,
    thinkSpaced: 0,
    thinkWords: 0,
    visibleAfterThink: 0,
    visibleSpaced: 0,
  }
  const toolsetCache = new Map<string, { names: Set<string>; kind: ToolsetKind }>()
  const add = (row: ReadRow): void => {
    rowCount++
    let ts = toolsetCache.get(row.tools)
    if (!ts) {
      let names: Set<string>
      try {
        names = new Set(
          (JSON.parse(row.tools) as { function: { name: string } }[]).map((t) => t.function.name),
        )
      } catch {
        names = new Set()
      }
      ts = { names, kind: toolsetKind(names) }
      toolsetCache.set(row.tools, ts)
    }
    toolsets[ts.kind]++
    toolsChars.push(row.tools.length)
    tasks.set(row.task, (tasks.get(row.task) ?? 0) + 1)
    msgs.push(row.conversations.length)
    let chars = 0
    let calls = 0
    for (const m of row.conversations) {
      roles[m.from] = (roles[m.from] ?? 0) + 1
      const visible = m.value.replace(THINK_BLOCK, '')
      chars += visible.length
      if (m.from === 'tool') {
        toolMsg.push(m.value.length)
        for (const r of m.value.matchAll(RESPONSE_RE)) {
          out.responses++
          try {
            const body = JSON.parse(r[1] as string) as { content: unknown }
            const c = body.content
            if (c && typeof c === 'object' && !Array.isArray(c))
              for (const k of Object.keys(responseKeys) as (keyof typeof responseKeys)[])
                if (k in c) responseKeys[k]++
          } catch {
            // counted as a response only
          }
        }
      }
      if (m.from !== 'gpt') continue
      const blocks = [...m.value.matchAll(BLOCK_RE)].map((x) => x[1] as string)
      calls += blocks.length
      for (const t of m.value.matchAll(THINK_RE)) {
        const body = t[1] as string
        if (body.trim().length === 0) continue
        out.thinkBlocks++
        if (body.startsWith(' ')) out.thinkSpaced++
        out.thinkWords += body.split(/\s+/).filter(Boolean).length
      }
      const close = m.value.lastIndexOf('</think>\n')
      if (close >= 0) {
        const after = m.value.slice(close + 9)
        if (after.length > 0 && !after.startsWith('<tool_call>')) {
          out.visibleAfterThink++
          if (after.startsWith(' ')) out.visibleSpaced++
        }
      }
      if (blocks.length === 0) {
        out.gptWithoutCalls++
        continue
      }
      out.gptWithCalls++
      if (blocks.length > 1) out.parallelTurns++
      if (visible.replace(BLOCK_RE, '').trim().length > 0) out.callTurnsWithText++
      for (const b of blocks) {
        try {
          const name = String((JSON.parse(b) as { name?: unknown }).name)
          out.parsedCalls++
          toolCalls[name] = (toolCalls[name] ?? 0) + 1
          if (!ts.names.has(name)) out.outOfToolsetCalls++
        } catch {
          out.malformedCalls++
        }
      }
    }
    out.calls += calls
    callsPer.push(calls)
    charsNoThink.push(chars)
  }
  const result = (): Realism => {
    let topTaskRows = 0
    for (const n of tasks.values()) topTaskRows = Math.max(topTaskRows, n)
    return {
      rows: rowCount,
      charsNoThink: dist(charsNoThink),
      toolMessageChars: dist(toolMsg),
      toolsChars: dist(toolsChars),
      distinctTasks: tasks.size,
      topTaskRows,
      toolCalls: Object.fromEntries(Object.entries(toolCalls).sort((a, b) => b[1] - a[1])),
      toolsets,
      messagesPerRow: dist(msgs),
      callsPerRow: dist(callsPer),
      roles,
      responseKeys,
      ...out,
    }
  }
  return { add, result }
}

/** Measures rows the way the independent full parse of the real kimi config did (docs/dataset.md). */
export function measureRealism(rows: Iterable<ReadRow>): Realism {
  const meter = realismMeter()
  for (const row of rows) meter.add(row)
  return meter.result()
}
