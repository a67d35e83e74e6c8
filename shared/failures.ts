/**
 * The failure map of a Stats document: failed calls per tool, grouped by (error signature, taxonomy kind), with
 * exact counts, rows, recoveries and a few examples.
 *
 * Mergeable like the rest of `Stats`: counts add (a row is in exactly one partial, so per-row numbers add too)
 * and the examples kept are the smallest by (id, step, message) of the union, so merging is associative and
 * commutative and a whole equals the merge of any split. Canonical order: tools by name, groups by count
 * descending, then signature, then kind.
 */

import { failureDetail, failureSignature } from './failure-signature.ts'
import { callFailureKind, type ParsedRow } from './trace.ts'
import type { ErrorKind, FailureExample, FailureGroup, FailureListGroup, Stats } from './types.ts'

/** Examples kept per group. */
export const FAILURE_EXAMPLES = 3

/** Failures per tool name (the `failures` field of `Stats`). */
export type FailureMap = Record<string, FailureGroup[]>

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function exampleOrder(a: FailureExample, b: FailureExample): number {
  return cmp(a.id, b.id) || a.step - b.step || cmp(a.message, b.message)
}

function groupKey(kind: string, signature: string): string {
  return `${kind}\n${signature}`
}

/** The smallest `FAILURE_EXAMPLES` distinct examples of two sorted lists. */
function mergeExamples(a: FailureExample[], b: FailureExample[]): FailureExample[] {
  const out: FailureExample[] = []
  let i = 0
  let j = 0
  while (out.length < FAILURE_EXAMPLES && (i < a.length || j < b.length)) {
    const x = a[i]
    const y = b[j]
    const next = x && (!y || exampleOrder(x, y) <= 0) ? x : (y as FailureExample)
    if (next === x) i++
    else j++
    const last = out[out.length - 1]
    if (!last || exampleOrder(last, next) !== 0)
      out.push({ id: next.id, step: next.step, message: next.message })
  }
  return out
}

// Lookup of a tool's groups by key while a document accumulates rows (not serialised: JSON sees the arrays).
const indexes = new WeakMap<FailureGroup[], Map<string, FailureGroup>>()

function groupOf(map: FailureMap, tool: string, kind: ErrorKind, signature: string): FailureGroup {
  let groups = map[tool]
  if (!groups) {
    groups = []
    map[tool] = groups
  }
  let index = indexes.get(groups)
  if (!index) {
    index = new Map(groups.map((g) => [groupKey(g.kind, g.signature), g]))
    indexes.set(groups, index)
  }
  const key = groupKey(kind, signature)
  let group = index.get(key)
  if (!group) {
    group = { signature, kind, count: 0, rows: 0, recovered: 0, examples: [] }
    groups.push(group)
    index.set(key, group)
  }
  return group
}

/**
 * Add one parsed row's failed calls to `map` (mutates it). A call failed when the taxonomy gives it a kind
 * (`callFailureKind`, else its response's `errorKind`, else `missing_response`): the same calls
 * `statsAddRow` counts in `toolErrors[].errors`. It recovered when a later step of the row called the same
 * tool and that call did not fail.
 */
export function failuresAddRow(map: FailureMap, parsed: ParsedRow): void {
  const { trace, toolNames } = parsed
  let failed: { tool: string; kind: ErrorKind; step: number; detail: string }[] | null = null
  // Per tool: the last step with a successful call.
  const lastSuccess = new Map<string, number>()
  for (const [s, step] of trace.steps.entries()) {
    for (const [k, call] of step.calls.entries()) {
      const response = step.responses[k]
      const kind: ErrorKind | null =
        callFailureKind(call.name, call.malformed, toolNames) ??
        response?.errorKind ??
        (response ? null : 'missing_response')
      if (!kind) {
        lastSuccess.set(call.name, s)
        continue
      }
      const detail = response
        ? failureDetail(response.content, response.error ?? '')
        : kind === 'missing_response'
          ? 'no response'
          : kind === 'malformed_call'
            ? 'malformed call payload'
            : "tool not in the row's toolset"
      failed ??= []
      failed.push({ tool: call.name, kind, step: s, detail })
    }
  }
  if (!failed) return
  const seen = new Set<FailureGroup>()
  for (const f of failed) {
    const group = groupOf(map, f.tool, f.kind, failureSignature(f.detail))
    group.count++
    if ((lastSuccess.get(f.tool) ?? -1) > f.step) group.recovered++
    if (!seen.has(group)) {
      seen.add(group)
      group.rows++
    }
    const example: FailureExample = { id: trace.id, step: f.step + 1, message: f.detail }
    if (
      group.examples.length < FAILURE_EXAMPLES ||
      exampleOrder(example, group.examples.at(-1) as FailureExample) < 0
    ) {
      group.examples = mergeExamples(group.examples, [example])
    }
  }
}

function groupOrder(a: FailureGroup, b: FailureGroup): number {
  return b.count - a.count || cmp(a.signature, b.signature) || cmp(a.kind, b.kind)
}

/** Merge two failure maps into a new, finalized one (neither input changes). */
export function mergeFailures(a: FailureMap, b: FailureMap): FailureMap {
  const out: FailureMap = {}
  for (const source of [a, b]) {
    for (const [tool, groups] of Object.entries(source)) {
      for (const g of groups) {
        const target = groupOf(out, tool, g.kind, g.signature)
        target.count += g.count
        target.rows += g.rows
        target.recovered += g.recovered
        target.examples = mergeExamples(target.examples, g.examples)
      }
    }
  }
  return finalizeFailures(out)
}

/** Put a failure map in canonical order (tools by name, groups by count desc, signature, kind). Returns a new map. */
export function finalizeFailures(map: FailureMap): FailureMap {
  const out: FailureMap = {}
  for (const tool of Object.keys(map).sort(cmp)) {
    out[tool] = [...(map[tool] ?? [])].sort(groupOrder)
  }
  return out
}

/**
 * Every failure group of `stats` (optionally of one tool) as one list with its config and tool: by count
 * descending, then config in the order given, tool, signature and kind. Presentation caps apply to this list.
 */
export function failureListGroups(stats: readonly Stats[], tool?: string): FailureListGroup[] {
  const out: FailureListGroup[] = []
  for (const s of stats) {
    for (const [name, groups] of Object.entries(s.failures)) {
      if (tool !== undefined && name !== tool) continue
      for (const g of groups) out.push({ config: s.config, tool: name, ...g })
    }
  }
  const order = new Map(stats.map((s, i) => [s.config, i]))
  return out.sort(
    (a, b) =>
      b.count - a.count ||
      (order.get(a.config) ?? 0) - (order.get(b.config) ?? 0) ||
      cmp(a.tool, b.tool) ||
      cmp(a.signature, b.signature) ||
      cmp(a.kind, b.kind),
  )
}
