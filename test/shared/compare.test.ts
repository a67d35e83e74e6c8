/**
 * Two traces side by side (shared/compare.ts) and the same-task grouping (shared/same-task.ts).
 *
 * The alignment is checked against a brute force written here: every alignment of small random step lists is
 * enumerated and costed by the documented rule (gap 1; identical signatures 0, else 0.5 + the Dice distance of the
 * tool-name multisets); the aligner must reach the minimum. The numbers of a comparison are recounted from the two
 * traces' steps here, on every pair of golden fixture traces; the same-task groups are checked against a scan.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, expectTypeOf, it } from 'vitest'
import type { z } from 'zod'
import { seededRandom as rng } from '../../scripts/lib/random.ts'
import { alignSignatures, compareTraces } from '../../shared/compare.ts'
import { SAME_TASK_SHARDS, sameTaskOthers, sameTaskShard, sameTaskShards } from '../../shared/same-task.ts'
import { parseRow } from '../../shared/trace.ts'
import type { Comparison, SameTaskList, Trace, TraceSummary } from '../../shared/types.ts'
import { ComparisonSchema, type SameTaskListSchema } from '../../workers/schemas.ts'

const FIXTURES = join(import.meta.dirname, '../fixtures/rows')
const CTX = { dataset: 'd', revision: 'a'.repeat(40), sample: true, config: 'kimi' }

function fixtureTraces(): Trace[] {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.row.json'))
  return files.map((f) => parseRow(JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')), CTX).trace)
}

// The documented cost rule, written independently of shared/compare.ts.
function refCost(x: string[], y: string[]): number {
  if (x.length === y.length && x.every((v, i) => v === y[i])) return 0
  const sx = [...x].sort()
  const sy = [...y].sort()
  let i = 0
  let j = 0
  let common = 0
  while (i < sx.length && j < sy.length) {
    if (sx[i] === sy[j]) {
      common++
      i++
      j++
    } else if ((sx[i] as string) < (sy[j] as string)) i++
    else j++
  }
  return 0.5 + 1 - (2 * common) / (x.length + y.length)
}

/** Minimum cost over every alignment, by plain recursion (exponential: small inputs only). */
function bruteMin(a: string[][], b: string[][], i = 0, j = 0): number {
  if (i === a.length) return b.length - j
  if (j === b.length) return a.length - i
  return Math.min(
    refCost(a[i] as string[], b[j] as string[]) + bruteMin(a, b, i + 1, j + 1),
    1 + bruteMin(a, b, i + 1, j),
    1 + bruteMin(a, b, i, j + 1),
  )
}

function randomSignatures(next: () => number, max: number): string[][] {
  const tools = ['read', 'write', 'terminal']
  const n = Math.floor(next() * (max + 1))
  return Array.from({ length: n }, () =>
    Array.from({ length: Math.floor(next() * 3) }, () => tools[Math.floor(next() * tools.length)] as string),
  )
}

describe('alignSignatures', () => {
  it('reaches the brute-force minimum on 400 random pairs of step lists, covering every step once, in order', () => {
    const next = rng(7)
    let nonTrivial = 0
    for (let round = 0; round < 400; round++) {
      const a = randomSignatures(next, 6)
      const b = randomSignatures(next, 6)
      const { pairs, cost } = alignSignatures(a, b)
      const expected = bruteMin(a, b)
      expect(cost, JSON.stringify({ a, b })).toBeCloseTo(expected, 5)
      // The pairs are an alignment: each side's indexes appear once, increasing, and nothing is empty.
      expect(pairs.map((p) => p.a).filter((v) => v !== null)).toEqual(a.map((_, i) => i))
      expect(pairs.map((p) => p.b).filter((v) => v !== null)).toEqual(b.map((_, i) => i))
      for (const p of pairs) expect(p.a !== null || p.b !== null).toBe(true)
      // ... and its own cost, recounted here, is the minimum.
      let recount = 0
      for (const p of pairs) {
        recount += p.a !== null && p.b !== null ? refCost(a[p.a] as string[], b[p.b] as string[]) : 1
      }
      expect(recount).toBeCloseTo(expected, 5)
      if (pairs.some((p) => p.a === null || p.b === null) && a.length > 0 && b.length > 0) nonTrivial++
    }
    // Gaps inside non-empty alignments happened often: the check covered more than index pairing.
    expect(nonTrivial).toBeGreaterThan(50)
  })

  it('lines identical steps up across an inserted step instead of pairing by index', () => {
    const a = [['read'], ['terminal'], ['write'], []]
    const b = [['read'], ['search'], ['terminal'], ['write'], []]
    const { pairs, cost } = alignSignatures(a, b)
    expect(pairs).toEqual([
      { a: 0, b: 0 },
      { a: null, b: 1 },
      { a: 1, b: 2 },
      { a: 2, b: 3 },
      { a: 3, b: 4 },
    ])
    expect(cost).toBe(1)
  })

  it('pairs leftovers that have nothing in common rather than leaving two gaps; empty inputs', () => {
    expect(alignSignatures([['x']], [['y']])).toEqual({ pairs: [{ a: 0, b: 0 }], cost: 1.5 })
    expect(alignSignatures([], [])).toEqual({ pairs: [], cost: 0 })
    expect(alignSignatures([[]], [])).toEqual({ pairs: [{ a: 0, b: null }], cost: 1 })
    expect(alignSignatures([], [['x'], []])).toEqual({
      pairs: [
        { a: null, b: 0 },
        { a: null, b: 1 },
      ],
      cost: 2,
    })
  })
})

