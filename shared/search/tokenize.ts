/**
 * The search tokenizer: which words a message holds, in which field, at which position and (for snippets and
 * highlighting) at which UTF-16 offsets of the original text.
 *
 * Words: the text is normalised (Unicode NFKC, then lowercase) and a word is a maximal run of letters, digits
 * (`\p{L}`, `\p{N}`) and `_`; everything else separates words. The Hermes tags (`<think>`, `</think>`,
 * `<tool_call>`, `</tool_call>`, `<tool_response>`, `</tool_response>`) are markup, not words: they separate.
 *
 * Fields: a gpt message is split exactly as the replay parser splits it (shared/hermes.ts `parseGptMessage`):
 * each `<think>` block is a `think` segment, each `<tool_call>` body a `call` segment, the text left (the
 * answer) one `gpt` segment. Other messages are one segment whose field is their role. Positions count words
 * within the message; a phrase must lie inside one segment (segments are one position apart).
 */

/** Roles of the messages that are indexed. */
export const SEARCH_ROLES = ['system', 'human', 'gpt', 'tool'] as const
export type SearchRole = (typeof SEARCH_ROLES)[number]

/** Fields a word can be found in (`role` filter values; a hit's `field`). */
export const SEARCH_FIELDS = ['system', 'human', 'gpt', 'think', 'call', 'tool'] as const
export type SearchField = (typeof SEARCH_FIELDS)[number]

/** Field code inside a message: 0 the message's main field (its role; a gpt message's answer), 1 think, 2 call. */
export type FieldCode = 0 | 1 | 2

/** The field named by a role and a field code. */
export function fieldOf(role: SearchRole, code: number): SearchField {
  if (role === 'gpt') return code === 1 ? 'think' : code === 2 ? 'call' : 'gpt'
  return role
}

/** Unicode NFKC, then lowercase: the form words are compared in. */
export function searchNormalize(text: string): string {
  return isAscii(text) ? text.toLowerCase() : text.normalize('NFKC').toLowerCase()
}

const NON_ASCII = /[\u0080-\uffff]/
function isAscii(text: string): boolean {
  return !NON_ASCII.test(text)
}

const WORD = /[\p{L}\p{N}_]+/gu
const MARK = /^[\p{M}\uDC00-\uDFFF]$/u
const ASCII_WORD = /[a-z0-9_]+/g
const TAG_WORDS: ReadonlySet<string> = new Set(['think', 'tool_call', 'tool_response'])

/** True when the word at [start, end) of a normalised text is the name inside a Hermes tag. */
function isTag(norm: string, word: string, start: number, end: number): boolean {
  if (!TAG_WORDS.has(word) || norm.charCodeAt(end) !== 62 /* > */) return false
  const before = norm.charCodeAt(start - 1)
  return before === 60 /* < */ || (before === 47 /* / */ && norm.charCodeAt(start - 2) === 60)
}

/** The words of a text (normalised; Hermes tags left out), in order. For queries and tests. */
export function searchWords(text: string): string[] {
  const norm = searchNormalize(text)
  const out: string[] = []
  for (const m of norm.matchAll(isAscii(norm) ? ASCII_WORD : WORD)) {
    const word = m[0]
    if (!isTag(norm, word, m.index, m.index + word.length)) out.push(word)
  }
  return out
}

/**
 * A string made of ranges of an original text, concatenated (the parser's `rest` and `answer` strings are such
 * concatenations): its offsets map back to the original's.
 */
class Virtual {
  readonly text: string
  /** Runs: [virtual start, original start], sorted; run i covers up to run i+1's start. */
  readonly runs: [number, number][]

  constructor(text: string, runs: [number, number][]) {
    this.text = text
    this.runs = runs
  }

  static of(original: string, start: number, end: number): Virtual {
    return new Virtual(original.slice(start, end), [[0, start]])
  }

