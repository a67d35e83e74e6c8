/**
 * The search core (shared/search): the tokenizer on Unicode and case, the query language and its errors, the
 * binary encodings round-tripping, and the property that merging partial indexes of any split of the rows into
 * slices gives byte for byte the index of all rows built as one slice.
 */
import { describe, expect, expectTypeOf, it } from 'vitest'
import type { z } from 'zod'
import { seededRandom as rng } from '../../scripts/lib/random.ts'
import { ByteReader, ByteWriter } from '../../shared/search/bytes.ts'
import { searchManifestBuild, searchManifestDecode } from '../../shared/search/manifest.ts'
import { partialDocsDecode, partialLayout, searchPartialBuild } from '../../shared/search/partial.ts'
import { type Postings, postingsDecode, postingsEncode } from '../../shared/search/postings.ts'
import { parseSearchQuery, SearchQueryError } from '../../shared/search/query.ts'
import type { SearchRowInput } from '../../shared/search/rows.ts'
import { searchDictDecode, searchShardMerge } from '../../shared/search/shard.ts'
import { searchSnippet } from '../../shared/search/snippet.ts'
import { messageTokens, searchWords } from '../../shared/search/tokenize.ts'
import type { SearchAnswer, SearchHit } from '../../shared/search/types.ts'
import type { SearchAnswerSchema, SearchHitSchema } from '../../workers/schemas.ts'

describe('tokenizer', () => {
  it('normalises with NFKC and lowercase; words are letters, digits and _', () => {
    expect(
      searchWords('Straße ÉCOLE ﬁle Ｆｕｌｌ-Width naïve 日本語 ① snake_case x2 e\u0301t\u00e9'),
    ).toEqual([
      'straße',
      'école',
      'file',
      'full',
      'width',
      'naïve',
      '日本語',
      '1',
      'snake_case',
      'x2',
      'été', // decomposed e + U+0301 composes to the same word as the precomposed é
    ])
  })

  it('treats the Hermes tags as separators, not words, and other markup as text', () => {
    expect(searchWords('<think>plan</think>\n<tool_call>{"name": "x"}</tool_call><tools>')).toEqual([
      'plan',
      'name',
      'x',
      'tools',
    ])
    expect(searchWords('a think tool_call b')).toEqual(['a', 'think', 'tool_call', 'b'])
  })

  it('splits a gpt message into think, call and answer fields, a position apart', () => {
    const text =
      '<think>\nCheck the logs\n</think>\nRunning it now\n<tool_call>\n{"name": "terminal"}\n</tool_call>'
    const t = messageTokens('gpt', text, true)
    const byField = (f: number) => t.terms.filter((_, i) => t.fields[i] === f)
    expect(byField(1)).toEqual(['check', 'the', 'logs'])
    expect(byField(2)).toEqual(['name', 'terminal'])
    expect(byField(0)).toEqual(['running', 'it', 'now'])
    // No phrase spans two segments: "logs name" are not adjacent.
    const logs = t.terms.indexOf('logs')
    const name = t.terms.indexOf('name')
    expect((t.positions[name] as number) - (t.positions[logs] as number)).toBeGreaterThan(1)
    // Offsets point at the original text.
    for (let i = 0; i < t.terms.length; i++) {
      expect(text.slice(t.starts?.[i], t.ends?.[i]).toLowerCase()).toBe(t.terms[i])
    }
  })

  it('maps words back to the original text when normalisation changes lengths', () => {
    const text = 'Le ﬁchier ＡＢＣ est prêt ①'
    const t = messageTokens('human', text, true)
    expect(t.terms).toEqual(['le', 'fichier', 'abc', 'est', 'prêt', '1'])
    const shown = t.terms.map((_, i) => text.slice(t.starts?.[i], t.ends?.[i]))
    expect(shown).toEqual(['Le', 'ﬁchier', 'ＡＢＣ', 'est', 'prêt', '①'])
  })
})

describe('query language', () => {
  it('reads words, quoted phrases and prefixes, normalised and deduplicated', () => {
    const terms = parseSearchQuery('Foo "Bar  baz" qu* FOO "single" ＥＸＩＴ')
    expect(terms.map((t) => t.text)).toEqual(['foo', 'bar baz', 'qu*', 'single', 'exit'])
    expect(terms.map((t) => t.kind)).toEqual(['word', 'phrase', 'prefix', 'word', 'word'])
    expect(parseSearchQuery('"unclosed phrase here').map((t) => t.text)).toEqual(['unclosed phrase here'])
  })

  it.each([
    ['', /no words/],
    ['  !!! -- ""  ', /no words/],
    ['a*', /at least 2 characters/],
    ['é*', /at least 2 characters/],
    ['x'.repeat(201), /longer than 200/],
    ['one two three four five six seven eight nine', /9 terms/],
    ['"a b c d e" f g h i', /9 terms/],
  ])('refuses %j', (q, why) => {
    expect(() => parseSearchQuery(q)).toThrow(SearchQueryError)
    expect(() => parseSearchQuery(q)).toThrow(why)
  })

  it('accepts exactly 8 terms and 200 characters', () => {
    expect(parseSearchQuery('a b c d e f g h')).toHaveLength(8)
    expect(parseSearchQuery(`${'y'.repeat(199)}z`)).toHaveLength(1)
  })
})

