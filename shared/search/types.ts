/**
 * The contract of `GET /api/search` (the zod schemas of workers/schemas.ts are proved equal to these types).
 */
import type { Coverage, Provenance } from '../types.ts'
import type { SearchField, SearchRole } from './tokenize.ts'

/** One matching message. */
export interface SearchHit {
  /** Row id of the trace. */
  id: string
  /** Config the row belongs to. */
  config: string
  /** Index of the message in the row's `conversations`. */
  message: number
  /** Role of the message. */
  role: SearchRole
  /** Field shown by the snippet: where most matches are (within the `role` filter when given). */
  field: SearchField
  /** Index into the replay's `steps` (a tool message: the step whose calls it answers); null for system/human. */
  step: number | null
  /** BM25 score (k1 = 1.2, b = 0.75). */
  score: number
  /** Plain text around the first match, with the matches' [start, end) UTF-16 offsets in it. */
  snippet: { text: string; marks: [number, number][] }
}

/** `GET /api/search`: one page of matching messages. */
export interface SearchAnswer extends Provenance {
  /** The query as sent. */
  q: string
  /** Its terms, normalised: words, phrases as "a b", prefixes as "ab*". */
  terms: string[]
  /** Matching (trace, message) pairs over every page. */
  total: number
  /** True when every searched config's index is complete (an incomplete index answers 503 instead). */
  complete: boolean
  /** While `complete` is false: what is missing. */
  coverage?: Coverage
  /** This page, best first. */
  hits: SearchHit[]
  /** Opaque cursor of the next page, null at the end. */
  next: string | null
}
