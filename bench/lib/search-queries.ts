/**
 * The search bench's query set and its expected answers, from the sample's own text, by a brute-force scan that
 * shares no code with the index (not shared/search): every row of every config is read (the stats CLI's reader,
 * scripts/lib/local-parquet.ts) and each message is cut into words by the documented rule (docs/api.md
 * "Search"): Unicode NFKC, lowercase, a word is a run of `\p{L}`, `\p{N}` and `_`, the Hermes tags separate
 * words and are not words.
 *
 * - Row text: UTF-8 bytes of every message's `from` and `value` plus the row's `tools` (the index's input).
 * - Words: document frequency over messages (a word counts once per message holding it; a system prompt counts
 *   for every row that holds it, as the index counts it). Three bands of purely alphabetic words (3+ letters,
 *   what a person types): very common (in >= 10% of the messages), medium (0.1–1%), rare (1–3 messages); 10 of
 *   each drawn with a fixed seed. Expected `total` of `q=word`: its message count.
 * - Phrases: two adjacent alphabetic words inside one segment, where a segment is a non-gpt message (tags
 *   removed) or one piece of a gpt message between `<think>`, `</think>`, `<tool_call>`, `</tool_call>` tags (a
 *   phrase never spans a think block or a call payload). Candidates and their bands come from the first
 *   PRE_ROWS rows of each config (bands by messages there: >= 2%, 0.1–1%, exactly one); the whole scan then counts
 *   the messages holding each drawn phrase (the expected `total` of `q="a b"`).
 * Cached under `.cache/bench-search`, keyed by the files (path, size, mtime) and this scan's version.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { openLocalParquet, streamRowSlices } from '../../scripts/lib/local-parquet.ts'
import { shuffled } from '../../scripts/lib/random.ts'

const ROOT = join(import.meta.dirname, '../..')
const CACHE = join(ROOT, '.cache/bench-search')
const VERSION = 'v1'
/** Rows per config read for the phrase candidates. */
const PRE_ROWS = 200
const PER_BAND = 10

/** Frequency bands of the query set. */
export type SearchBand = 'rare' | 'medium' | 'common'

/** One query of the set. */
export interface BenchQuery {
  kind: 'word' | 'phrase'
  band: SearchBand
  /** The `q` parameter: the word, or the phrase in double quotes. */
  q: string
  /** Messages holding it over every config (the expected `total` of `/api/search?q=…` without filters). */
  messages: number
}

/** The query set and what the scan measured. */
export interface SearchQuerySet {
  configs: { config: string; file: string; rows: number; messages: number; rowTextBytes: number }[]
  messages: number
  /** UTF-8 bytes of every message's from + value and every row's tools, all configs. */
  rowTextBytes: number
  /** Distinct words (all, not only the alphabetic ones). */
  vocabulary: number
  queries: BenchQuery[]
  /** The bands' bounds, as messages. */
  bands: Record<'word' | 'phrase', Record<SearchBand, string>>
  seconds: number
  cached: boolean
}

const ALPHA = /^\p{L}{3,}$/u
const WORD = /[\p{L}\p{N}_]+/gu
const ALL_TAGS = /<\/?(?:think|tool_call|tool_response)>/g
/** Where a gpt message's segments end (tool_response tags merely separate words). */
const SEGMENT_TAGS = /<\/?(?:think|tool_call)>/g
const NON_ASCII = /[^\0-\x7f]/

function normalize(text: string): string {
  return NON_ASCII.test(text) ? text.normalize('NFKC').toLowerCase() : text.toLowerCase()
}

/** The segments of a message, each as its words (tags removed). */
function segmentsOf(from: string, value: string): string[][] {
  const norm = normalize(value)
  const pieces = from === 'gpt' ? norm.split(SEGMENT_TAGS) : [norm]
  return pieces.map((p) => p.replace(ALL_TAGS, ' ').match(WORD) ?? [])
}

function fileKey(file: string): string {
  const st = statSync(file)
  return `${file}\0${st.size}\0${st.mtimeMs}`
}

function utf8(v: unknown): number {
  return typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : 0
}

interface Message {
  from: string
  value: string
}

/** Every message of every row of each file, in order (rows of one slice at a time). */
async function* messagesOf(
  file: string,
  rows = Number.POSITIVE_INFINITY,
): AsyncGenerator<{ messages: Message[]; tools: unknown }> {
  const source = await openLocalParquet(file)
  let seen = 0
  for await (const slice of streamRowSlices(source)) {
    for (const row of slice.rows) {
      if (seen++ >= rows) return
      const conversations = (row.conversations ?? []) as { from?: unknown; value?: unknown }[]
      yield {
        messages: conversations.map((m) => ({ from: String(m.from ?? ''), value: String(m.value ?? '') })),
        tools: row.tools,
      }
    }
  }
}

/** Phrase candidates from the first rows of each config: adjacent alphabetic pairs and their message counts. */
async function phraseCandidates(files: string[]): Promise<{ pairs: Map<string, number>; messages: number }> {
  const pairs = new Map<string, number>()
  let messages = 0
  for (const file of files) {
    for await (const row of messagesOf(file, PRE_ROWS)) {
      for (const m of row.messages) {
        messages++
        const seen = new Set<string>()
        for (const words of segmentsOf(m.from, m.value)) {
          for (let i = 0; i + 1 < words.length; i++) {
            const a = words[i] as string
            const b = words[i + 1] as string
            if (ALPHA.test(a) && ALPHA.test(b)) seen.add(`${a} ${b}`)
          }
        }
        for (const p of seen) pairs.set(p, (pairs.get(p) ?? 0) + 1)
      }
    }
  }
  return { pairs, messages }
}

