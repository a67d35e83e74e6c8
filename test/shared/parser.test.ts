/**
 * Golden tests of the markup parser and row -> Trace: every `test/fixtures/rows/<case>.row.json` must parse to
 * `<case>.trace.json`, and its tutorial-compatible numbers must equal `<case>.seed.json`, computed by a Python
 * transcription of the tutorial's code (test/fixtures/make_rows.py; make-rows.test.ts reruns it). A missing
 * .trace.json fails the test; set UPDATE_GOLDEN=1 to (re)write them after an intended change, then review the
 * diff.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { seededRandom as rng } from '../../scripts/lib/random.ts'
import { scanTags, simpleThoughts, splitThoughts } from '../../shared/hermes.ts'
import { seedCallLength } from '../../shared/stats.ts'
import { parseRow } from '../../shared/trace.ts'
import { expectGolden } from './golden.ts'

const DIR = join(import.meta.dirname, '../fixtures/rows')
const CTX = {
  config: 'kimi',
  dataset: 'lambda/hermes-agent-reasoning-traces',
  revision: 'fixture',
  sample: true,
}
const cases = readdirSync(DIR)
  .filter((f) => f.endsWith('.row.json'))
  .map((f) => f.replace('.row.json', ''))

interface SeedReference {
  turns: number
  toolCalls: string[]
  parallelWidths: number[]
  thoughtsPerTurn: number[]
  callLengths: number[]
  hasError: boolean
}

describe('parseRow golden fixtures', () => {
  it('has a case for every deviation the real data shows', () => {
    expect(cases.length).toBeGreaterThanOrEqual(19)
  })

  it('has a row, a seed reference and a golden trace per case, and nothing else', () => {
    const expected = cases.flatMap((name) => ['row', 'seed', 'trace'].map((kind) => `${name}.${kind}.json`))
    expect(readdirSync(DIR).sort()).toEqual(expected.sort())
  })

  for (const name of cases) {
    const row = JSON.parse(readFileSync(join(DIR, `${name}.row.json`), 'utf8'))

    it(`${name}: trace matches ${name}.trace.json`, () => {
      const { trace } = parseRow(row, CTX)
      expectGolden(join(DIR, `${name}.trace.json`), `${JSON.stringify(trace, null, 1)}\n`)
    })

    it(`${name}: tutorial numbers match the Python reference`, () => {
      const ref: SeedReference = JSON.parse(readFileSync(join(DIR, `${name}.seed.json`), 'utf8'))
      const { trace, seed } = parseRow(row, CTX)
      expect(trace.summary.messages).toBe(ref.turns)
      expect(seed.callNames.flat()).toEqual(ref.toolCalls)
      expect(seed.callNames.map((n) => n.length).filter((n) => n > 0)).toEqual(ref.parallelWidths)
      expect(seed.thinkCounts).toEqual(ref.thoughtsPerTurn)
      const lengths = seed.callPayloads.flat().map((p) => seedCallLength(p))
      expect(lengths.filter((n) => n !== null)).toEqual(ref.callLengths)
      expect(seed.hasError).toBe(ref.hasError)
      expect(trace.summary.seedError).toBe(ref.hasError)
      expect(trace.summary.toolCalls).toBe(ref.toolCalls.length)
    })
  }
})

describe('parseRow never throws', () => {
  const junk: unknown[] = [
    null,
    undefined,
    42,
    'text',
    [],
    {},
    { conversations: 'nope' },
    {
      conversations: [
        null,
        3,
        { from: 'gpt' },
        { from: 'gpt', value: '<think><think></think></tool_call><tool_call>' },
      ],
    },
    { conversations: [{ from: 'tool', value: '<tool_response>' }], tools: '{"a":' },
  ]
  for (const [i, row] of junk.entries()) {
    it(`junk row #${i} parses with warnings`, () => {
      const { trace } = parseRow(row, CTX)
      expect(trace.warnings.length).toBeGreaterThan(0)
      expect(JSON.parse(JSON.stringify(trace)).summary.messages).toBe(trace.messages.length)
    })
  }
})

describe('the think split fast path', () => {
  // Messages built from the pieces a real message is made of, including tag fragments and stray tags.
  const PIECES = [
    '<think>',
    '</think>',
    '<tool_call>',
    '</tool_call>',
    '{"name": "terminal", "arguments": {"command": "ls"}}',
    ' ',
    '\n',
    '\ufeff',
    'text',
    'é',
    '<',
    '<t',
    '</',
    '<tool_',
    'call>',
    'think>',
  ]
  const count = (text: string, tag: string) => text.split(tag).length - 1

  it('counts tags like a plain substring count, and gives what the general walk gives wherever it applies', () => {
    const next = rng(11)
    let fast = 0
    for (let n = 0; n < 20000; n++) {
      const parts: string[] = []
      const length = Math.floor(next() * 9)
      for (let k = 0; k < length; k++) parts.push(PIECES[Math.floor(next() * PIECES.length)] as string)
      const value = parts.join('')
      const tags = scanTags(value)
      expect(tags.thinkOpens, value).toBe(count(value, '<think>'))
      expect(tags.thinkCloses, value).toBe(count(value, '</think>'))
      expect(tags.callOpens, value).toBe(count(value, '<tool_call>'))
      expect(tags.firstThinkOpen, value).toBe(value.indexOf('<think>'))
      expect(tags.firstThinkClose, value).toBe(value.indexOf('</think>'))
      const simple = simpleThoughts(value, tags)
      const general = splitThoughts(value, tags, 0, [])
      if (!simple) continue
      fast++
      expect(simple.thoughts, value).toEqual(general.thoughts)
      expect([simple.thinkPairs, simple.thinkUnclosed], value).toEqual([
        general.thinkPairs,
        general.thinkUnclosed,
      ])
      // The outside text loses only the whitespace before the think block.
      const prefix = general.rest.slice(0, general.rest.length - simple.rest.length)
      expect(prefix + simple.rest, value).toBe(general.rest)
      expect(prefix.trim(), value).toBe('')
    }
    // Both paths are exercised.
    expect(fast).toBeGreaterThan(2000)
    expect(fast).toBeLessThan(19000)
  })
})