/** What the comparison must say about one trace, recounted from its steps. */
function recount(trace: Trace) {
  const toolset = new Set(trace.tools.map((t) => t.name))
  const perTool: Record<string, number> = {}
  const kinds: Record<string, number> = {}
  let calls = 0
  let failures = 0
  const outcomes: string[][] = []
  for (const step of trace.steps) {
    const row: string[] = []
    step.calls.forEach((call, k) => {
      calls++
      const name = call.malformed ? '<malformed>' : call.name
      perTool[name] = (perTool[name] ?? 0) + 1
      let outcome = 'ok'
      if (call.malformed) outcome = 'malformed_call'
      else if (toolset.size > 0 && !toolset.has(call.name)) outcome = 'unknown_tool'
      else if (k >= step.responses.length) outcome = 'missing_response'
      else if (step.responses[k]?.errorKind) outcome = step.responses[k]?.errorKind as string
      if (outcome !== 'ok') {
        failures++
        kinds[outcome] = (kinds[outcome] ?? 0) + 1
      }
      row.push(outcome)
    })
    outcomes.push(row)
  }
  const last = trace.steps[trace.steps.length - 1]
  const finalAnswer = last && last.calls.length === 0 ? [...last.answer].length : 0
  return { calls, perTool, kinds, failures, outcomes, finalAnswer }
}