  /** Original offset of a virtual offset (an end offset maps to the end of the run it closes). */
  map(v: number, isEnd = false): number {
    const runs = this.runs
    let lo = 0
    let hi = runs.length - 1
    const key = isEnd ? v - 1 : v
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if ((runs[mid] as [number, number])[0] <= key) lo = mid
      else hi = mid - 1
    }
    const run = runs[lo] as [number, number]
    return run[1] + (v - run[0])
  }

  slice(start: number, end: number): Virtual {
    const runs: [number, number][] = []
    for (let i = 0; i < this.runs.length; i++) {
      const [vs, os] = this.runs[i] as [number, number]
      const ve = i + 1 < this.runs.length ? (this.runs[i + 1] as [number, number])[0] : this.text.length
      const s = Math.max(vs, start)
      const e = Math.min(ve, end)
      if (s < e) runs.push([s - start, os + (s - vs)])
    }
    if (runs.length === 0) runs.push([0, this.map(start)])
    return new Virtual(this.text.slice(start, end), runs)
  }

  concat(other: Virtual): Virtual {
    if (other.text.length === 0) return this
    if (this.text.length === 0) return other
    const n = this.text.length
    return new Virtual(this.text + other.text, [
      ...this.runs,
      ...other.runs.map(([v, o]) => [v + n, o] as [number, number]),
    ])
  }

  /** Every occurrence of `needle` removed (the parser's `split(needle).join('')`). */
  without(needle: string): Virtual {
    if (!this.text.includes(needle)) return this
    let out = Virtual.of('', 0, 0)
    let pos = 0
    for (;;) {
      const at = this.text.indexOf(needle, pos)
      if (at < 0) break
      out = out.concat(this.slice(pos, at))
      pos = at + needle.length
    }
    return out.concat(this.slice(pos, this.text.length))
  }
}

const THINK_OPEN = '<think>'
const THINK_CLOSE = '</think>'
const CALL_OPEN = '<tool_call>'
const CALL_CLOSE = '</tool_call>'

/** One piece of a message searched as a unit: its text (with offsets into the message) and field code. */
interface Segment {
  text: Virtual
  field: FieldCode
}

function countOf(text: string, needle: string): number {
  let n = 0
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) n++
  return n
}

/** The segments of a gpt message, cut exactly where `parseGptMessage` cuts thoughts, calls and the answer. */
function gptSegments(value: string): Segment[] {
  const thinks: Segment[] = []
  let rest = Virtual.of(value, 0, 0)
  let pos = 0
  if (countOf(value, THINK_OPEN) === 0 && value.includes(THINK_CLOSE)) {
    const end = value.indexOf(THINK_CLOSE)
    thinks.push({ text: Virtual.of(value, 0, end), field: 1 })
    pos = end + THINK_CLOSE.length
  }
  while (pos < value.length) {
    const open = value.indexOf(THINK_OPEN, pos)
    if (open < 0) {
      rest = rest.concat(Virtual.of(value, pos, value.length))
      break
    }
    rest = rest.concat(Virtual.of(value, pos, open))
    const bodyStart = open + THINK_OPEN.length
    const close = value.indexOf(THINK_CLOSE, bodyStart)
    const nextOpen = value.indexOf(THINK_OPEN, bodyStart)
    if (close >= 0 && (nextOpen < 0 || close < nextOpen)) {
      thinks.push({ text: Virtual.of(value, bodyStart, close), field: 1 })
      pos = close + THINK_CLOSE.length
      continue
    }
    const callAt = value.indexOf(CALL_OPEN, bodyStart)
    let end = value.length
    if (nextOpen >= 0) end = nextOpen
    if (callAt >= 0 && callAt < end) end = callAt
    thinks.push({ text: Virtual.of(value, bodyStart, end), field: 1 })
    pos = end
  }
  rest = rest.without(THINK_CLOSE)
  const calls: Segment[] = []
  let answer = Virtual.of(value, 0, 0)
  const r = rest.text
  let cpos = 0
  while (cpos < r.length) {
    const open = r.indexOf(CALL_OPEN, cpos)
    if (open < 0) {
      answer = answer.concat(rest.slice(cpos, r.length))
      break
    }
    answer = answer.concat(rest.slice(cpos, open))
    const bodyStart = open + CALL_OPEN.length
    const close = r.indexOf(CALL_CLOSE, bodyStart)
    calls.push({ text: rest.slice(bodyStart, close < 0 ? r.length : close), field: 2 })
    cpos = close < 0 ? r.length : close + CALL_CLOSE.length
  }
  return [...thinks, ...calls, { text: answer, field: 0 }]
}

