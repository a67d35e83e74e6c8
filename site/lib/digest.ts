/**
 * What the tool and category pages need beyond `Stats`: typical call arguments, example traces, per-category
 * numbers. One streaming pass over the local parquet files with the same parser as the API
 * (`shared/trace.ts` `parseRow`), in bounded memory: every list below is capped, every map is keyed by a
 * name from a small set (tools, argument keys, categories, subcategories), and rows are dropped slice by slice.
 */
import { join } from 'node:path'
import { readDatasetDir } from '../../scripts/lib/dataset-dir.ts'
import { openLocalParquet, streamRowSlices } from '../../scripts/lib/local-parquet.ts'
import { parseRow } from '../../shared/trace.ts'
import type { Provenance, TraceSummary } from '../../shared/types.ts'

/** A link to one trace, with what a list of examples shows about it. */
export interface TraceRef {
  id: string
  config: string
  task: string
  category: string
  subcategory: string
  messages: number
  toolCalls: number
  toolErrors: number
  /** Index of the row in its config's parquet file (lets a later build step read just this row). */
  row: number
}

/** One example of a tool's arguments. */
export interface ArgumentExample {
  config: string
  /** Trace the call comes from. */
  id: string
  /** The `arguments` value, long strings shortened (see `shortenValue`). */
  args: unknown
  /** The payload text, only for malformed calls (shortened). */
  raw?: string
}

/** Numbers of one tool in one config that `Stats` does not carry. */
export interface ToolConfigDigest {
  /** Rows that call the tool at least once. */
  rowsUsing: number
  /** Rows where a call to the tool failed (taxonomy). */
  rowsFailing: number
}

/** Everything the tool page shows besides `Stats`. */
export interface ToolDigest {
  name: string
  /** Description from the first toolset that declares the tool; null for tools outside every toolset. */
  description: string | null
  /** Per config. */
  configs: Record<string, ToolConfigDigest>
  /** Structured calls (any config) whose arguments are a JSON object. */
  objectCalls: number
  /** Argument key -> number of those calls that pass it (at most MAX_KEYS keys). */
  argKeys: Record<string, number>
  /** Up to 3 examples, with different key sets when the data has them. */
  examples: ArgumentExample[]
  /** Up to 3 rows per config that call the tool. */
  traces: TraceRef[]
  /** Up to 2 rows per config where the tool failed. */
  failing: TraceRef[]
}

/** Numbers of one category in one config. */
export interface CategoryConfigDigest {
  rows: number
  messages: number
  toolCalls: number
  /** Rows with a real tool error (taxonomy). */
  errorRows: number
  /** Rows the tutorial's heuristic flags. */
  seedErrorRows: number
  /** Tool -> calls. */
  tools: Record<string, number>
  /** Subcategory -> rows. */
  subcategories: Record<string, number>
}

/** Everything the category page shows. */
export interface CategoryDigest {
  name: string
  configs: Record<string, CategoryConfigDigest>
  /** Up to 4 rows per config. */
  traces: TraceRef[]
}

/** The whole digest. */
export interface Digest {
  /** Config names in the card's order. */
  configs: string[]
  tools: Record<string, ToolDigest>
  categories: Record<string, CategoryDigest>
  /** The row with the most messages (ties: most tool calls), for the "longest trace" link and the bench. */
  longest: TraceRef | null
  /** The same per config (configs without rows are absent). */
  longestByConfig: Record<string, TraceRef>
}

const MAX_KEYS = 40
const MAX_EXAMPLES = 3
const TRACES_PER_CONFIG = 3
const FAILING_PER_CONFIG = 2
const CATEGORY_TRACES_PER_CONFIG = 4

/** Shorten a JSON value for display: strings to `maxString` chars, arrays to 6 items, depth 4. */
export function shortenValue(value: unknown, maxString = 200, depth = 0): unknown {
  if (typeof value === 'string') {
    return value.length > maxString
      ? `${value.slice(0, maxString)}… (${value.length - maxString} more chars)`
      : value
  }
  if (Array.isArray(value)) {
    if (depth >= 4) return `[… ${value.length} items]`
    const head = value.slice(0, 6).map((v) => shortenValue(v, maxString, depth + 1))
    return value.length > 6 ? [...head, `… ${value.length - 6} more items`] : head
  }
  if (value !== null && typeof value === 'object') {
    if (depth >= 4) return '{…}'
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = shortenValue(v, maxString, depth + 1)
    return out
  }
  return value
}

/** The link data of a row, from its summary. */
export function refOf(s: TraceSummary, row: number): TraceRef {
  return {
    id: s.id,
    config: s.config,
    task: s.task,
    category: s.category,
    subcategory: s.subcategory,
    messages: s.messages,
    toolCalls: s.toolCalls,
    toolErrors: s.toolErrors,
    row,
  }
}

/** True when `s` is longer than `than`: more messages, ties broken by more tool calls. */
function isLonger(s: TraceSummary, than: TraceRef | TraceSummary | null | undefined): boolean {
  return !than || s.messages > than.messages || (s.messages === than.messages && s.toolCalls > than.toolCalls)
}

