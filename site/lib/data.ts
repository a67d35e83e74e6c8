/**
 * Build-time data of the site: the `StatsSet` of the dataset directory (the same shared code the API runs,
 * streamed from the local parquet files by `scripts/lib/stats-pipeline.ts`), the digest of tools and categories, the
 * charts rendered to SVG, and the slugs of the tool and category pages.
 *
 * Everything is loaded once per build (memoised on `globalThis`, so pages bundled into different chunks
 * still share one load). The directory is `HTE_DATASET_DIR`, default `sample-data` (`npm run sample`).
 */
import { parseHTML } from 'linkedom'
import { statsFromDatasetDir } from '../../scripts/lib/stats-pipeline.ts'
import type { ChartName, DrillDownParams } from '../../shared/charts.ts'
import { CHART_NAMES, renderChart } from '../../shared/charts.ts'
import type { Stats, StatsSet } from '../../shared/types.ts'
import { type Digest, digestDatasetDir } from './digest.ts'
import { inlineSvg } from './inline-svg.ts'
import { slugMap } from './slug.ts'

/** The dataset directory the site is built from. */
export function datasetDir(): string {
  return process.env.HTE_DATASET_DIR ?? 'sample-data'
}

interface Memo {
  dir: string
  stats?: Promise<StatsSet>
  digest?: Promise<Digest>
  charts: Map<string, string>
  /** CSS of the inline charts (the same for every chart). */
  chartCss?: string
}

const MEMO_KEY = Symbol.for('hermes-trace-explorer.site-data')

function memo(): Memo {
  const g = globalThis as unknown as Record<symbol, Memo | undefined>
  const dir = datasetDir()
  let m = g[MEMO_KEY]
  if (!m || m.dir !== dir) {
    m = { dir, charts: new Map() }
    g[MEMO_KEY] = m
  }
  return m
}

/** The dataset's statistics, every config side by side (loaded once per build). */
export function loadStats(): Promise<StatsSet> {
  const m = memo()
  // One thread: the build bundles this module, and a worker thread's entry file is not in the bundle.
  m.stats ??= statsFromDatasetDir(m.dir, { quiet: true, threads: 1 })
  return m.stats
}

/** Typical arguments, example traces and per-category numbers (loaded once per build). */
export function loadDigest(): Promise<Digest> {
  const m = memo()
  m.digest ??= loadStats().then((set) =>
    digestDatasetDir(m.dir, { dataset: set.dataset, revision: set.revision, sample: set.sample }),
  )
  return m.digest
}

/** Stats of every config, in the card's order. */
export function statsList(set: StatsSet): Stats[] {
  return Object.values(set.configs)
}

/** The drill-down list URL for chart params: `/traces/?config=kimi&tool=terminal`. */
export function tracesHref(params: DrillDownParams): string {
  const query = new URLSearchParams(params).toString()
  return query ? `/traces/?${query}` : '/traces/'
}

/** A commit sha: the only revision form the API pins (`?revision=`); a branch name is never sent. */
const SHA = /^[0-9a-f]{40}$/

/**
 * The revision every API link and request of the site carries (`?revision=<sha>`), so drill-down lists,
 * traces, exports and embedded charts answer from the exact data the pages were built from (answers for a
 * pinned sha are immutable). Undefined when the build's revision is not a commit sha (then nothing is pinned).
 */
export function apiRevision(revision: string): string | undefined {
  return SHA.test(revision) ? revision : undefined
}

/**
 * `path` of the API with `params` and the pinned revision: `/api/charts/top-tools.svg?config=all&revision=…`.
 */
export function apiHref(path: string, revision: string, params: Record<string, string> = {}): string {
  const query = new URLSearchParams(params)
  const pin = apiRevision(revision)
  if (pin) query.set('revision', pin)
  const q = query.toString()
  return q ? `${path}?${q}` : path
}

