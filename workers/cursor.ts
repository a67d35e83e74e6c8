/**
 * Opaque paging cursors, shared by `GET /api/export.jsonl` and `GET /api/traces`.
 *
 * A cursor is base64url (RFC 4648 §5, unpadded) of a small JSON object:
 * `{"v":1,"r":<route>,"rev":<first 12 hex of the commit sha>,"q":<fingerprint of the query>,"pos":<position>}`.
 * `pos` is route-defined (export: the next row index of the config; traces: the next item of the filtered
 * list). Clients must not build or edit cursors: they follow `Link: <…>; rel="next"` (or `nextCursor`).
 *
 * Validation: a cursor that does not decode, belongs to another route, another revision (the answer moved to a
 * new commit between two pages) or another query (different config, format or filters) is a 400 problem naming
 * `cursor`, never a silently wrong page. The query fingerprint is FNV-1a over the sorted parameters that define
 * the result set (everything but `cursor`, `offset` and `limit`, which only move through it): a guard against
 * mistakes, not a signature; a forged cursor can only ask for rows the same query would return anyway.
 */
import { z } from 'zod'
import { fnv1a } from './http.ts'
import { badParam } from './problem.ts'

/** Format version: bump when the JSON changes; older cursors then get a 400 instead of a wrong page. */
const VERSION = 1
/** Hex digits of the commit sha kept in a cursor (enough to tell revisions apart, short in URLs). */
const REV_CHARS = 12
/** Longest cursor accepted (ours are < 120 characters). */
export const MAX_CURSOR_CHARS = 256
/** Parameters that page through a result set rather than define it (left out of the fingerprint). */
const PAGING_PARAMS = new Set(['cursor', 'offset', 'limit'])

const cursorJson = z
  .object({
    v: z.literal(VERSION),
    r: z.string(),
    rev: z.string(),
    q: z.string(),
    pos: z.number().int().min(0),
  })
  .strict()

/** The `cursor` query parameter (shape only; `cursorDecode` checks that it belongs to the request). */
export const cursorParam = z
  .string()
  .min(1, 'cursor is empty')
  .max(MAX_CURSOR_CHARS, `cursor is longer than ${MAX_CURSOR_CHARS} characters`)
  .regex(/^[A-Za-z0-9_-]+$/, 'cursor must be base64url (copy it from the Link header or nextCursor)')
  .describe(
    'Opaque position from the previous page (`Link: <…>; rel="next"` or `nextCursor`); valid only for the same query at the same revision.',
  )

/** What a cursor is bound to: the route, the resolved revision and the request's result-set parameters. */
export interface CursorScope {
  /** Route name (`export`, `traces`): a cursor of one route is refused by the other. */
  route: string
  /** Resolved commit sha of the answer. */
  revision: string
  /** The request URL (its query defines the result set). */
  url: URL
}

/** Fingerprint of the parameters that define the result set (sorted, paging parameters left out). */
function queryFingerprint(scope: CursorScope): string {
  const params = [...scope.url.searchParams.entries()]
    .filter(([key]) => !PAGING_PARAMS.has(key))
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  return fnv1a(`${scope.route}?${new URLSearchParams(params)}`)
}

function base64url(text: string): string {
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function fromBase64url(text: string): string {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/')
  return atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4))
}

/** The cursor of position `pos` in the result set of `scope`. */
export function cursorEncode(scope: CursorScope, pos: number): string {
  const json = {
    v: VERSION,
    r: scope.route,
    rev: scope.revision.slice(0, REV_CHARS),
    q: queryFingerprint(scope),
    pos,
  }
  return base64url(JSON.stringify(json))
}

/**
 * The position held by `raw`, checked against `scope` and `maxPos` (inclusive); throws a 400 problem naming
 * `cursor` otherwise.
 */
export function cursorDecode(raw: string, scope: CursorScope, maxPos: number): number {
  let value: unknown
  try {
    value = JSON.parse(fromBase64url(raw))
  } catch {
    throw badParam('cursor', raw, 'malformed cursor (copy it from the Link header or nextCursor)')
  }
  const parsed = cursorJson.safeParse(value)
  if (!parsed.success) {
    throw badParam('cursor', raw, 'malformed cursor (copy it from the Link header or nextCursor)')
  }
  const cursor = parsed.data
  if (cursor.r !== scope.route) {
    throw badParam('cursor', raw, `cursor belongs to another route (${JSON.stringify(cursor.r)})`)
  }
  const rev = scope.revision.slice(0, REV_CHARS)
  if (cursor.rev !== rev) {
    throw badParam(
      'cursor',
      raw,
      `cursor belongs to revision ${cursor.rev}, this answer is at ${rev}; start again without cursor (or pin the revision)`,
    )
  }
  if (cursor.q !== queryFingerprint(scope)) {
    throw badParam(
      'cursor',
      raw,
      'cursor belongs to another query (config, format or filters changed); follow the Link URL as given',
    )
  }
  if (cursor.pos > maxPos) throw badParam('cursor', raw, 'cursor points past the end of the result set')
  return cursor.pos
}

/** The URL of the page at `cursor`: the request URL with `cursor` set and `offset` dropped. */
export function cursorPageUrl(url: URL, cursor: string): string {
  const next = new URL(url)
  next.searchParams.delete('offset')
  next.searchParams.set('cursor', cursor)
  return next.href
}

/** A `Link` header value (RFC 8288) pointing at the next page. */
export function linkNext(href: string): string {
  return `<${href}>; rel="next"`
}