/** The words of a message: parallel arrays, one entry per word, in position order. */
export interface MessageTokens {
  /** Normalised words. */
  terms: string[]
  /** Position of each word in the message (segments are one position apart). */
  positions: number[]
  /** Field code of each word. */
  fields: FieldCode[]
  /** Words in the message (its length for ranking). */
  length: number
  /** With offsets: UTF-16 [start, end) of each word in the original message text. */
  starts?: number[]
  ends?: number[]
}

/**
 * Where normalisation changes lengths (NFKC compatibility forms, a few lowercase mappings), offsets in the
 * normalised text are mapped back through pieces normalised one by one: an ASCII character with the combining
 * marks after it, or a run of other non-ASCII characters (nothing composes with a following ASCII character). Inside a piece whose length did not change, offsets map one to one; otherwise a
 * word's start maps to the piece's start and its end to the piece's end.
 */
function normalisedOffsets(text: string, normLength: number): (o: number, isEnd: boolean) => number {
  const tStarts: number[] = []
  const nStarts: number[] = []
  const same: boolean[] = []
  let n = 0
  let i = 0
  while (i < text.length) {
    let j = i + 1
    if (text.charCodeAt(i) <= 0x7f) {
      // An ASCII character keeps the combining marks after it (they compose with it).
      while (j < text.length && MARK.test(text[j] as string)) j++
    } else while (j < text.length && text.charCodeAt(j) > 0x7f) j++
    const piece = text.slice(i, j)
    const len = searchNormalize(piece).length
    tStarts.push(i)
    nStarts.push(n)
    same.push(len === piece.length)
    n += len
    i = j
  }
  tStarts.push(text.length)
  nStarts.push(n)
  if (n !== normLength) {
    // Normalising pieces apart gave another length than the whole (a composition across pieces): scale.
    return (o) => Math.min(text.length, Math.round((o * text.length) / Math.max(1, normLength)))
  }
  return (o, isEnd) => {
    const key = isEnd ? o - 1 : o
    let lo = 0
    let hi = nStarts.length - 2
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if ((nStarts[mid] as number) <= key) lo = mid
      else hi = mid - 1
    }
    const ts = tStarts[lo] as number
    if (same[lo]) return ts + (o - (nStarts[lo] as number))
    return isEnd ? (tStarts[lo + 1] as number) : ts
  }
}

/**
 * Tokenise one message.
 * @param role the message's role (gpt messages are split into fields)
 * @param value the message text as stored
 * @param withOffsets also compute each word's UTF-16 offsets in `value` (snippets, highlighting)
 */
export function messageTokens(role: SearchRole, value: string, withOffsets = false): MessageTokens {
  const segments: Segment[] =
    role === 'gpt' ? gptSegments(value) : [{ text: Virtual.of(value, 0, value.length), field: 0 }]
  const out: MessageTokens = { terms: [], positions: [], fields: [], length: 0 }
  if (withOffsets) {
    out.starts = []
    out.ends = []
  }
  let position = 0
  for (const [s, segment] of segments.entries()) {
    if (s > 0 && out.terms.length > 0) position++ // a gap: phrases never span segments
    const text = segment.text.text
    const ascii = isAscii(text)
    const norm = ascii ? text.toLowerCase() : text.normalize('NFKC').toLowerCase()
    const back = withOffsets && !ascii ? normalisedOffsets(text, norm.length) : null
    for (const m of norm.matchAll(ascii ? ASCII_WORD : WORD)) {
      const word = m[0]
      const start = m.index
      const end = start + word.length
      if (isTag(norm, word, start, end)) continue
      out.terms.push(word)
      out.positions.push(position++)
      out.fields.push(segment.field)
      if (out.starts && out.ends) {
        const ts = back ? back(start, false) : start
        const te = back ? back(end, true) : end
        out.starts.push(segment.text.map(ts))
        out.ends.push(segment.text.map(te, true))
      }
    }
  }
  out.length = out.terms.length
  return out
}