function bump(record: Record<string, number>, key: string, by = 1): void {
  record[key] = (record[key] ?? 0) + by
}

function countIn(list: TraceRef[], config: string): number {
  let n = 0
  for (const r of list) if (r.config === config) n++
  return n
}

function emptyTool(name: string): ToolDigest {
  return {
    name,
    description: null,
    configs: {},
    objectCalls: 0,
    argKeys: {},
    examples: [],
    traces: [],
    failing: [],
  }
}

/** Options of `digestDatasetDir`. */
export interface DigestOptions extends Provenance {
  /** Decoded bytes per slice (memory bound); default the shared slice budget. */
  budgetBytes?: number
}

/** Stream every config of a local dataset directory into a `Digest`. */
export async function digestDatasetDir(dir: string, options: DigestOptions): Promise<Digest> {
  const described = await readDatasetDir(dir)
  const digest: Digest = {
    configs: described.configs.map((c) => c.name),
    tools: {},
    categories: {},
    longest: null,
    longestByConfig: {},
  }
  const toolOf = (name: string) => {
    let t = digest.tools[name]
    if (!t) {
      t = emptyTool(name)
      digest.tools[name] = t
    }
    return t
  }
  const signatures = new Map<string, Set<string>>()
  let longest: TraceRef | null = null

  for (const config of described.configs) {
    const source = await openLocalParquet(join(dir, config.path))
    const ctx = {
      config: config.name,
      dataset: options.dataset,
      revision: options.revision,
      sample: options.sample,
    }
    for await (const slice of streamRowSlices(source, { budgetBytes: options.budgetBytes })) {
      for (const [k, row] of slice.rows.entries()) {
        const { trace } = parseRow(row, ctx)
        const s = trace.summary
        const at = slice.range.start + k
        const ref = (): TraceRef => refOf(s, at)
        if (isLonger(s, longest)) longest = ref()
        if (isLonger(s, digest.longestByConfig[config.name])) digest.longestByConfig[config.name] = ref()
        // Tools: descriptions from the toolset, usage and failures from the summary, arguments from the steps.
        for (const def of trace.tools) {
          const t = digest.tools[def.name]
          if (t && t.description === null) t.description = def.description
        }
        for (const [name] of Object.entries(s.tools)) {
          const t = toolOf(name)
          if (t.description === null)
            t.description = trace.tools.find((d) => d.name === name)?.description ?? null
          const c = t.configs[config.name] ?? { rowsUsing: 0, rowsFailing: 0 }
          t.configs[config.name] = c
          c.rowsUsing++
          const failed = (s.failedTools[name] ?? 0) > 0
          if (failed) c.rowsFailing++
          if (countIn(t.traces, config.name) < TRACES_PER_CONFIG) t.traces.push(ref())
          if (failed && countIn(t.failing, config.name) < FAILING_PER_CONFIG) t.failing.push(ref())
        }
        for (const step of trace.steps) {
          for (const call of step.calls) {
            const t = toolOf(call.name)
            const args = call.arguments
            if (call.malformed) {
              if (t.examples.length < MAX_EXAMPLES) {
                t.examples.push({
                  config: config.name,
                  id: s.id,
                  args: null,
                  raw: shortenValue(call.raw, 300) as string,
                })
              }
              continue
            }
            if (args === null || typeof args !== 'object' || Array.isArray(args)) continue
            t.objectCalls++
            const keys = Object.keys(args)
            for (const k of keys) {
              if (k in t.argKeys || Object.keys(t.argKeys).length < MAX_KEYS) bump(t.argKeys, k)
            }
            if (t.examples.length < MAX_EXAMPLES) {
              // Prefer examples that show a different set of keys.
              const sig = keys.slice().sort().join(',')
              let seen = signatures.get(call.name)
              if (!seen) {
                seen = new Set()
                signatures.set(call.name, seen)
              }
              if (!seen.has(sig) || t.examples.length === 0) {
                seen.add(sig)
                t.examples.push({ config: config.name, id: s.id, args: shortenValue(args) })
              }
            }
          }
        }

        // Categories.
        let cat = digest.categories[s.category]
        if (!cat) {
          cat = { name: s.category, configs: {}, traces: [] }
          digest.categories[s.category] = cat
        }
        let cc = cat.configs[config.name]
        if (!cc) {
          cc = {
            rows: 0,
            messages: 0,
            toolCalls: 0,
            errorRows: 0,
            seedErrorRows: 0,
            tools: {},
            subcategories: {},
          }
          cat.configs[config.name] = cc
        }
        cc.rows++
        cc.messages += s.messages
        cc.toolCalls += s.toolCalls
        if (s.toolErrors > 0) cc.errorRows++
        if (s.seedError) cc.seedErrorRows++
        for (const [name, n] of Object.entries(s.tools)) bump(cc.tools, name, n)
        bump(cc.subcategories, s.subcategory)
        if (countIn(cat.traces, config.name) < CATEGORY_TRACES_PER_CONFIG) cat.traces.push(ref())
      }
    }
  }
  digest.longest = longest
  return digest
}