describe('encodings round-trip', () => {
  it('varints and strings', () => {
    const values = [0, 1, 127, 128, 255, 16_383, 16_384, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER]
    const w = new ByteWriter(1)
    for (const v of values) w.varint(v)
    w.string('héllo 😀')
    const r = new ByteReader(w.finish())
    expect(values.map(() => r.varint())).toEqual(values)
    expect(r.string()).toBe('héllo 😀')
    expect(r.done).toBe(true)
    expect(() => w.varint(-1)).toThrow(RangeError)
  })

  it('postings, with and without positions (random)', () => {
    const random = rng(7)
    for (let round = 0; round < 50; round++) {
      const p: Postings = { docs: [], tfs: [], masks: [], codes: [] }
      let doc = 0
      const n = 1 + Math.floor(random() * 40)
      for (let i = 0; i < n; i++) {
        doc += 1 + Math.floor(random() * (random() < 0.1 ? 100_000 : 20))
        const tf = 1 + Math.floor(random() * 6)
        const codes: number[] = []
        let pos = 0
        for (let j = 0; j < tf; j++) {
          pos += 1 + Math.floor(random() * 500)
          codes.push((pos << 2) | Math.floor(random() * 3))
        }
        p.docs.push(doc)
        p.tfs.push(tf)
        p.masks.push(1 + Math.floor(random() * 7))
        p.codes?.push(codes)
      }
      const enc = postingsEncode(p)
      expect(postingsDecode(enc.docs, n, enc.positions)).toEqual(p)
      const { codes: _c, ...docsOnly } = p
      expect(postingsDecode(enc.docs, n)).toEqual(docsOnly)
    }
  })
})

/** Rows with system prompts that repeat, Unicode, odd markup, and tools. */
function syntheticRows(count: number, seed: number): SearchRowInput[] {
  const random = rng(seed)
  const words = [
    'alpha',
    'beta',
    'gamma',
    'Δέλτα',
    'ＥＰＳ',
    'ﬁx',
    'naïve',
    'tool_call',
    'think',
    '日本',
    'x_1',
    '42',
  ]
  const pick = () => words[Math.floor(random() * words.length)] as string
  const sentence = (n: number) => Array.from({ length: n }, pick).join(random() < 0.5 ? ' ' : ', ')
  const systems = ['You are a helpful agent. <tools>[terminal]</tools>', 'Système: réponds en français']
  const rows: SearchRowInput[] = []
  for (let r = 0; r < count; r++) {
    const messages = [
      { from: 'system', value: systems[r % 2] as string },
      { from: 'human', value: sentence(6) },
    ]
    const tools: string[][] = [[], []]
    for (let turn = 0; turn < 1 + Math.floor(random() * 4); turn++) {
      const odd = random()
      const value =
        odd < 0.1
          ? `${sentence(3)}</think>${sentence(2)}`
          : odd < 0.2
            ? `<think>${sentence(4)}<tool_call>{"name": "terminal"}`
            : `<think>\n${sentence(8)}\n</think>\n${sentence(3)}\n<tool_call>\n{"name": "terminal", "arguments": {"command": "${sentence(2)}"}}\n</tool_call>`
      messages.push({ from: 'gpt', value })
      tools.push(['terminal'])
      messages.push({
        from: 'tool',
        value: `<tool_response>\n{"content": "${sentence(5)}"}\n</tool_response>`,
      })
      tools.push(['terminal'])
    }
    if (random() < 0.2) {
      messages.push({ from: 'narrator', value: sentence(3) })
      tools.push([])
    }
    rows.push({ id: `row-${seed}-${r}`, messages, tools })
  }
  return rows
}