/** A rendered chart: the inline SVG markup (see `inlineSvg`) and its viewBox size. */
export interface RenderedChart {
  name: ChartName
  svg: string
  width: number
  height: number
}

/**
 * Chart `name` over `stats` as inline SVG, bars linking to the drill-down list. The SVG is built by
 * `shared/charts.ts`, which escapes every text and attribute, so it is safe to inline; its styles move to
 * `/charts.css` (`chartStylesheet`), so the page needs no inline style.
 */
export function chartSvg(
  name: ChartName,
  stats: Stats[],
  options: { heading?: boolean } = {},
): RenderedChart {
  const m = memo()
  const key = `${name}|${stats.map((s) => `${s.config}:${s.rows}`).join(',')}|${options.heading !== false}`
  let svg = m.charts.get(key)
  if (svg === undefined) {
    const { document } = parseHTML('<!doctype html><html><body></body></html>')
    const rendered = renderChart(name, stats, document as unknown as Document, {
      href: tracesHref,
      heading: options.heading,
    })
    const inline = inlineSvg(rendered)
    if (inline.css !== chartStylesheet(stats)) {
      throw new Error(`chart ${name}: its styles differ from /charts.css (site/lib/inline-svg.ts)`)
    }
    svg = inline.svg
    m.charts.set(key, svg)
  }
  const [, , w, h] = (/viewBox="([^"]+)"/.exec(svg)?.[1] ?? '0 0 720 400').split(/\s+/).map(Number)
  return { name, svg, width: w ?? 720, height: h ?? 400 }
}

/** The CSS of the inline charts (`/charts.css`): the styles every rendered chart carries, as one file. */
export function chartStylesheet(stats: Stats[]): string {
  const m = memo()
  if (m.chartCss === undefined) {
    const { document } = parseHTML('<!doctype html><html><body></body></html>')
    const name = CHART_NAMES[0] as ChartName
    m.chartCss = inlineSvg(renderChart(name, stats, document as unknown as Document)).css
  }
  return m.chartCss
}

/** Every chart name, in the report's order. */
export const chartNames: readonly ChartName[] = CHART_NAMES

/** Tool names with a page: every tool any config calls, most-called first. */
export function toolNames(set: StatsSet): string[] {
  const calls: Record<string, number> = {}
  for (const s of statsList(set)) {
    for (const [name, n] of Object.entries(s.seed.toolCalls)) calls[name] = (calls[name] ?? 0) + n
    for (const name of Object.keys(s.toolErrors)) calls[name] ??= 0
  }
  return Object.keys(calls).sort((a, b) => (calls[b] ?? 0) - (calls[a] ?? 0) || (a < b ? -1 : 1))
}

/** The `error` filter's choices (the traces list, search): any failure, none, the tutorial heuristic, each kind seen. */
export function errorFilterOptions(set: StatsSet): { value: string; label: string }[] {
  const kinds = [...new Set(statsList(set).flatMap((s) => Object.keys(s.errorKinds)))].sort()
  return [
    { value: 'any', label: 'A call failed' },
    { value: 'none', label: 'No call failed' },
    { value: 'seed', label: 'Tutorial heuristic flags an error' },
    ...kinds.map((k) => ({ value: k, label: `Failure kind: ${k}` })),
  ]
}

/** Category names, largest first. */
export function categoryNames(set: StatsSet): string[] {
  const rows: Record<string, number> = {}
  for (const s of statsList(set)) {
    for (const [name, n] of Object.entries(s.seed.categories)) rows[name] = (rows[name] ?? 0) + n
  }
  return Object.keys(rows).sort((a, b) => (rows[b] ?? 0) - (rows[a] ?? 0) || (a < b ? -1 : 1))
}

/** Page slug of every tool. */
export function toolSlugs(set: StatsSet): Map<string, string> {
  return slugMap(toolNames(set))
}

/** Page slug of every category. */
export function categorySlugs(set: StatsSet): Map<string, string> {
  return slugMap(categoryNames(set))
}
