/**
 * The trace-list filter: one definition of "which rows match" shared by `GET /api/traces`,
 * `GET /api/export.jsonl` and the export CLI (`npm run export -- --category ... --error any`), so a filter
 * copied from the explorer's URL selects exactly the same rows offline. Runtime-neutral: a pure function of a
 * `TraceSummary`.
 */
import type { ErrorKind, TraceSummary } from './types.ts'

/** Every `ErrorKind`, in the taxonomy's order (the `satisfies` check breaks the build when one is missing). */
export const ERROR_KINDS = [
  'timeout',
  'permission',
  'not_found',
  'traceback',
  'nonzero_exit',
  'error_field',
  'failed',
  'patch_mismatch',
  'unknown_tool',
  'malformed_call',
  'missing_response',
] as const satisfies readonly ErrorKind[]

// Compile-time exhaustiveness: an ErrorKind added to types.ts but not above makes this line an error.
const _allKinds: Record<Exclude<ErrorKind, (typeof ERROR_KINDS)[number]>, never> = {}
void _allKinds

/** Values of `TraceFilter.error`: `any`, `none`, `seed`, then every error kind. */
export const ERROR_FILTERS = ['any', 'none', 'seed', ...ERROR_KINDS] as const

/** One of `ERROR_FILTERS`. */
export type ErrorFilter = (typeof ERROR_FILTERS)[number]

/** True when `x` is a valid `TraceFilter.error` value (for validating `?error=` and `--error`). */
export function isErrorFilter(x: unknown): x is ErrorFilter {
  return typeof x === 'string' && (ERROR_FILTERS as readonly string[]).includes(x)
}

/** Which rows to keep. Every field is optional; the given ones combine with AND. */
export interface TraceFilter {
  /** Exact config name (`kimi`, `glm-5.1`). */
  config?: string
  /** Exact category, e.g. `Terminal & Coding`. */
  category?: string
  /** Exact subcategory. */
  subcategory?: string
  /** Rows that call this tool; with `error: 'any'`, rows where this tool failed. */
  tool?: string
  /**
   * `any`: some call failed (taxonomy, `toolErrors > 0`); `none`: no call failed; `seed`: the tutorial's
   * heuristic flag; an `ErrorKind`: a call failed with that kind.
   */
  error?: ErrorFilter
  /** At least this many messages (inclusive). */
  minMessages?: number
  /** At most this many messages (inclusive). */
  maxMessages?: number
  /** At least this many tool calls (inclusive). */
  minCalls?: number
  /** At most this many tool calls (inclusive). */
  maxCalls?: number
  /** The widest gpt turn has at least this many calls. */
  minParallel?: number
  /** Case-insensitive substring of the task. */
  q?: string
}

/** A count from a sparse per-name record; absent (or inherited, e.g. `toString`) names count 0. */
function count(record: Record<string, number | undefined>, key: string): number {
  return Object.hasOwn(record, key) ? (record[key] ?? 0) : 0
}

/**
 * True when `summary` passes every filter given in `f` (AND). Semantics:
 * - `config`, `category`, `subcategory`: exact match.
 * - `minMessages`/`maxMessages` on `messages`, `minCalls`/`maxCalls` on `toolCalls`, `minParallel` on
 *   `maxParallel`: inclusive bounds.
 * - `q`: case-insensitive substring of `task`.
 * - `tool` alone: the row calls that tool (`tools[tool] > 0`); `tool` with `error: 'any'`: that tool failed in
 *   the row (`failedTools[tool] > 0`). With another `error` value, both conditions apply independently.
 * - `error`: `any` -> `toolErrors > 0`; `none` -> `toolErrors === 0`; `seed` -> `seedError`; an ErrorKind ->
 *   `errorKinds[kind] > 0`.
 */
export function matchesFilter(summary: TraceSummary, f: TraceFilter): boolean {
  if (f.config !== undefined && summary.config !== f.config) return false
  if (f.category !== undefined && summary.category !== f.category) return false
  if (f.subcategory !== undefined && summary.subcategory !== f.subcategory) return false
  if (f.minMessages !== undefined && summary.messages < f.minMessages) return false
  if (f.maxMessages !== undefined && summary.messages > f.maxMessages) return false
  if (f.minCalls !== undefined && summary.toolCalls < f.minCalls) return false
  if (f.maxCalls !== undefined && summary.toolCalls > f.maxCalls) return false
  if (f.minParallel !== undefined && summary.maxParallel < f.minParallel) return false
  if (f.q !== undefined && !summary.task.toLowerCase().includes(f.q.toLowerCase())) return false
  const kind = f.error
  if (f.tool !== undefined) {
    if (kind === 'any') return count(summary.failedTools, f.tool) > 0
    if (count(summary.tools, f.tool) <= 0) return false
  }
  if (kind === undefined) return true
  if (kind === 'any') return summary.toolErrors > 0
  if (kind === 'none') return summary.toolErrors === 0
  if (kind === 'seed') return summary.seedError
  return count(summary.errorKinds, kind) > 0
}

/** A filter that keeps every row: true when no field of `f` is set. */
export function isEmptyFilter(f: TraceFilter): boolean {
  return Object.values(f).every((v) => v === undefined)
}
