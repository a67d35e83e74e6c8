/**
 * The search query language: words, "quoted phrases" and prefixes (`foo*`), all normalised like the index
 * (shared/search/tokenize.ts). Every term must match within one message (AND).
 */
import { searchNormalize, searchWords } from './tokenize.ts'

/** One term of a query. */
export type QueryTerm =
  | { kind: 'word'; text: string }
  | { kind: 'prefix'; text: string; prefix: string }
  | { kind: 'phrase'; text: string; words: string[] }

/** Longest query accepted (characters). */
export const MAX_QUERY_CHARS = 200
/** Most terms in a query: words, words of phrases, prefixes. */
export const MAX_QUERY_TERMS = 8
/** Characters a prefix needs before its `*`. */
export const MIN_PREFIX_CHARS = 2

/** A query that cannot be run; `message` says why (the API answers 400 naming `q`). */
export class SearchQueryError extends Error {
  override name = 'SearchQueryError'
}

const WORD_STAR = /([\p{L}\p{N}_]+)(\*?)/gu

/** Parse a query into terms (deduplicated, in order). Throws `SearchQueryError`. */
export function parseSearchQuery(q: string): QueryTerm[] {
  if (q.length > MAX_QUERY_CHARS)
    throw new SearchQueryError(`query is longer than ${MAX_QUERY_CHARS} characters`)
  const terms: QueryTerm[] = []
  const seen = new Set<string>()
  let count = 0
  const add = (term: QueryTerm, weight: number) => {
    count += weight
    if (seen.has(term.text)) return
    seen.add(term.text)
    terms.push(term)
  }
  // Quotes toggle: odd parts are phrases (an unclosed quote runs to the end).
  const parts = q.split('"')
  for (const [i, part] of parts.entries()) {
    if (i % 2 === 1) {
      const words = searchWords(part)
      if (words.length === 1) add({ kind: 'word', text: words[0] as string }, 1)
      else if (words.length > 1) add({ kind: 'phrase', text: words.join(' '), words }, words.length)
      continue
    }
    const norm = searchNormalize(part)
    for (const m of norm.matchAll(WORD_STAR)) {
      // The same words the tokenizer finds (tags left out), with a `*` right after a word making it a prefix.
      const word = m[1] as string
      if (m[2] === '*') {
        if ([...word].length < MIN_PREFIX_CHARS) {
          throw new SearchQueryError(
            `prefix "${word}*" needs at least ${MIN_PREFIX_CHARS} characters before *`,
          )
        }
        add({ kind: 'prefix', text: `${word}*`, prefix: word }, 1)
      } else add({ kind: 'word', text: word }, 1)
    }
  }
  if (terms.length === 0) throw new SearchQueryError('query has no words (letters or digits)')
  if (count > MAX_QUERY_TERMS) {
    throw new SearchQueryError(
      `query has ${count} terms (words, phrase words, prefixes); at most ${MAX_QUERY_TERMS}`,
    )
  }
  return terms
}
