/**
 * Where a query's terms occur in a message's text (UTF-16 offsets, for snippets and for highlighting in the
 * trace viewer), and the snippet of a hit: about 240 characters of the message around the first match in the
 * field that holds most matches, with every match inside it marked. Plain text: callers render it with
 * textContent and build the marks with DOM nodes.
 */
import type { QueryTerm } from './query.ts'
import { fieldOf, messageTokens, type SearchField, type SearchRole } from './tokenize.ts'

/** Characters of message text in a snippet (at most). */
export const SNIPPET_CHARS = 240
/** Characters kept before the first match. */
const LEAD_CHARS = 60

/** One occurrence of a term: [start, end) in the message text, and its field. */
export interface SearchMatch {
  start: number
  end: number
  field: SearchField
}

/** Every occurrence of the terms in a message, in text order. */
export function searchMatches(role: SearchRole, text: string, terms: readonly QueryTerm[]): SearchMatch[] {
  const tokens = messageTokens(role, text, true)
  const starts = tokens.starts as number[]
  const ends = tokens.ends as number[]
  const out: SearchMatch[] = []
  const n = tokens.terms.length
  for (const term of terms) {
    for (let i = 0; i < n; i++) {
      const word = tokens.terms[i] as string
      let last = -1
      if (term.kind === 'word') {
        if (word === term.text) last = i
      } else if (term.kind === 'prefix') {
        if (word.startsWith(term.prefix)) last = i
      } else if (i + term.words.length <= n) {
        let ok = true
        for (let j = 0; j < term.words.length && ok; j++) {
          ok =
            tokens.terms[i + j] === term.words[j] &&
            tokens.positions[i + j] === (tokens.positions[i] as number) + j
        }
        if (ok) last = i + term.words.length - 1
      }
      if (last >= 0) {
        out.push({
          start: starts[i] as number,
          end: ends[last] as number,
          field: fieldOf(role, tokens.fields[i] as number),
        })
      }
    }
  }
  return out.sort((a, b) => a.start - b.start || a.end - b.end)
}

/** A hit's snippet and the field it shows. */
export interface SearchSnippet {
  field: SearchField
  text: string
  marks: [number, number][]
}

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && /[\p{L}\p{N}_]/u.test(c)
}

/**
 * The snippet of a message for a query. `fields`: the role filter (the snippet shows a match in one of them);
 * without it any field may be shown.
 */
export function searchSnippet(
  role: SearchRole,
  text: string,
  terms: readonly QueryTerm[],
  fields?: ReadonlySet<SearchField>,
): SearchSnippet {
  const all = searchMatches(role, text, terms)
  const allowed = fields ? all.filter((m) => fields.has(m.field)) : all
  const matches = allowed.length > 0 ? allowed : all
  const counts = new Map<SearchField, number>()
  for (const m of matches) counts.set(m.field, (counts.get(m.field) ?? 0) + 1)
  let field: SearchField = fieldOf(role, 0)
  let best = 0
  for (const [f, n] of counts) {
    if (n > best) {
      best = n
      field = f
    }
  }
  const first = matches.find((m) => m.field === field)
  let start = 0
  let end = Math.min(text.length, SNIPPET_CHARS)
  if (first) {
    start = Math.max(0, first.start - LEAD_CHARS)
    end = Math.min(text.length, start + SNIPPET_CHARS)
    if (end - start < SNIPPET_CHARS) start = Math.max(0, end - SNIPPET_CHARS)
    // Start and end on word boundaries (without losing the match), never inside a surrogate pair.
    while (start < first.start && start > 0 && isWordChar(text[start - 1]) && isWordChar(text[start])) start++
    while (end > first.end && end < text.length && isWordChar(text[end - 1]) && isWordChar(text[end])) end--
  }
  if (start > 0 && /[\uDC00-\uDFFF]/.test(text[start] ?? '')) start++
  if (end < text.length && /[\uD800-\uDBFF]/.test(text[end - 1] ?? '')) end--
  const marks: [number, number][] = []
  for (const m of all) {
    if (m.start < start || m.end > end) continue
    const s = m.start - start
    const e = m.end - start
    const prev = marks[marks.length - 1]
    if (prev && s <= prev[1]) prev[1] = Math.max(prev[1], e)
    else marks.push([s, e])
  }
  return { field, text: text.slice(start, end), marks }
}
