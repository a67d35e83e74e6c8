/**
 * Search-hit highlighting: the terms of a search query (`GET /api/search?q=`) and where they occur in a text,
 * as `<mark>` elements built with DOM APIs (text nodes are split, never re-parsed as HTML: trace text is
 * untrusted).
 *
 * The rules follow the search API's: text is compared after NFKC + lowercase; a word is a run of letters,
 * digits and `_` (anything else separates words; the names inside the Hermes tags `<think>`, `</tool_call>`…
 * are markup, not words); `"two words"` is a phrase (the words in a row, whatever separates them); `ab*` is a
 * prefix of a word (2 characters at least). The highlight marks every occurrence
 * of any term; the API's rule that all terms occur in one message decides hits, not marks.
 */

/** A search query's terms, normalised (NFKC, lowercase). */
export interface QueryTerms {
  /** Whole words. */
  words: string[]
  /** Word prefixes (`ab*` -> `ab`). */
  prefixes: string[]
  /** Phrases of two or more words, each as its words. */
  phrases: string[][]
}

/** `[start, end)` UTF-16 offsets into a string. */
export type Range = [number, number]

const WORD = /[\p{L}\p{N}_]+/gu
const WORD_OR_PREFIX = /([\p{L}\p{N}_]+)(\*?)/gu
/** The shortest prefix the API accepts. */
const MIN_PREFIX = 2

function normalise(text: string): string {
  return text.normalize('NFKC').toLowerCase()
}

/**
 * The terms of `q` (lenient: what the API would refuse, e.g. a 1-character prefix, becomes a word or is dropped,
 * and an unclosed quote runs to the end). Empty when `q` has no word.
 */
export function parseQueryTerms(q: string): QueryTerms {
  const terms: QueryTerms = { words: [], prefixes: [], phrases: [] }
  const parts = normalise(q).split('"')
  parts.forEach((part, i) => {
    if (i % 2 === 1) {
      // Inside quotes: one word is a word, more are a phrase.
      const words = part.match(WORD) ?? []
      if (words.length === 1) terms.words.push(words[0] as string)
      else if (words.length > 1) terms.phrases.push(words)
      return
    }
    for (const m of part.matchAll(WORD_OR_PREFIX)) {
      const word = m[1] as string
      if (m[2] && word.length >= MIN_PREFIX) terms.prefixes.push(word)
      else terms.words.push(word)
    }
  })
  return terms
}

/** True when `terms` has nothing to look for. */
export function isEmptyQuery(terms: QueryTerms): boolean {
  return terms.words.length === 0 && terms.prefixes.length === 0 && terms.phrases.length === 0
}

/** A word of a text: its normalised form and where it is in the original text. */
interface Token {
  norm: string
  start: number
  end: number
}

/** Names of the Hermes markup tags: inside `<think>`, `</tool_call>` etc. they are markup, not words. */
const TAG_WORDS: ReadonlySet<string> = new Set(['think', 'tool_call', 'tool_response'])

function isTag(text: string, word: string, start: number, end: number): boolean {
  if (!TAG_WORDS.has(word) || text[end] !== '>') return false
  return text[start - 1] === '<' || (text[start - 1] === '/' && text[start - 2] === '<')
}

function tokens(text: string): Token[] {
  const out: Token[] = []
  for (const m of text.matchAll(WORD)) {
    const start = m.index
    const end = start + m[0].length
    if (isTag(text, m[0], start, end)) continue
    // NFKC may split a word (e.g. a fraction); its parts share the original word's place.
    for (const norm of normalise(m[0]).match(WORD) ?? []) out.push({ norm, start, end })
  }
  return out
}

/** Sort and merge overlapping or touching ranges. */
function mergeRanges(ranges: Range[]): Range[] {
  const sorted = ranges.slice().sort((a, b) => a[0] - b[0] || a[1] - b[1])
  const out: Range[] = []
  for (const r of sorted) {
    const last = out[out.length - 1]
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1])
    else out.push([r[0], r[1]])
  }
  return out
}

