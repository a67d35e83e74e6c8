/**
 * THE search test: for 200 seeded random queries (words drawn from the sample's own text, 2-word phrases of real
 * adjacent words, prefixes, AND of words from different messages, with role, tool, error and config filters),
 * the set of matching (trace, message) pairs the index returns equals a brute-force scan of the rows written here,
 * independently of the index: normalise each message's text (as the replay parser splits it into thoughts, calls
 * and answer) and look for the terms with regular expressions. The BM25 score of every hit is recomputed from
 * the same scan (term and document frequencies counted by regex), and the order is checked.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openLocalParquet, streamRowSlices } from '../../scripts/lib/local-parquet.ts'
import { seededRandom as rng } from '../../scripts/lib/random.ts'
import { ERROR_KINDS, matchesFilter } from '../../shared/filters.ts'
import { parseGptMessage } from '../../shared/hermes.ts'
import { type SearchSource, searchRun } from '../../shared/search/evaluate.ts'
import { searchManifestBuild, searchManifestDecode } from '../../shared/search/manifest.ts'
import { partialDocsDecode, partialLayout, searchPartialBuild } from '../../shared/search/partial.ts'
import { parseSearchQuery } from '../../shared/search/query.ts'
import { searchRowFromTrace } from '../../shared/search/rows.ts'
import { searchDictDecode, searchShardMerge } from '../../shared/search/shard.ts'
import { parseRow } from '../../shared/trace.ts'
import type { Trace } from '../../shared/types.ts'

const ROOT = join(import.meta.dirname, '../..')
const CONFIGS = ['kimi', 'glm-5.1'] as const
const SHARDS = 16

/** Rows the generator does not write: Unicode forms, odd markup, an unknown role. */
function extraRows(): Record<string, unknown>[] {
  const system = 'You are a function calling AI model. <tools>[]</tools>'
  const conv = (...m: [string, string][]) => m.map(([from, value]) => ({ from, value }))
  const row = (id: string, conversations: { from: string; value: string }[]) => ({
    id,
    conversations,
    tools: '[{"type": "function", "function": {"name": "terminal", "description": "", "parameters": {}}}]',
    category: 'Unicode',
    subcategory: 'forms',
    task: 'unicode',
  })
  return [
    row(
      'extra-unicode-1',
      conv(
        ['system', system],
        ['human', 'Ｒｅｎａｍｅ the ﬁle «Straße.txt» to STRASSE — naïve café e\u0301te\u0301 ①②'],
        [
          'gpt',
          '<think>\nΟΔΟΣ ΣΟΦΙΑ and ﬁle straße\n</think>\nDone: ﬁle renamed\n<tool_call>\n{"name": "terminal", "arguments": {"command": "mv Straße.txt ＳＴＲＡＳＳＥ"}}\n</tool_call>',
        ],
        [
          'tool',
          '<tool_response>\n{"tool_call_id": "t0", "name": "terminal", "content": {"output": "日本語 テキスト ok", "exit_code": 0, "error": null}}\n</tool_response>',
        ],
        ['narrator', 'straße should not be found here'],
      ),
    ),
    row(
      'extra-markup-2',
      conv(
        ['system', system],
        ['human', 'odd markup please'],
        ['gpt', 'stray reasoning words</think>answer text here<tool_call>{"name": "terminal"}'],
        ['tool', 'no tags at all just output words'],
        [
          'gpt',
          '<think>unclosed thinking words <tool_call>\n{"name": "terminal", "arguments": {}}\n</tool_call> tail words',
        ],
        [
          'tool',
          '<tool_response>\n{"content": "x"}\n</tool_response>\n<tool_response>\n{"content": "second response words"}\n</tool_response>',
        ],
        ['human', 'a later human turn about think and tool_call words'],
        ['tool', 'orphan tool message words'],
      ),
    ),
  ]
}