/** `count` items drawn with `seed` from `items`; throws when the band has too few. */
function draw<T>(items: T[], count: number, seed: number, what: string): T[] {
  if (items.length < count) throw new Error(`search bench: only ${items.length} candidates for ${what}`)
  return shuffled(items, seed).slice(0, count)
}

/** The query set of a sample (see the file comment): `files` maps config -> parquet path. */
export async function searchQuerySet(files: Record<string, string>, seed = 7): Promise<SearchQuerySet> {
  const entries = Object.entries(files)
  const key = createHash('sha1')
    .update([VERSION, String(seed), ...entries.map(([c, f]) => `${c}\0${fileKey(f)}`)].join('\0'))
    .digest('hex')
    .slice(0, 16)
  const cacheFile = join(CACHE, `queries-${key}.json`)
  if (existsSync(cacheFile)) return { ...JSON.parse(readFileSync(cacheFile, 'utf8')), cached: true }
  const t0 = performance.now()

  const pre = await phraseCandidates(entries.map(([, f]) => f))
  const preBands: Record<SearchBand, [number, number]> = {
    common: [Math.max(2, Math.ceil(pre.messages * 0.02)), Number.POSITIVE_INFINITY],
    medium: [Math.max(2, Math.ceil(pre.messages * 0.001)), Math.max(2, Math.floor(pre.messages * 0.01))],
    rare: [1, 1],
  }
  const phrases: { band: SearchBand; a: string; b: string }[] = []
  const candidates = [...pre.pairs.entries()].sort((x, y) => (x[0] < y[0] ? -1 : 1))
  for (const [i, band] of (['rare', 'medium', 'common'] as const).entries()) {
    const [lo, hi] = preBands[band]
    const inBand = candidates.filter(([, n]) => n >= lo && n <= hi).map(([p]) => p)
    for (const p of draw(inBand, PER_BAND, seed + 100 + i, `${band} phrases`)) {
      const [a, b] = p.split(' ') as [string, string]
      phrases.push({ band, a, b })
    }
  }
  // first word -> second words of the drawn phrases, for the counting pass.
  const follow = new Map<string, Set<string>>()
  for (const { a, b } of phrases) follow.set(a, (follow.get(a) ?? new Set()).add(b))
  const phraseCount = new Map<string, number>()

  const df = new Map<string, number>()
  const configs: SearchQuerySet['configs'] = []
  for (const [config, file] of entries) {
    let rows = 0
    let messages = 0
    let rowTextBytes = 0
    for await (const row of messagesOf(file)) {
      rows++
      rowTextBytes += utf8(row.tools)
      for (const m of row.messages) {
        messages++
        rowTextBytes += utf8(m.from) + utf8(m.value)
        const words = new Set<string>()
        const found = new Set<string>()
        for (const segment of segmentsOf(m.from, m.value)) {
          for (let i = 0; i < segment.length; i++) {
            const w = segment[i] as string
            words.add(w)
            const next = follow.get(w)
            const b = segment[i + 1]
            if (next && b !== undefined && next.has(b)) found.add(`${w} ${b}`)
          }
        }
        for (const w of words) df.set(w, (df.get(w) ?? 0) + 1)
        for (const p of found) phraseCount.set(p, (phraseCount.get(p) ?? 0) + 1)
      }
    }
    configs.push({ config, file, rows, messages, rowTextBytes })
  }
  const messages = configs.reduce((n, c) => n + c.messages, 0)
  const wordBands: Record<SearchBand, [number, number]> = {
    common: [Math.ceil(messages * 0.1), Number.POSITIVE_INFINITY],
    medium: [Math.ceil(messages * 0.001), Math.floor(messages * 0.01)],
    rare: [1, 3],
  }
  const alpha = [...df.entries()].filter(([w]) => ALPHA.test(w)).sort((x, y) => (x[0] < y[0] ? -1 : 1))
  const queries: BenchQuery[] = []
  for (const [i, band] of (['rare', 'medium', 'common'] as const).entries()) {
    const [lo, hi] = wordBands[band]
    const inBand = alpha.filter(([, n]) => n >= lo && n <= hi)
    for (const [w, n] of draw(inBand, PER_BAND, seed + i, `${band} words`))
      queries.push({ kind: 'word', band, q: w, messages: n })
  }
  for (const { band, a, b } of phrases)
    queries.push({ kind: 'phrase', band, q: `"${a} ${b}"`, messages: phraseCount.get(`${a} ${b}`) ?? 0 })

  const range = ([lo, hi]: [number, number]) =>
    hi === Number.POSITIVE_INFINITY ? `>= ${lo}` : lo === hi ? `${lo}` : `${lo}-${hi}`
  const out: SearchQuerySet = {
    configs,
    messages,
    rowTextBytes: configs.reduce((n, c) => n + c.rowTextBytes, 0),
    vocabulary: df.size,
    queries,
    bands: {
      word: {
        rare: `${range(wordBands.rare)} of ${messages} messages`,
        medium: `${range(wordBands.medium)} of ${messages} messages`,
        common: `${range(wordBands.common)} of ${messages} messages`,
      },
      phrase: Object.fromEntries(
        (['rare', 'medium', 'common'] as const).map((band) => [
          band,
          `${range(preBands[band])} of ${pre.messages} messages (the first ${PRE_ROWS} rows of each config)`,
        ]),
      ) as Record<SearchBand, string>,
    },
    seconds: Math.round((performance.now() - t0) / 100) / 10,
    cached: false,
  }
  mkdirSync(CACHE, { recursive: true })
  writeFileSync(cacheFile, JSON.stringify(out))
  return out
}
