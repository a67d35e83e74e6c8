/**
 * Two replays side by side: a global sequence alignment (Needleman–Wunsch) of their steps, and the differences
 * in numbers. Pure: takes two `Trace`s, returns the `Comparison` body without provenance.
 *
 * A step's signature is the sequence of tool names it calls (an answer-only step has the empty signature).
 * Costs: a gap (a step with nothing beside it) costs 1; two steps side by side cost 0 when their signatures are
 * identical, else 0.5 plus the Dice distance of their tool-name multisets (1 - 2|A∩B| / (|A| + |B|)): the same tools
 * in another order cost 0.5, nothing in common 1.5. Pairing two unrelated steps (1.5) is cheaper than two gaps (2),
 * so leftovers share a row, but a shift that lines identical steps up always wins. Ties prefer pairing, then a
 * step of A alone, so the result is deterministic.
 */
import { MALFORMED } from './hermes.ts'
import { pyLen } from './pyjson.ts'
import { callFailureKind } from './trace.ts'
import type {
  AlignedStep,
  AlignKind,
  CallOutcome,
  CompareCall,
  ComparePair,
  CompareStep,
  CompareSummary,
  CompareTraceHeader,
  Comparison,
  ErrorKind,
  Step,
  Trace,
} from './types.ts'

/** Cost of a step with nothing beside it. */
export const GAP_COST = 1
/** Base cost of two steps side by side whose signatures differ. */
export const MISMATCH_BASE = 0.5
/** Longest call preview, in characters. */
export const PREVIEW_CHARS = 120
/** Floating-point slack when comparing path costs (costs are sums of small rationals). */
const EPSILON = 1e-9

/** The tool names a step calls, in order. */
export function stepSignature(step: Pick<Step, 'calls'>): string[] {
  return step.calls.map((c) => (c.malformed ? MALFORMED : c.name))
}

/** 1 - 2|A∩B| / (|A| + |B|) over the multisets of names; 0 for two empty signatures. */
export function diceDistance(a: readonly string[], b: readonly string[]): number {
  if (a.length + b.length === 0) return 0
  const counts = new Map<string, number>()
  for (const name of a) counts.set(name, (counts.get(name) ?? 0) + 1)
  let common = 0
  for (const name of b) {
    const n = counts.get(name) ?? 0
    if (n > 0) {
      common++
      counts.set(name, n - 1)
    }
  }
  return 1 - (2 * common) / (a.length + b.length)
}

function sameSequence(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i])
}

/** Cost of placing two steps with these signatures side by side. */
export function substitutionCost(a: readonly string[], b: readonly string[]): number {
  return sameSequence(a, b) ? 0 : MISMATCH_BASE + diceDistance(a, b)
}

/** How two signatures side by side relate. */
export function pairKind(a: readonly string[], b: readonly string[]): AlignKind {
  if (sameSequence(a, b)) return 'same'
  return diceDistance(a, b) < 1 ? 'similar' : 'different'
}

/** One row of an alignment over indexes: `a` / `b` are step indexes, or null for a gap. */
export interface AlignmentPair {
  a: number | null
  b: number | null
}

/**
 * The optimal global alignment of two signature lists (see the file comment for the costs), in order.
 * O(n·m) time, a byte per cell for the traceback.
 */
export function alignSignatures(
  a: readonly (readonly string[])[],
  b: readonly (readonly string[])[],
): { pairs: AlignmentPair[]; cost: number } {
  const n = a.length
  const m = b.length
  const width = m + 1
  // Traceback moves: 0 diagonal (pair), 1 up (a alone), 2 left (b alone).
  const move = new Uint8Array((n + 1) * width)
  let prev = new Float64Array(width)
  let row = new Float64Array(width)
  for (let j = 1; j <= m; j++) {
    prev[j] = j * GAP_COST
    move[j] = 2
  }
  for (let i = 1; i <= n; i++) {
    row[0] = i * GAP_COST
    move[i * width] = 1
    const sa = a[i - 1] as readonly string[]
    for (let j = 1; j <= m; j++) {
      const diagonal = (prev[j - 1] as number) + substitutionCost(sa, b[j - 1] as readonly string[])
      const up = (prev[j] as number) + GAP_COST
      const left = (row[j - 1] as number) + GAP_COST
      let best = diagonal
      let how = 0
      if (up < best - EPSILON) {
        best = up
        how = 1
      }
      if (left < best - EPSILON) {
        best = left
        how = 2
      }
      row[j] = best
      move[i * width + j] = how
    }
    ;[prev, row] = [row, prev]
  }
  // After the last swap `prev` holds row n (row 0 when A is empty).
  const cost = prev[m] as number
  const pairs: AlignmentPair[] = []
  let i = n
  let j = m
  while (i > 0 || j > 0) {
    const how = move[i * width + j]
    if (how === 0) {
      pairs.push({ a: i - 1, b: j - 1 })
      i--
      j--
    } else if (how === 1) {
      pairs.push({ a: i - 1, b: null })
      i--
    } else {
      pairs.push({ a: null, b: j - 1 })
      j--
    }
  }
  pairs.reverse()
  return { pairs, cost: Math.round(cost * 1e6) / 1e6 }
}