/** The final index (manifest and shards) of rows cut at `cuts`. */
function buildIndex(rows: SearchRowInput[], cuts: number[], shards: number) {
  const parts: {
    start: number
    end: number
    built: ReturnType<typeof searchPartialBuild>
    layout: ReturnType<typeof partialLayout>
    docs: ReturnType<typeof partialDocsDecode>
  }[] = []
  for (let i = 0; i + 1 < cuts.length; i++) {
    const built = searchPartialBuild(rows.slice(cuts[i], cuts[i + 1]), shards)
    const layout = partialLayout(built.partial)
    parts.push({
      start: cuts[i] as number,
      end: cuts[i + 1] as number,
      built,
      layout,
      docs: partialDocsDecode(built.partial.subarray(...layout.docs)),
    })
  }
  const manifest = searchManifestDecode(searchManifestBuild(parts, shards))
  const out = Array.from({ length: shards }, (_, k) =>
    searchShardMerge(
      manifest,
      k,
      parts.map((p) => p.built.partial.subarray(...(p.layout.sections[k] as [number, number]))),
    ),
  )
  return { manifest, shards: out, parts }
}

describe('partial indexes merge into the index of the whole', () => {
  it('for random splits of the rows into slices, every final shard is byte-identical', () => {
    const rows = syntheticRows(60, 3)
    const whole = buildIndex(rows, [0, rows.length], 8)
    const random = rng(11)
    for (let round = 0; round < 12; round++) {
      const cuts = [0]
      while ((cuts[cuts.length - 1] as number) < rows.length) {
        cuts.push(Math.min(rows.length, (cuts[cuts.length - 1] as number) + 1 + Math.floor(random() * 15)))
      }
      const split = buildIndex(rows, cuts, 8)
      expect(split.parts.length).toBe(cuts.length - 1)
      for (let k = 0; k < 8; k++) {
        expect(
          Buffer.from(split.shards[k]?.dict as Uint8Array).equals(
            Buffer.from(whole.shards[k]?.dict as Uint8Array),
          ),
        ).toBe(true)
        expect(
          Buffer.from(split.shards[k]?.postings as Uint8Array).equals(
            Buffer.from(whole.shards[k]?.postings as Uint8Array),
          ),
        ).toBe(true)
      }
      // The manifests differ only in their slice lists: documents, ids and lengths are the same.
      expect(split.manifest.ids).toEqual(whole.manifest.ids)
      expect([...split.manifest.length]).toEqual([...whole.manifest.length])
      expect([...split.manifest.sysOf]).toEqual([...whole.manifest.sysOf])
    }
  })

  it('indexes each distinct system text once, counting the rows that share it', () => {
    const rows = syntheticRows(30, 5)
    const { manifest, shards } = buildIndex(rows, [0, 10, 20, 30], 4)
    expect(manifest.sysKeys).toHaveLength(2)
    expect(manifest.sysCount).toEqual([15, 15])
    // "helpful" is only in the first system prompt: one posting (the system document), not 15.
    const dicts = shards.map((s) => searchDictDecode(s.dict))
    const found = dicts
      .flatMap((d) => d.terms.map((t, i) => [t, d.counts[i]] as const))
      .filter(([t]) => t === 'helpful')
    expect(found).toEqual([['helpful', 1]])
    // Messages of an unknown role are not indexed; the others are documents.
    const narrator = rows.flatMap((r) => r.messages).filter((m) => m.from === 'narrator').length
    expect(narrator).toBeGreaterThan(0)
    expect(manifest.documents).toBe(rows.flatMap((r) => r.messages).length - narrator)
  })
})

describe('snippets', () => {
  it('show the first match of the field holding most matches, with marks at the matches', () => {
    const filler = 'lorem ipsum '.repeat(40)
    const text = `<think>\n${filler}needle in the reasoning\n</think>\nThe Needle and another needle here.`
    const terms = parseSearchQuery('needle')
    const s = searchSnippet('gpt', text, terms)
    expect(s.field).toBe('gpt')
    expect(s.text.length).toBeLessThanOrEqual(240)
    expect(s.text).toContain('The Needle and another needle here.')
    expect(s.marks.length).toBeGreaterThanOrEqual(2)
    for (const [a, b] of s.marks) expect(s.text.slice(a, b).toLowerCase()).toBe('needle')
    const think = searchSnippet('gpt', text, terms, new Set(['think']))
    expect(think.field).toBe('think')
    // Every match inside the window is marked, whatever its field.
    expect(think.marks.map(([a, b]) => think.text.slice(a, b))).toEqual(['needle', 'Needle', 'needle'])
    expect(think.text).toContain('needle in the reasoning')
  })
})

describe('the OpenAPI schemas of /api/search equal the contract types', () => {
  it('type level (npm run typecheck)', () => {
    expectTypeOf<z.infer<typeof SearchAnswerSchema>>().toEqualTypeOf<SearchAnswer>()
    expectTypeOf<z.infer<typeof SearchHitSchema>>().toEqualTypeOf<SearchHit>()
  })
})
