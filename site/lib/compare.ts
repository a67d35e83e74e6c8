/**
 * The metrics the report and the compare page show per config, and the sentences that state how two configs
 * differ, generated from the numbers (never written by hand): "Kimi rows are 27% longer than GLM-5.1 rows
 * (24.3 vs 19.1 messages)".
 */
import type { ChartName } from '../../shared/charts.ts'
import type { Distribution, Stats } from '../../shared/types.ts'
import type { CardConfig } from './card.ts'
import { configLabel, fmtInt, fmtNum, fmtPct } from './format.ts'

/** One number per config, with how to print it and how to say a difference. */
export interface Metric {
  key: string
  /** Table row label. */
  label: string
  /** What exactly is counted (shown under the label). */
  help: string
  value: (s: Stats) => number
  format: (v: number) => string
  /** The card's published number, when there is one. */
  card?: (c: CardConfig) => number | undefined
  /** True when the card number comes from the third-party audit rather than the card. */
  audit?: boolean
  /**
   * How to state a difference: `ratio` compares relative size ("27% longer"), `points` compares percentages
   * in percentage points. Templates use {H} and {L} (the configs with the higher and the lower value),
   * {a} and {b} (their values, formatted), {rel} ("27% longer", "2.1× longer") and {pp} (points).
   */
  diff?:
    | { kind: 'ratio'; more: string; text: string; same: string }
    | { kind: 'points'; text: string; same: string }
}

const pct = (part: number, total: number) => (total > 0 ? (100 * part) / total : 0)