/** The arguments of a call as one short line. */
function callPreview(call: Step['calls'][number]): string {
  let text: string
  if (call.malformed) text = call.raw
  else {
    try {
      text = JSON.stringify(call.arguments) ?? String(call.arguments)
    } catch {
      text = String(call.arguments)
    }
  }
  const oneLine = text.replace(/\s+/g, ' ').trim()
  return oneLine.length <= PREVIEW_CHARS ? oneLine : `${oneLine.slice(0, PREVIEW_CHARS - 1)}…`
}

/** `ok`, or why the call failed: malformed / unknown tool first, then the response's kind, then no response. */
export function callOutcome(step: Step, k: number, toolNames: ReadonlySet<string>): CallOutcome {
  const call = step.calls[k]
  if (!call) return 'ok'
  const response = step.responses[k]
  return (
    callFailureKind(call.name, call.malformed, toolNames) ??
    response?.errorKind ??
    (response ? 'ok' : 'missing_response')
  )
}

/** One step as a side of an aligned row. */
export function compareStep(step: Step, index: number, toolNames: ReadonlySet<string>): CompareStep {
  const calls: CompareCall[] = step.calls.map((call, k) => ({
    name: call.malformed ? MALFORMED : call.name,
    preview: callPreview(call),
    outcome: callOutcome(step, k, toolNames),
  }))
  let thinkChars = 0
  for (const t of step.thoughts) thinkChars += pyLen(t)
  return {
    step: index + 1,
    message: step.message,
    calls,
    failures: calls.filter((c) => c.outcome !== 'ok').length,
    thinkChars,
    answerChars: pyLen(step.answer),
  }
}

function header(trace: Trace): CompareTraceHeader {
  return {
    id: trace.id,
    config: trace.config,
    category: trace.category,
    subcategory: trace.subcategory,
    task: trace.task,
    summary: trace.summary,
  }
}

/** Counts of two keyed maps as sorted pairs (a + b descending, then key). */
function pairsOf<K extends string>(a: Map<K, number>, b: Map<K, number>): (ComparePair & { key: K })[] {
  const keys = new Set<K>([...a.keys(), ...b.keys()])
  return [...keys]
    .map((key) => ({ key, a: a.get(key) ?? 0, b: b.get(key) ?? 0 }))
    .sort((x, y) => y.a + y.b - (x.a + x.b) || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))
}

function bump<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1)
}

/** Totals of one trace's compared steps. */
function totalsOf(steps: CompareStep[]) {
  const tools = new Map<string, number>()
  const kinds = new Map<ErrorKind, number>()
  let calls = 0
  let failures = 0
  let thinkChars = 0
  let answerChars = 0
  for (const s of steps) {
    calls += s.calls.length
    failures += s.failures
    thinkChars += s.thinkChars
    answerChars += s.answerChars
    for (const c of s.calls) {
      bump(tools, c.name)
      if (c.outcome !== 'ok') bump(kinds, c.outcome)
    }
  }
  const last = steps[steps.length - 1]
  const finalAnswerChars = last && last.calls.length === 0 ? last.answerChars : 0
  return { tools, kinds, calls, failures, thinkChars, answerChars, finalAnswerChars }
}

/** Align two traces step by step and sum up their differences. */
export function compareTraces(a: Trace, b: Trace): Omit<Comparison, 'dataset' | 'revision' | 'sample'> {
  const toolsA = new Set(a.tools.map((t) => t.name))
  const toolsB = new Set(b.tools.map((t) => t.name))
  const stepsA = a.steps.map((s, i) => compareStep(s, i, toolsA))
  const stepsB = b.steps.map((s, i) => compareStep(s, i, toolsB))
  const sigA = a.steps.map(stepSignature)
  const sigB = b.steps.map(stepSignature)
  const { pairs, cost } = alignSignatures(sigA, sigB)
  const alignment: Record<AlignKind, number> = { same: 0, similar: 0, different: 0, 'a-only': 0, 'b-only': 0 }
  const steps: AlignedStep[] = pairs.map((p) => {
    const kind: AlignKind =
      p.a === null
        ? 'b-only'
        : p.b === null
          ? 'a-only'
          : pairKind(sigA[p.a] as string[], sigB[p.b] as string[])
    alignment[kind]++
    return {
      kind,
      a: p.a === null ? null : (stepsA[p.a] as CompareStep),
      b: p.b === null ? null : (stepsB[p.b] as CompareStep),
    }
  })
  const ta = totalsOf(stepsA)
  const tb = totalsOf(stepsB)
  const summary: CompareSummary = {
    steps: { a: stepsA.length, b: stepsB.length },
    calls: { a: ta.calls, b: tb.calls },
    callsPerTool: pairsOf(ta.tools, tb.tools).map(({ key, a, b }) => ({ tool: key, a, b })),
    failures: { a: ta.failures, b: tb.failures },
    failuresByKind: pairsOf(ta.kinds, tb.kinds).map(({ key, a, b }) => ({ kind: key, a, b })),
    thinkChars: { a: ta.thinkChars, b: tb.thinkChars },
    answerChars: { a: ta.answerChars, b: tb.answerChars },
    finalAnswerChars: { a: ta.finalAnswerChars, b: tb.finalAnswerChars },
    alignment,
    cost,
  }
  return { a: header(a), b: header(b), steps, summary }
}
