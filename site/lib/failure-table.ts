/**
 * The failures page's tables: per tool, each (signature, kind) with every config's group side by side, most
 * failed calls first, cut to the top `limit` rows (the stored groups stay complete; the API lists them all).
 */
import type { ErrorKind, FailureGroup, Stats } from '../../shared/types.ts'

/** One row of a tool's table: a signature and kind, and its group in each config (null: none there). */
export interface FailureRow {
  signature: string
  kind: ErrorKind
  /** Per config, in the order of the stats given. */
  groups: (FailureGroup | null)[]
  /** Failed calls over every config. */
  total: number
}

/** One tool's table. */
export interface FailureTable {
  tool: string
  /** Failed calls of the tool per config (every group, shown or not). */
  calls: number[]
  /** Failed calls of the tool over every config. */
  total: number
  /** The top rows, by total descending, then signature and kind. */
  rows: FailureRow[]
  /** Rows (signatures) left out by the cut, and their failed calls. */
  hidden: { rows: number; calls: number }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Every tool with a failed call in any config, most failed calls first, each with its top `limit` rows. */
export function failureTables(stats: readonly Stats[], limit: number): FailureTable[] {
  const tools = new Set(stats.flatMap((s) => Object.keys(s.failures)))
  const tables: FailureTable[] = []
  for (const tool of tools) {
    const byKey = new Map<string, FailureRow>()
    const calls = stats.map(() => 0)
    stats.forEach((s, i) => {
      for (const g of s.failures[tool] ?? []) {
        calls[i] = (calls[i] ?? 0) + g.count
        const key = `${g.kind}\n${g.signature}`
        let row = byKey.get(key)
        if (!row) {
          row = { signature: g.signature, kind: g.kind, groups: stats.map(() => null), total: 0 }
          byKey.set(key, row)
        }
        row.groups[i] = g
        row.total += g.count
      }
    })
    const rows = [...byKey.values()].sort(
      (a, b) => b.total - a.total || cmp(a.signature, b.signature) || cmp(a.kind, b.kind),
    )
    const shown = rows.slice(0, limit)
    const rest = rows.slice(limit)
    tables.push({
      tool,
      calls,
      total: calls.reduce((a, b) => a + b, 0),
      rows: shown,
      hidden: { rows: rest.length, calls: rest.reduce((n, r) => n + r.total, 0) },
    })
  }
  return tables.sort((a, b) => b.total - a.total || cmp(a.tool, b.tool))
}