/** Every metric, in the order tables list them. */
export const METRICS: Metric[] = [
  {
    key: 'rows',
    label: 'Rows',
    help: 'Rows counted in the config.',
    value: (s) => s.rows,
    format: fmtInt,
    card: (c) => c.rows,
  },
  {
    key: 'messagesPerRow',
    label: 'Messages per row',
    help: 'Mean messages per row, system message included (the tutorial’s “turns”).',
    value: (s) => s.averages.messagesPerRow,
    format: fmtNum,
    card: (c) => c.messagesPerRow,
    diff: {
      kind: 'ratio',
      more: 'longer',
      text: '{H} rows are {rel} than {L} rows ({a} vs {b} messages).',
      same: '{H} and {L} rows are about as long ({a} vs {b} messages).',
    },
  },
  {
    key: 'toolCallsPerRow',
    label: 'Tool calls per row',
    help: 'Mean <tool_call> blocks per row (the tutorial’s regex).',
    value: (s) => s.averages.toolCallsPerRow,
    format: fmtNum,
    card: (c) => c.toolCallsPerRow,
    diff: {
      kind: 'ratio',
      more: 'more',
      text: '{H} rows make {rel} tool calls than {L} rows ({a} vs {b} per row).',
      same: '{H} and {L} rows make about as many tool calls ({a} vs {b} per row).',
    },
  },
  {
    key: 'gptTurnsPerRow',
    label: 'Assistant turns per row',
    help: 'Mean gpt messages per row.',
    value: (s) => s.averages.gptTurnsPerRow,
    format: fmtNum,
    diff: {
      kind: 'ratio',
      more: 'more',
      text: '{H} rows have {rel} assistant turns than {L} rows ({a} vs {b} per row).',
      same: '{H} and {L} rows have about as many assistant turns ({a} vs {b} per row).',
    },
  },
  {
    key: 'pctParallelTurns',
    label: 'Parallel turns',
    help: 'Share of assistant turns with calls that make more than one call.',
    value: (s) => s.seed.pctParallelTurns,
    format: fmtPct,
    card: (c) => c.pctParallelTurns,
    audit: true,
    diff: {
      kind: 'points',
      text: '{H} calls tools in parallel more often than {L}: {a} vs {b} of assistant turns with calls ({pp} points).',
      same: '{H} and {L} call tools in parallel about as often ({a} vs {b} of assistant turns with calls).',
    },
  },
  {
    key: 'pctRowsWithToolError',
    label: 'Rows with a tool error',
    help: 'Share of rows where at least one call failed, by the error taxonomy.',
    value: (s) => s.averages.pctRowsWithToolError,
    format: fmtPct,
    diff: {
      kind: 'points',
      text: '{H} rows hit a real tool error more often than {L} rows: {a} vs {b} of rows ({pp} points).',
      same: '{H} and {L} rows hit real tool errors about as often ({a} vs {b} of rows).',
    },
  },
  {
    key: 'seedPctWithError',
    label: 'Rows with an error (tutorial heuristic)',
    help: 'The tutorial’s substring test; it also matches "error": null, so it over-counts.',
    value: (s) => s.seed.pctWithError,
    format: fmtPct,
    diff: {
      kind: 'points',
      text: 'The tutorial’s heuristic flags more {H} rows than {L} rows: {a} vs {b} ({pp} points), well above the real error rates.',
      same: 'The tutorial’s heuristic flags about as many {H} as {L} rows ({a} vs {b}).',
    },
  },
  {
    key: 'pctResponsesWithError',
    label: 'Failed tool responses',
    help: 'Share of tool responses the taxonomy classifies as errors.',
    value: (s) => s.averages.pctResponsesWithError,
    format: fmtPct,
    diff: {
      kind: 'points',
      text: '{H}’s tool calls fail more often than {L}’s: {a} vs {b} of responses ({pp} points).',
      same: '{H}’s and {L}’s tool calls fail about as often ({a} vs {b} of responses).',
    },
  },
  {
    key: 'thinkWordsPerBlock',
    label: 'Think words per block',
    help: 'Mean words in a <think> block (the card’s “avg <think> words”).',
    value: (s) => s.averages.thinkWordsPerBlock,
    format: fmtNum,
    card: (c) => c.thinkWords,
    diff: {
      kind: 'ratio',
      more: 'longer',
      text: '{H} thinks {rel} per <think> block than {L} ({a} vs {b} words).',
      same: '{H} and {L} think about as long per <think> block ({a} vs {b} words).',
    },
  },
  {
    key: 'multiHuman',
    label: 'Rows with several user turns',
    help: 'Share of rows with more than one human message.',
    value: (s) => pct(s.totals.multiHumanRows, s.rows),
    format: fmtPct,
    diff: {
      kind: 'points',
      text: '{H} rows hold several user turns more often than {L} rows: {a} vs {b} ({pp} points).',
      same: '{H} and {L} rows hold several user turns about as often ({a} vs {b}).',
    },
  },
  {
    key: 'textBesideCalls',
    label: 'Calling turns with text',
    help: 'Share of assistant turns with calls that also hold plain text.',
    value: (s) => pct(s.totals.textBesideCallTurns, s.totals.callingTurns),
    format: fmtPct,
    diff: {
      kind: 'points',
      text: '{H} writes text beside its tool calls more often than {L}: {a} vs {b} of calling turns ({pp} points).',
      same: '{H} and {L} write text beside their tool calls about as often ({a} vs {b} of calling turns).',
    },
  },
  {
    key: 'totalMessages',
    label: 'Messages (total)',
    help: 'Messages over all rows.',
    value: (s) => s.totals.messages,
    format: fmtInt,
    card: (c) => c.totalMessages,
  },
  {
    key: 'totalToolCalls',
    label: 'Tool calls (total)',
    help: 'Tool calls over all rows.',
    value: (s) => s.totals.toolCalls,
    format: fmtInt,
    card: (c) => c.totalToolCalls,
  },
]

/** The metrics of the report's "at a glance" table. */
export const GLANCE_KEYS = [
  'rows',
  'messagesPerRow',
  'toolCallsPerRow',
  'pctParallelTurns',
  'pctRowsWithToolError',
  'seedPctWithError',
  'thinkWordsPerBlock',
  'totalMessages',
  'totalToolCalls',
]

/** Below this relative (ratio) or absolute (points) difference two values count as "about the same". */
const SAME_RATIO = 0.03
const SAME_POINTS = 0.5

/** "27% longer", "2.1× longer"; `hi >= lo > 0`. */
export function relativeText(hi: number, lo: number, more: string): string {
  const r = hi / lo
  if (r >= 2) return `${r >= 10 ? Math.round(r) : r.toFixed(1)}× ${more}`
  return `${Math.round((r - 1) * 100)}% ${more}`
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (all, k: string) => values[k] ?? all)
}

