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