/** Where the terms occur in `text`: sorted, non-overlapping `[start, end)` ranges of the original text. */
export function matchRanges(text: string, terms: QueryTerms): Range[] {
  if (isEmptyQuery(terms)) return []
  const words = new Set(terms.words)
  const list = tokens(text)
  const ranges: Range[] = []
  list.forEach((t, i) => {
    if (words.has(t.norm) || terms.prefixes.some((p) => t.norm.startsWith(p))) ranges.push([t.start, t.end])
    for (const phrase of terms.phrases) {
      const last = list[i + phrase.length - 1]
      if (last && phrase.every((w, k) => list[i + k]?.norm === w)) ranges.push([t.start, last.end])
    }
  })
  return mergeRanges(ranges)
}

/**
 * `text` as a fragment of text nodes with `ranges` wrapped in `<mark>`. Ranges from the API are checked: out of
 * bounds parts are clipped, empty or overlapping ones skipped, so a bad range never hides or repeats text.
 */
export function markedText(
  text: string,
  ranges: readonly (readonly [number, number])[],
  doc: Document = document,
): DocumentFragment {
  const frag = doc.createDocumentFragment()
  const clean = ranges
    .filter((r) => Number.isInteger(r[0]) && Number.isInteger(r[1]))
    .map((r): Range => [Math.max(0, r[0]), Math.min(text.length, r[1])])
    .filter((r) => r[0] < r[1])
    .sort((a, b) => a[0] - b[0])
  let at = 0
  for (const [start, end] of clean) {
    if (start < at) continue
    if (start > at) frag.append(doc.createTextNode(text.slice(at, start)))
    const mark = doc.createElement('mark')
    mark.textContent = text.slice(start, end)
    frag.append(mark)
    at = end
  }
  if (at < text.length) frag.append(doc.createTextNode(text.slice(at)))
  return frag
}

/** The class of the `<mark>` elements `highlightIn` adds (so `clearHighlight` removes only those). */
export const HIT_CLASS = 'hit'

const ELEMENT_NODE = 1
const TEXT_NODE = 3

function isHitMark(node: Element): boolean {
  return node.tagName === 'MARK' && node.classList.contains(HIT_CLASS)
}

/**
 * Wrap every occurrence of `terms` in the text under `root` in `<mark class="hit">` (each text node on its own;
 * a match never spans elements). Returns how many marks it added. Text already inside a hit mark is skipped,
 * so painting twice adds nothing.
 */
export function highlightIn(root: Node, terms: QueryTerms): number {
  if (isEmptyQuery(terms)) return 0
  const doc = root.ownerDocument ?? (root as Document)
  const texts: Text[] = []
  const visit = (node: Node) => {
    for (const child of Array.from(node.childNodes)) {
      if (child.nodeType === TEXT_NODE) texts.push(child as Text)
      else if (child.nodeType === ELEMENT_NODE && !isHitMark(child as Element)) visit(child)
    }
  }
  visit(root)
  let added = 0
  for (const node of texts) {
    const text = node.data
    const ranges = matchRanges(text, terms)
    if (ranges.length === 0) continue
    const frag = doc.createDocumentFragment()
    let at = 0
    for (const [start, end] of ranges) {
      if (start > at) frag.append(doc.createTextNode(text.slice(at, start)))
      const mark = doc.createElement('mark')
      mark.className = HIT_CLASS
      mark.textContent = text.slice(start, end)
      frag.append(mark)
      at = end
      added++
    }
    if (at < text.length) frag.append(doc.createTextNode(text.slice(at)))
    node.replaceWith(frag)
  }
  return added
}

/** Remove the hit marks under `root`, leaving their text in place. */
export function clearHighlight(root: ParentNode): void {
  for (const mark of Array.from(root.querySelectorAll(`mark.${HIT_CLASS}`))) {
    const parent = mark.parentNode
    mark.replaceWith(...Array.from(mark.childNodes))
    parent?.normalize()
  }
}