/** The sentence stating how configs `a` and `b` differ on `metric`, or null when it has no `diff`. */
export function diffSentence(metric: Metric, a: Stats, b: Stats): string | null {
  const d = metric.diff
  if (!d) return null
  const va = metric.value(a)
  const vb = metric.value(b)
  const [hi, lo, vh, vl] = va >= vb ? [a, b, va, vb] : [b, a, vb, va]
  const values: Record<string, string> = {
    H: configLabel(hi.config),
    L: configLabel(lo.config),
    a: metric.format(vh),
    b: metric.format(vl),
  }
  if (d.kind === 'ratio') {
    if (vh === 0 || (vl > 0 && vh / vl - 1 < SAME_RATIO)) return fill(d.same, values)
    if (vl === 0) return fill(d.text, { ...values, rel: d.more === 'more' ? 'more' : d.more })
    return fill(d.text, { ...values, rel: relativeText(vh, vl, d.more) })
  }
  const pp = vh - vl
  if (pp < SAME_POINTS) return fill(d.same, values)
  return fill(d.text, { ...values, pp: pp >= 10 ? pp.toFixed(0) : pp.toFixed(1) })
}

// ---- Sentences for the charts -------------------------------------------------------------------------

function topKey(record: Record<string, number>): [string, number] | null {
  let best: [string, number] | null = null
  for (const [k, v] of Object.entries(record)) if (!best || v > best[1]) best = [k, v]
  return best
}

/** The key whose value differs most (by ratio, both above `floor`) between two records of shares or rates. */
function biggestGap(
  a: Record<string, number>,
  b: Record<string, number>,
  floor: number,
): { key: string; a: number; b: number } | null {
  let best: { key: string; a: number; b: number; score: number } | null = null
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const va = a[key] ?? 0
    const vb = b[key] ?? 0
    if (Math.max(va, vb) < floor) continue
    const score = Math.abs(Math.log((va + floor) / (vb + floor)))
    if (!best || score > best.score) best = { key, a: va, b: vb, score }
  }
  return best
}

function perRow(record: Record<string, number>, rows: number): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [k, v] of Object.entries(record)) out[k] = rows > 0 ? v / rows : 0
  return out
}

function shares(record: Record<string, number>, total: number): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [k, v] of Object.entries(record)) out[k] = pct(v, total)
  return out
}

function sumValues(record: Record<string, number>): number {
  let n = 0
  for (const v of Object.values(record)) n += v
  return n
}

function maxKey(record: Record<string, number>): number {
  let max = 0
  for (const [k, v] of Object.entries(record)) if (v > 0 && Number(k) > max) max = Number(k)
  return max
}

/**
 * A sentence comparing one number of two configs as a ratio, from templates like `Metric.diff` ({H}, {L},
 * {a}, {b}, {rel}).
 */
function ratioLine(
  a: Stats,
  b: Stats,
  va: number,
  vb: number,
  what: { text: string; same: string; more: string; format?: (v: number) => string },
): string {
  const format = what.format ?? fmtNum
  const [hi, lo, vh, vl] = va >= vb ? [a, b, va, vb] : [b, a, vb, va]
  const values = { H: configLabel(hi.config), L: configLabel(lo.config), a: format(vh), b: format(vl) }
  if (vh === 0 || (vl > 0 && vh / vl - 1 < SAME_RATIO)) return fill(what.same, values)
  return fill(what.text, { ...values, rel: vl > 0 ? relativeText(vh, vl, what.more) : what.more })
}

/** "54 and 42 messages", or "54 messages in both". */
function pairText(a: number, b: number, unit: string): string {
  return a === b ? `${fmtInt(a)} ${unit} in both` : `${fmtInt(a)} and ${fmtInt(b)} ${unit}`
}

function median(d: Distribution): number {
  return d.p50
}

/**
 * Sentences stating what differs between configs `a` and `b` in chart `name`, from the same numbers the
 * chart plots.
 */