/** One message as the brute force sees it: its normalised segments by field. */
interface BruteMessage {
  config: string
  row: number
  id: string
  index: number
  segments: { field: string; text: string }[]
  tools: Set<string>
  words: number
}

const TAGS = /<\/?(?:think|tool_call|tool_response)>/g
const W = '[\\p{L}\\p{N}_]'

function normalise(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(TAGS, ' ')
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** The messages of a trace, split the way the replay parser splits a gpt message. */
function bruteMessages(config: string, row: number, trace: Trace): BruteMessage[] {
  const out: BruteMessage[] = []
  let stepCalls: string[] | null = null
  for (const [i, m] of trace.messages.entries()) {
    let segments: { field: string; text: string }[]
    let tools = new Set<string>()
    if (m.from === 'gpt') {
      const parsed = parseGptMessage(m.value, i, [])
      segments = [
        ...parsed.thoughts.map((t) => ({ field: 'think', text: t })),
        ...parsed.calls.map((c) => ({ field: 'call', text: c.raw })),
        { field: 'gpt', text: parsed.answer },
      ]
      stepCalls = parsed.calls.map((c) => c.name)
      tools = new Set(stepCalls)
    } else if (m.from === 'tool') {
      segments = [{ field: 'tool', text: m.value }]
      tools = new Set(stepCalls ?? [])
    } else {
      stepCalls = null
      if (m.from !== 'system' && m.from !== 'human') continue
      segments = [{ field: m.from, text: m.value }]
    }
    const normalised = segments.map((s) => ({ field: s.field, text: normalise(s.text) }))
    const words = normalised.reduce((n, s) => n + (s.text.match(new RegExp(`${W}+`, 'gu'))?.length ?? 0), 0)
    out.push({ config, row, id: trace.id, index: i, segments: normalised, tools, words })
  }
  return out
}

interface Query {
  q: string
  role?: string[]
  tool?: string
  error?: string
  config?: string
}

describe('search equals a brute-force scan (200 seeded random queries)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hte-search-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const traces = new Map<string, Trace[]>()
  const sources: { config: string; source: SearchSource }[] = []
  const messages: BruteMessage[] = []

  beforeAll(async () => {
    execFileSync(
      process.execPath,
      [
        join(ROOT, 'scripts/sample.ts'),
        '--out',
        dir,
        '--rows-kimi',
        '50',
        '--rows-glm',
        '30',
        '--seed',
        '11',
      ],
      { stdio: 'ignore' },
    )
    const random = rng(99)
    for (const config of CONFIGS) {
      const rows: Record<string, unknown>[] = []
      const source = await openLocalParquet(join(dir, 'data', config, 'train.parquet'))
      for await (const slice of streamRowSlices(source)) rows.push(...slice.rows)
      if (config === 'kimi') rows.push(...extraRows())
      const list = rows.map((r) => parseRow(r, { config, dataset: 'd', revision: 'r', sample: true }).trace)
      traces.set(config, list)
      for (const [row, trace] of list.entries()) messages.push(...bruteMessages(config, row, trace))
      // Random slices, merged: the index the Worker builds through its Queue.
      const cuts = [0]
      while ((cuts[cuts.length - 1] as number) < list.length) {
        cuts.push(Math.min(list.length, (cuts[cuts.length - 1] as number) + 3 + Math.floor(random() * 20)))
      }
      const inputs = list.map(searchRowFromTrace)
      const parts: {
        start: number
        end: number
        built: ReturnType<typeof searchPartialBuild>
        layout: ReturnType<typeof partialLayout>
      }[] = []
      for (let i = 0; i + 1 < cuts.length; i++) {
        const built = searchPartialBuild(inputs.slice(cuts[i], cuts[i + 1]), SHARDS)
        const layout = partialLayout(built.partial)
        parts.push({ start: cuts[i] as number, end: cuts[i + 1] as number, built, layout })
      }
      const manifest = searchManifestDecode(
        searchManifestBuild(
          parts.map((p) => ({ ...p, docs: partialDocsDecode(p.built.partial.subarray(...p.layout.docs)) })),
          SHARDS,
        ),
      )
      const shards = Array.from({ length: SHARDS }, (_, k) =>
        searchShardMerge(
          manifest,
          k,
          parts.map((p) => p.built.partial.subarray(...(p.layout.sections[k] as [number, number]))),
        ),
      )
      const dicts = shards.map((s) => searchDictDecode(s.dict))
      sources.push({
        config,
        source: {
          manifest,
          dict: async (k) => dicts[k] as ReturnType<typeof searchDictDecode>,
          read: async (k, from, to) => (shards[k] as { postings: Uint8Array }).postings.subarray(from, to),
        },
      })
    }
  }, 120_000)

  /** Random queries over real words of the sample. */
  function queries(count: number): Query[] {
    const random = rng(2024)
    const pickMessage = () => messages[Math.floor(random() * messages.length)] as BruteMessage
    const wordsOf = (text: string) => text.match(new RegExp(`${W}+`, 'gu')) ?? []
    const pickWord = (m: BruteMessage): string | null => {
      const all = m.segments.flatMap((s) => wordsOf(s.text))
      return all.length > 0 ? (all[Math.floor(random() * all.length)] as string) : null
    }
    const out: Query[] = []
    while (out.length < count) {
      const m = pickMessage()
      const kind = random()
      let q: string | null = null
      if (kind < 0.3) q = pickWord(m)
      else if (kind < 0.45) {
        const a = pickWord(m)
        const b = pickWord(m)
        q = a && b ? `${a} ${b}` : null
      } else if (kind < 0.7) {
        const seg = m.segments[Math.floor(random() * m.segments.length)]
        const words = seg ? wordsOf(seg.text) : []
        if (words.length >= 2) {
          const at = Math.floor(random() * (words.length - 1))
          q = `"${words[at]} ${words[at + 1]}"`
        }
      } else if (kind < 0.88) {
        const w = pickWord(m)
        const cps = w ? [...w] : []
        if (cps.length >= 3) q = `${cps.slice(0, 2 + Math.floor(random() * (cps.length - 2))).join('')}*`
      } else {
        const a = pickWord(m)
        const b = pickWord(pickMessage())
        q = a && b ? `${a} ${b}` : null
      }
      if (!q) continue
      const query: Query = { q }
      if (random() < 0.25) {
        const fields = ['system', 'human', 'gpt', 'think', 'call', 'tool']
        query.role = fields.filter(() => random() < 0.35)
        if (query.role.length === 0) query.role = [fields[Math.floor(random() * fields.length)] as string]
      }
      if (random() < 0.12) {
        const tools = [...m.tools]
        query.tool = tools.length > 0 ? (tools[Math.floor(random() * tools.length)] as string) : 'terminal'
      }
      if (random() < 0.12) {
        const kinds = ['any', 'none', ...ERROR_KINDS]
        query.error = kinds[Math.floor(random() * kinds.length)] as string
      }
      if (random() < 0.2) query.config = m.config
      out.push(query)
    }
    return out
  }

  it('returns exactly the brute-force set, with BM25 scores recomputed independently', async () => {
    const list = queries(200)
    expect(list).toHaveLength(200)
    let nonEmpty = 0
    let phrases = 0
    let prefixes = 0
    let filtered = 0
    for (const query of list) {
      const terms = parseSearchQuery(query.q)
      const patterns = terms.map((t) => {
        if (t.kind === 'word') return `(?<!${W})${escapeRegex(t.text)}(?!${W})`
        if (t.kind === 'prefix') return `(?<!${W})${escapeRegex(t.prefix)}`
        return `(?<!${W})${t.words.map(escapeRegex).join(`[^\\p{L}\\p{N}_]+`)}(?!${W})`
      })
      // Phrases count overlapping occurrences (a lookahead), as the index counts every start position.
      const regexes = terms.map((t, i) =>
        t.kind === 'phrase'
          ? new RegExp(`(?=${patterns[i]})`, 'gu')
          : new RegExp(patterns[i] as string, 'gu'),
      )
      // A literal every occurrence contains: messages without it are skipped before any regex runs.
      const literal = terms.map((t) =>
        t.kind === 'word' ? t.text : t.kind === 'prefix' ? t.prefix : (t.words[0] as string),
      )
      const searched = messages.filter((m) => query.config === undefined || m.config === query.config)
      const tfOf = (m: BruteMessage, t: number, fields?: string[]) =>
        m.segments
          .filter((s) => !fields || fields.includes(s.field))
          .reduce(
            (n, s) =>
              n +
              (s.text.includes(literal[t] as string) ? [...s.text.matchAll(regexes[t] as RegExp)].length : 0),
            0,
          )
      const tfs = new Map(searched.map((m) => [m, terms.map((_, t) => tfOf(m, t))]))
      const df = terms.map((_, t) => searched.filter((m) => (tfs.get(m)?.[t] as number) > 0).length)
      const N = searched.length
      const avg = searched.reduce((n, m) => n + m.words, 0) / N
      const expected = new Map<string, number>()
      for (const m of searched) {
        const counts = tfs.get(m) as number[]
        if (counts.some((n) => n === 0)) continue
        if (query.role && !terms.some((_, t) => tfOf(m, t, query.role) > 0)) continue
        if (query.tool !== undefined && !m.tools.has(query.tool)) continue
        const summary = traces.get(m.config)?.[m.row]?.summary
        if (
          query.error !== undefined &&
          !(summary && matchesFilter(summary, { error: query.error as never }))
        )
          continue
        let score = 0
        for (const [t, tf] of counts.entries()) {
          const idf = Math.log(1 + (N - (df[t] as number) + 0.5) / ((df[t] as number) + 0.5))
          score += (idf * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * m.words) / avg))
        }
        expected.set(`${m.config}|${m.id}|${m.index}`, score)
      }
      const hits = await searchRun(
        sources.filter((s) => query.config === undefined || s.config === query.config),
        terms,
        {
          fields: query.role ? new Set(query.role as never[]) : undefined,
          tool: query.tool,
          rowFilter:
            query.error === undefined
              ? undefined
              : (config, row) => {
                  const s = traces.get(config)?.[row]?.summary
                  return s !== undefined && matchesFilter(s, { error: query.error as never })
                },
        },
      )
      const got = hits.map((h) => `${h.config}|${h.id}|${h.message}`)
      const label = JSON.stringify(query)
      expect(new Set(got).size, label).toBe(got.length)
      expect([...got].sort(), label).toEqual([...expected.keys()].sort())
      for (const [i, h] of hits.entries()) {
        expect(h.score, `${label} ${got[i]}`).toBeCloseTo(expected.get(got[i] as string) as number, 4)
        const next = hits[i + 1]
        if (next) {
          const inOrder =
            h.score > next.score ||
            (h.score === next.score &&
              `${h.config}|${h.id}|${String(h.message).padStart(6, '0')}` <
                `${next.config}|${next.id}|${String(next.message).padStart(6, '0')}`)
          expect(inOrder, `${label}: ${got[i]} before ${got[i + 1]}`).toBe(true)
        }
      }
      if (hits.length > 0) nonEmpty++
      if (terms.some((t) => t.kind === 'phrase')) phrases++
      if (terms.some((t) => t.kind === 'prefix')) prefixes++
      if (query.role || query.tool || query.error) filtered++
    }
    // The draw exercised every kind of query, most of them with hits.
    expect(nonEmpty).toBeGreaterThan(140)
    expect(phrases).toBeGreaterThan(30)
    expect(prefixes).toBeGreaterThan(20)
    expect(filtered).toBeGreaterThan(40)
  })
})
