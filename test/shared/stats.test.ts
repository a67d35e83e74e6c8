/**
 * Stats are mergeable partials: the stats of the whole equal the merge of the stats of any split, in any
 * order and grouping, byte for byte. Also pins the tutorial's aggregate definitions on the fixtures.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { seededRandom as prng } from '../../scripts/lib/random.ts'
import {
  countWords,
  distributionQuantile,
  emptyStats,
  finalizeStats,
  mergeStats,
  statsFromRows,
} from '../../shared/stats.ts'
import type { Stats } from '../../shared/types.ts'
import { mergeInRandomOrder } from './merge-order.ts'

const DIR = join(import.meta.dirname, '../fixtures/rows')
const rows: unknown[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.row.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(DIR, f), 'utf8')))
const META = {
  config: 'kimi',
  dataset: 'lambda/hermes-agent-reasoning-traces',
  revision: 'fixture',
  sample: true,
  rowsTotal: rows.length,
}

function splitStats(all: unknown[], cuts: number[]): Stats[] {
  const bounds = [0, ...cuts, all.length]
  return bounds.slice(1).map((end, i) => statsFromRows(all.slice(bounds[i], end), META))
}

describe('mergeStats', () => {
  const whole = JSON.stringify(statsFromRows(rows, META))

  it('whole == merge of any split, in any order and grouping (100 random splits)', () => {
    const rand = prng(7)
    for (let trial = 0; trial < 100; trial++) {
      const k = 1 + Math.floor(rand() * 6)
      const cuts = Array.from({ length: k }, () => Math.floor(rand() * (rows.length + 1))).sort(
        (a, b) => a - b,
      )
      const parts = splitStats(rows, cuts)
      const folded = mergeInRandomOrder(parts, rand)
      expect(JSON.stringify(folded)).toBe(whole)
    }
  })

  it('is commutative and has the empty stats as identity', () => {
    const a = statsFromRows(rows.slice(0, 7), META)
    const b = statsFromRows(rows.slice(7), META)
    expect(JSON.stringify(mergeStats(a, b))).toBe(JSON.stringify(mergeStats(b, a)))
    const empty = finalizeStats(emptyStats(META))
    expect(JSON.stringify(mergeStats(a, empty))).toBe(JSON.stringify(mergeStats(empty, a)))
    expect(mergeStats(a, empty).rows).toBe(a.rows)
  })

  it('refuses to merge different configs or revisions', () => {
    const a = statsFromRows(rows.slice(0, 2), META)
    const b = statsFromRows(rows.slice(2, 4), { ...META, config: 'glm-5.1' })
    expect(() => mergeStats(a, b)).toThrow(/kimi@fixture with glm-5\.1@fixture/)
  })
})

describe('stats definitions on the fixtures', () => {
  const stats = statsFromRows(rows, META)
  const refs = readdirSync(DIR)
    .filter((f) => f.endsWith('.seed.json'))
    .map((f) => JSON.parse(readFileSync(join(DIR, f), 'utf8')))

  it('seed block equals the Python reference aggregated', () => {
    const turns = refs.reduce((s, r) => s + r.turns, 0)
    const calls = refs.flatMap((r) => r.toolCalls as string[])
    const widths = refs.flatMap((r) => r.parallelWidths as number[])
    expect(stats.rows).toBe(refs.length)
    expect(stats.seed.avgTurns).toBeCloseTo(turns / refs.length, 12)
    expect(stats.seed.avgToolCalls).toBeCloseTo(calls.length / refs.length, 12)
    expect(stats.seed.pctWithError).toBeCloseTo(
      (100 * refs.filter((r) => r.hasError).length) / refs.length,
      12,
    )
    expect(stats.seed.pctParallelTurns).toBeCloseTo(
      (100 * widths.filter((w) => w > 1).length) / widths.length,
      12,
    )
    const byName: Record<string, number> = {}
    for (const c of calls) byName[c] = (byName[c] ?? 0) + 1
    expect(stats.seed.toolCalls).toEqual(byName)
    const lengths = refs.flatMap((r) => r.callLengths as number[])
    expect(stats.lengths.callChars.count).toBe(lengths.length)
    expect(stats.lengths.callChars.sum).toBe(lengths.reduce((a, b) => a + b, 0))
  })

  it('counts the real error taxonomy separately from the heuristic', () => {
    expect(stats.errorKinds).toMatchObject({ timeout: 1, not_found: 1, permission: 1, patch_mismatch: 1 })
    expect(stats.errorKinds.unknown_tool).toBeGreaterThanOrEqual(1)
    expect(stats.errorKinds.malformed_call).toBe(1)
    expect(stats.totals.errorRows).toBeLessThan(stats.totals.seedErrorRows)
    expect(stats.toolErrors.terminal?.kinds.nonzero_exit).toBe(1)
  })

  it('quantiles come from the bins and stay within [min, max]', () => {
    const d = stats.lengths.thinkChars
    expect(d.count).toBeGreaterThan(10)
    for (const q of [0, 0.5, 0.9, 1]) {
      const v = distributionQuantile(d, q)
      expect(v).toBeGreaterThanOrEqual(d.min)
      expect(v).toBeLessThanOrEqual(d.max)
    }
    expect(d.p50).toBeLessThanOrEqual(d.p90)
  })
})

describe('think words', () => {
  it('count like a split on the Python whitespace set, on 20,000 random texts of every length and alignment', () => {
    // The reference: Python's str whitespace, written out (str.split() with no argument splits on runs of it).
    // biome-ignore lint/suspicious/noControlCharactersInRegex: Python counts these controls as whitespace
    const PY_SPACE = /[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/
    const reference = (text: string) => text.split(PY_SPACE).filter((w) => w !== '').length
    const next = prng(11)
    // Every whitespace byte, the controls around them, both ends of printable ASCII, DEL, and some non-ASCII.
    const ALPHABET = [...'\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x00\x08\x0e\x1b!~\x7fa', ...'\x85\xa0\u2000\u3000é']
    let checked = 0
    for (let n = 0; n < 20000; n++) {
      const length = Math.floor(next() * (n % 10 === 0 ? 400 : 40))
      const ascii = next() < 0.8
      let text = ''
      for (let i = 0; i < length; i++) {
        text += ALPHABET[Math.floor(next() * (ascii ? ALPHABET.length - 5 : ALPHABET.length))] as string
      }
      expect(countWords(text), JSON.stringify(text)).toBe(reference(text))
      checked++
    }
    expect(checked).toBe(20000)
  })

  // Expected: Python's len(t.split()) of each thought as the parser keeps it (JavaScript's trim(), which also
  // strips U+FEFF), computed with python3 when this test was written.
  const cases: [string, number][] = [
    ['one two  three', 3],
    ['a\x1cb\x1dc\x1ed\x1fe', 5],
    ['x\x85y\xa0z', 3],
    ['p\ufeffq \ufeff', 1],
    ['\u3000w\u2028v\u2029u\u202ft\u205fs\u1680r\u2000q\u200ap', 8],
    ['\ufeffbom', 1],
    ['tab\tvt\x0bff\x0ccr\rlf\nend', 6],
    [`${'word '.repeat(5000)}é`, 5001],
    [Array(30000).fill('lorem').join(' '), 30000],
    ['ab '.repeat(400000), 400000], // longer than the byte path's scratch cap
  ]
  it.each(cases.map(([text, words], i) => [i, text, words] as const))(
    'case %i counts like Python str.split',
    (_i, text, words) => {
      const row = {
        id: 'w',
        conversations: [
          { from: 'system', value: 'sys' },
          { from: 'human', value: 'task' },
          { from: 'gpt', value: `<think>${text}</think>\nanswer` },
        ],
        tools: '[]',
        category: 'c',
        subcategory: 's',
        task: 't',
      }
      expect(statsFromRows([row], { ...META, rowsTotal: 1 }).totals.thinkWords).toBe(words)
    },
  )
})