export function chartSentences(name: ChartName, a: Stats, b: Stats): string[] {
  const A = configLabel(a.config)
  const B = configLabel(b.config)
  if (a.rows === 0 || b.rows === 0) return ['One of the configs has no rows counted yet.']
  switch (name) {
    case 'top-tools': {
      const ta = topKey(a.seed.toolCalls)
      const tb = topKey(b.seed.toolCalls)
      const out: string[] = []
      if (ta && tb && ta[0] === tb[0]) {
        out.push(
          `${ta[0]} is the most-called tool of both (${fmtNum(ta[1] / a.rows)} calls per row for ${A}, ${fmtNum(tb[1] / b.rows)} for ${B}).`,
        )
      } else if (ta && tb) {
        out.push(
          `${A} calls ${ta[0]} most (${fmtNum(ta[1] / a.rows)} per row); ${B} calls ${tb[0]} most (${fmtNum(tb[1] / b.rows)} per row).`,
        )
      }
      const gap = biggestGap(perRow(a.seed.toolCalls, a.rows), perRow(b.seed.toolCalls, b.rows), 0.2)
      if (gap) {
        out.push(
          `The biggest difference: ${gap.key}, ${fmtNum(gap.a)} calls per row for ${A} vs ${fmtNum(gap.b)} for ${B}.`,
        )
      }
      return out
    }
    case 'parallel-calls': {
      const m = METRICS.find((x) => x.key === 'pctParallelTurns') as Metric
      const wa = maxKey(a.seed.parallelWidths)
      const wb = maxKey(b.seed.parallelWidths)
      return [
        diffSentence(m, a, b) ?? '',
        `The widest turn makes ${wa} calls at once for ${A} and ${wb} for ${B}.`,
      ]
    }
    case 'conversation-length':
      return [
        diffSentence(METRICS.find((x) => x.key === 'messagesPerRow') as Metric, a, b) ?? '',
        `90% of rows have at most ≈${fmtInt(Math.round(a.lengths.rowMessages.p90))} messages for ${A} and ≈${fmtInt(Math.round(b.lengths.rowMessages.p90))} for ${B}; the longest rows have ${pairText(a.lengths.rowMessages.max, b.lengths.rowMessages.max, 'messages')}.`,
      ]
    case 'calls-per-row':
      return [
        diffSentence(METRICS.find((x) => x.key === 'toolCallsPerRow') as Metric, a, b) ?? '',
        `Rows without any tool call: ${fmtPct(pct(a.callsPerRow['0'] ?? 0, a.rows))} for ${A}, ${fmtPct(pct(b.callsPerRow['0'] ?? 0, b.rows))} for ${B}; the busiest rows make ${pairText(a.lengths.rowCalls.max, b.lengths.rowCalls.max, 'calls')}.`,
      ]
    case 'categories': {
      const ca = topKey(a.seed.categories)
      const cb = topKey(b.seed.categories)
      const out: string[] = []
      if (ca && cb) {
        out.push(
          ca[0] === cb[0]
            ? `${ca[0]} is the largest category of both (${fmtPct(pct(ca[1], a.rows))} of ${A} rows, ${fmtPct(pct(cb[1], b.rows))} of ${B} rows).`
            : `The largest category is ${ca[0]} for ${A} (${fmtPct(pct(ca[1], a.rows))} of rows) and ${cb[0]} for ${B} (${fmtPct(pct(cb[1], b.rows))}).`,
        )
      }
      const gap = biggestGap(shares(a.seed.categories, a.rows), shares(b.seed.categories, b.rows), 2)
      if (gap)
        out.push(
          `The biggest difference: ${gap.key}, ${fmtPct(gap.a)} of ${A} rows vs ${fmtPct(gap.b)} of ${B} rows.`,
        )
      return out
    }
    case 'subcategories': {
      const na = Object.keys(a.subcategories).length
      const nb = Object.keys(b.subcategories).length
      const gap = biggestGap(shares(a.subcategories, a.rows), shares(b.subcategories, b.rows), 1)
      const out = [`${A} rows fall into ${na} subcategories, ${B} rows into ${nb}.`]
      if (gap)
        out.push(
          `The biggest difference: ${gap.key}, ${fmtPct(gap.a)} of ${A} rows vs ${fmtPct(gap.b)} of ${B} rows.`,
        )
      return out
    }
    case 'think-length':
      return [
        ratioLine(a, b, median(a.lengths.thinkChars), median(b.lengths.thinkChars), {
          text: '{H}’s median <think> block is {rel} than {L}’s ({a} vs {b} characters).',
          same: '{H}’s and {L}’s median <think> blocks are about as long ({a} vs {b} characters).',
          more: 'longer',
        }),
      ]
    case 'call-length':
      return [
        ratioLine(a, b, median(a.lengths.callChars), median(b.lengths.callChars), {
          text: '{H}’s median tool call is {rel} than {L}’s ({a} vs {b} characters as json.dumps).',
          same: '{H}’s and {L}’s median tool calls are about as long ({a} vs {b} characters as json.dumps).',
          more: 'longer',
        }),
      ]
    case 'answer-length':
      return [
        ratioLine(a, b, a.lengths.answerChars.mean, b.lengths.answerChars.mean, {
          text: '{H} writes {rel} text outside <think> and calls per assistant turn than {L} ({a} vs {b} characters on average).',
          same: '{H} and {L} write about as much text outside <think> and calls per assistant turn ({a} vs {b} characters on average).',
          more: 'more',
        }),
      ]
    case 'tool-error-rate': {
      const out = [diffSentence(METRICS.find((x) => x.key === 'pctResponsesWithError') as Metric, a, b) ?? '']
      const worst = (s: Stats) => {
        let best: [string, number] | null = null
        for (const [k, t] of Object.entries(s.toolErrors)) {
          if (t.calls >= 10 && (!best || t.rate > best[1])) best = [k, t.rate]
        }
        return best
      }
      const wa = worst(a)
      const wb = worst(b)
      if (wa && wb) {
        out.push(
          wa[0] === wb[0]
            ? `Among tools with at least 10 calls, ${wa[0]} fails most often for both (${fmtPct(wa[1] * 100)} of ${A}’s calls, ${fmtPct(wb[1] * 100)} of ${B}’s).`
            : `Among tools with at least 10 calls, ${A} fails most on ${wa[0]} (${fmtPct(wa[1] * 100)} of calls) and ${B} on ${wb[0]} (${fmtPct(wb[1] * 100)}).`,
        )
      }
      return out
    }
    case 'error-kinds': {
      const ka = topKey(a.errorKinds as Record<string, number>)
      const kb = topKey(b.errorKinds as Record<string, number>)
      const ta = sumValues(a.errorKinds as Record<string, number>)
      const tb = sumValues(b.errorKinds as Record<string, number>)
      if (!ka || !kb) return ['One of the configs has no failed calls.']
      return [
        ka[0] === kb[0]
          ? `The most common failure of both is ${ka[0]} (${fmtPct(pct(ka[1], ta))} of ${A}’s failures, ${fmtPct(pct(kb[1], tb))} of ${B}’s).`
          : `${A} fails most often with ${ka[0]} (${fmtPct(pct(ka[1], ta))} of its failures), ${B} with ${kb[0]} (${fmtPct(pct(kb[1], tb))}).`,
      ]
    }
    case 'roles':
      return [
        ratioLine(a, b, (a.roles.tool ?? 0) / a.rows, (b.roles.tool ?? 0) / b.rows, {
          text: '{H} rows carry {rel} tool messages than {L} rows ({a} vs {b} per row).',
          same: '{H} and {L} rows carry about as many tool messages ({a} vs {b} per row).',
          more: 'more',
        }),
        `User (human) messages per row: ${fmtNum((a.roles.human ?? 0) / a.rows)} for ${A}, ${fmtNum((b.roles.human ?? 0) / b.rows)} for ${B}.`,
      ]
    case 'thoughts-per-turn': {
      const one = (s: Stats) => pct(s.seed.thoughtsPerTurn['1'] ?? 0, sumValues(s.seed.thoughtsPerTurn))
      return [
        `${fmtPct(one(a))} of ${A}’s assistant turns and ${fmtPct(one(b))} of ${B}’s hold exactly one <think> block.`,
        diffSentence(METRICS.find((x) => x.key === 'thinkWordsPerBlock') as Metric, a, b) ?? '',
      ]
    }
  }
}