describe('compareTraces', () => {
  const traces = fixtureTraces()

  it('on every pair of golden fixture traces: numbers recounted from the steps, rows in both orders', () => {
    expect(traces.length).toBeGreaterThan(10)
    let pairs = 0
    for (const ta of traces) {
      for (const tb of traces) {
        const c = compareTraces(ta, tb)
        const ra = recount(ta)
        const rb = recount(tb)
        const where = `${ta.id} vs ${tb.id}`
        expect(c.a.id).toBe(ta.id)
        expect(c.b.task).toBe(tb.task)
        expect(c.summary.steps).toEqual({ a: ta.steps.length, b: tb.steps.length })
        expect(c.summary.calls, where).toEqual({ a: ra.calls, b: rb.calls })
        expect(c.summary.failures, where).toEqual({ a: ra.failures, b: rb.failures })
        // Reasoning and answer sizes equal the parser's own row summary (code points).
        expect(c.summary.thinkChars).toEqual({ a: ta.summary.thinkChars, b: tb.summary.thinkChars })
        expect(c.summary.answerChars).toEqual({ a: ta.summary.answerChars, b: tb.summary.answerChars })
        expect(c.summary.finalAnswerChars).toEqual({ a: ra.finalAnswer, b: rb.finalAnswer })
        const tools = new Set([...Object.keys(ra.perTool), ...Object.keys(rb.perTool)])
        expect(c.summary.callsPerTool.map((t) => t.tool).sort()).toEqual([...tools].sort())
        for (const t of c.summary.callsPerTool) {
          expect(t, where).toEqual({ tool: t.tool, a: ra.perTool[t.tool] ?? 0, b: rb.perTool[t.tool] ?? 0 })
        }
        const kinds = new Set([...Object.keys(ra.kinds), ...Object.keys(rb.kinds)])
        expect(c.summary.failuresByKind.map((k) => k.kind).sort()).toEqual([...kinds].sort())
        for (const k of c.summary.failuresByKind) {
          expect(k).toEqual({ kind: k.kind, a: ra.kinds[k.kind] ?? 0, b: rb.kinds[k.kind] ?? 0 })
        }
        // Every step of each side appears once, in order, with its own calls and outcomes.
        const sideA = c.steps.flatMap((s) => (s.a ? [s.a] : []))
        const sideB = c.steps.flatMap((s) => (s.b ? [s.b] : []))
        expect(sideA.map((s) => s.step)).toEqual(ta.steps.map((_, i) => i + 1))
        expect(sideB.map((s) => s.step)).toEqual(tb.steps.map((_, i) => i + 1))
        sideA.forEach((s, i) => {
          expect(s.message).toBe(ta.steps[i]?.message)
          expect(s.calls.map((x) => x.outcome)).toEqual(ra.outcomes[i])
          expect(s.failures).toBe(ra.outcomes[i]?.filter((o) => o !== 'ok').length)
        })
        const counted = { same: 0, similar: 0, different: 0, 'a-only': 0, 'b-only': 0 }
        for (const s of c.steps) {
          counted[s.kind]++
          expect(s.kind === 'a-only').toBe(s.b === null)
          expect(s.kind === 'b-only').toBe(s.a === null)
          if (s.a && s.b) {
            const namesA = s.a.calls.map((k) => k.name)
            const namesB = s.b.calls.map((k) => k.name)
            const same = JSON.stringify(namesA) === JSON.stringify(namesB)
            const shared = namesA.some((n) => namesB.includes(n))
            expect(s.kind, where).toBe(same ? 'same' : shared ? 'similar' : 'different')
          }
        }
        expect(c.summary.alignment).toEqual(counted)
        // The answer the API sends validates against the schema of the OpenAPI document.
        const parsed = ComparisonSchema.safeParse({
          dataset: 'd',
          revision: CTX.revision,
          sample: true,
          ...c,
        })
        expect(parsed.error?.issues ?? [], where).toEqual([])
        pairs++
      }
    }
    expect(pairs).toBe(traces.length ** 2)
  })

  it('a trace against itself: every row `same`, cost 0, equal numbers', () => {
    const longest = [...traces].sort((x, y) => y.steps.length - x.steps.length)[0] as Trace
    expect(longest.steps.length).toBeGreaterThan(1)
    const c = compareTraces(longest, longest)
    expect(c.steps.length).toBe(longest.steps.length)
    expect(c.steps.every((s) => s.kind === 'same' && s.a?.step === s.b?.step)).toBe(true)
    expect(c.summary.cost).toBe(0)
    expect(c.summary.calls.a).toBe(c.summary.calls.b)
  })

  it('call previews are one line, at most 120 characters', () => {
    const all = traces.flatMap((t) => compareTraces(t, t).steps.flatMap((s) => s.a?.calls ?? []))
    expect(all.length).toBeGreaterThan(5)
    for (const call of all) {
      expect(call.preview.length).toBeLessThanOrEqual(120)
      expect(call.preview).not.toMatch(/\n/)
    }
  })

  it('the answer schemas are the contract types', () => {
    expectTypeOf<z.infer<typeof ComparisonSchema>>().toEqualTypeOf<Comparison>()
    expectTypeOf<z.infer<typeof SameTaskListSchema>>().toEqualTypeOf<SameTaskList>()
  })
})

describe('same-task groups', () => {
  function summaryOf(id: string, task: string, config = 'kimi'): TraceSummary {
    const base = fixtureTraces()[0]?.summary as TraceSummary
    return { ...base, id, task, config }
  }

  it('equal a scan for exact task text (case, spaces and "__proto__" included), in input order, after a JSON round trip', () => {
    const tasks = ['Fix the bug', 'fix the bug', 'Fix the bug ', '__proto__', 'constructor', 'toString', '']
    const next = rng(3)
    const summaries: TraceSummary[] = []
    for (let i = 0; i < 300; i++) {
      const task = next() < 0.5 ? (tasks[Math.floor(next() * tasks.length)] as string) : `unique ${i}`
      summaries.push(summaryOf(`id-${i}`, task, next() < 0.5 ? 'kimi' : 'glm-5.1'))
    }
    const shards = sameTaskShards(summaries).map((s) => JSON.parse(JSON.stringify(s)))
    expect(shards).toHaveLength(SAME_TASK_SHARDS)
    let withOthers = 0
    for (const s of summaries) {
      const expected = summaries.filter((x) => x.task === s.task && x.id !== s.id).map((x) => x.id)
      const shard = shards[sameTaskShard(s.task)]
      const got = sameTaskOthers(shard, s.task, s.id).map((x) => x.id)
      expect(got, JSON.stringify(s.task)).toEqual(expected)
      if (expected.length > 0) withOthers++
    }
    expect(withOthers).toBeGreaterThan(100)
    // Singletons are not stored; every stored group has two rows or more and sits in its task's shard.
    let stored = 0
    shards.forEach((shard, k) => {
      for (const [task, group] of Object.entries(shard as Record<string, TraceSummary[]>)) {
        expect(group.length).toBeGreaterThanOrEqual(2)
        expect(sameTaskShard(task)).toBe(k)
        stored++
      }
    })
    expect(stored).toBe(tasks.length)
  })
})
