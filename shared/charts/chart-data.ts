/**
 * Data shaping and mark building shared by the chart specs: colours per config, number formats, integer and
 * log-spaced bins, and the three chart layouts (horizontal bars, vertical bars over a few keys, histograms
 * over a numeric axis), each of which compares configs side by side when given more than one.
 *
 * Values are always normalised (a share in percent or a per-row rate), so one chart means the same thing for
 * `?config=kimi` and `?config=all`, and models with different row counts compare fairly; raw counts are in
 * every bar's tooltip.
 */
import * as Plot from '@observablehq/plot'
import type { Distribution, Stats } from '../types.ts'
import type { ChartOptions } from './render-svg.ts'
import { textWidth } from './render-svg.ts'

/** One plotted value: a bar, or a histogram bin, of one config. Site islands get it back from Plot. */
export interface ChartDatum {
  /** Config the value belongs to. */
  config: string
  /** Band key (tool, category, error kind, role, bin); unique per config within a chart. */
  key: string
  /** Display label of the key. */
  label: string
  /** Plotted value: a share in percent or a per-row rate (the chart's axis label says which). */
  value: number
  /** Raw count behind the value. */
  count: number
  /** Denominator of the value (rows, turns, calls, blocks...). */
  total: number
  /** Lower bound of a numeric bin: inclusive. */
  lo?: number
  /** Upper bound of a numeric bin: inclusive for integer bins, exclusive for length (log) bins. */
  hi?: number
  /** Left edge of a histogram rect on the x scale (bins are split between configs when comparing). */
  x1?: number
  /** Right edge of a histogram rect on the x scale. */
  x2?: number
}

/** Turns a datum into a link target, or null for no link; charts pass it to Plot's `href` channel. */
export type DatumHref = (d: ChartDatum) => string | null

/**
 * Fixed colours for the known configs, so kimi is the same blue in every chart and every page. Each keeps
 * at least 3:1 contrast against white and against #0d1117 (WCAG non-text contrast) in both colour schemes.
 */
const CONFIG_COLORS: Record<string, string> = { kimi: '#4c78e0', 'glm-5.1': '#dd6b20' }
const EXTRA_COLORS = ['#2a9d8f', '#b35fd0', '#d6456a', '#7f8c9b']

/** The colour of each config, in order: known configs fixed, others from a spare palette. */
export function configColors(configs: string[]): string[] {
  let spare = 0
  return configs.map((c) => CONFIG_COLORS[c] ?? EXTRA_COLORS[spare++ % EXTRA_COLORS.length]!)
}

/** The colour scale: a legend only when comparing. */
export function colorScale(configs: string[]): ChartOptions['color'] {
  return { type: 'ordinal', domain: configs, range: configColors(configs), legend: configs.length > 1 }
}

const INT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })

/** 7646 -> "7,646". */
export function formatCount(n: number): string {
  return INT.format(n)
}

/** A percentage with precision that suits its size: 26.3%, 4.2%, 0.42%, 0.004%. */
export function formatPercent(v: number): string {
  if (v === 0) return '0%'
  if (v >= 0.995) return `${v.toFixed(1)}%`
  if (v >= 0.01) return `${v.toPrecision(2)}%`
  return '<0.01%'
}

/** An estimate from ~9%-wide bins, to 2 significant digits: 1386 -> "1,400". */
export function formatApprox(v: number): string {
  return v >= 10 ? formatCount(Number(v.toPrecision(2))) : formatCount(Math.round(v))
}

/** A per-row rate: 6.14, 12.3, 0.042. */
export function formatRate(v: number): string {
  if (v === 0) return '0'
  if (v >= 100) return v.toFixed(0)
  if (v >= 10) return v.toFixed(1)
  if (v >= 0.1) return v.toFixed(2)
  return String(Number(v.toPrecision(2)))
}

/** `count` as a percentage of `total` (0 when there is no total). */
export function share(count: number, total: number): number {
  return total > 0 ? (count / total) * 100 : 0
}

/** Sum of a record's values. */
export function sumOf(record: Record<string, number>): number {
  let s = 0
  for (const v of Object.values(record)) s += v
  return s
}

/** Code-unit order: the same everywhere (localeCompare depends on the runtime's ICU data). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Keys ranked by their summed value over all configs, largest first, ties by key, at most `limit`.
 * Summing over configs keeps the same bars in the same order in the comparison chart.
 */
export function rankKeys(records: Record<string, number>[], limit = Number.POSITIVE_INFINITY): string[] {
  const totals = new Map<string, number>()
  for (const record of records) {
    for (const [key, v] of Object.entries(record)) totals.set(key, (totals.get(key) ?? 0) + v)
  }
  return [...totals]
    .filter(([, v]) => v > 0)
    .sort(([a, va], [b, vb]) => vb - va || compareText(a, b))
    .slice(0, limit)
    .map(([key]) => key)
}

/** Numeric keys of the records, sorted ascending. */
export function numericKeys(records: Record<string, number>[]): number[] {
  const keys = new Set<number>()
  for (const record of records) {
    for (const [key, v] of Object.entries(record))
      if (v > 0 && Number.isFinite(Number(key))) keys.add(Number(key))
  }
  return [...keys].sort((a, b) => a - b)
}

/** "kimi 24.3 · glm-5.1 19.1": one number per config, for subtitles. */
export function perConfig(stats: Stats[], fn: (s: Stats) => string): string {
  return stats.map((s) => (stats.length > 1 ? `${s.config} ${fn(s)}` : fn(s))).join(' · ')
}

/** Provenance line: rows counted per config, dataset and revision, sample and partial coverage. */
export function captionOf(stats: Stats[]): string {
  const rows = stats
    .map((s) =>
      s.complete || s.rows === s.rowsTotal
        ? `${s.config}: ${formatCount(s.rows)} rows`
        : `${s.config}: ${formatCount(s.rows)} of ${formatCount(s.rowsTotal)} rows (partial)`,
    )
    .join(' · ')
  const first = stats[0]
  if (!first) return ''
  const source = `${first.dataset} @ ${first.revision.slice(0, 7)}${stats.some((s) => s.sample) ? ' (sample data)' : ''}`
  return `${rows} — ${source}`
}

/** A chart that says there is nothing to show, instead of failing. */
export function noDataOptions(message: string, stats: Stats[]): ChartOptions {
  return {
    height: 110,
    x: { axis: null },
    y: { axis: null },
    caption: captionOf(stats),
    marks: [Plot.text([message], { frameAnchor: 'middle', fontSize: 13, fillOpacity: 0.7 })],
  }
}

/** Layout of a horizontal bar chart. */
export interface HBarsLayout {
  /** Band keys, top to bottom. */
  keys: string[]
  configs: string[]
  /** x axis label. */
  xLabel: string
  /** Value label at the end of each bar. */
  format: (v: number) => string
  /** Tooltip of a bar. */
  title: (d: ChartDatum) => string
  href?: DatumHref | undefined
  subtitle?: string
  caption?: string
}

/**
 * Horizontal bars, one band per key, labelled with their value. Comparing configs, each key becomes a facet
 * row holding one bar per config (grouped bars).
 */
export function hBarsOptions(data: ChartDatum[], layout: HBarsLayout): ChartOptions {
  const { keys, configs } = layout
  const multi = configs.length > 1
  const labels = new Map(data.map((d) => [d.key, d.label]))
  const labelOf = (key: string) => labels.get(key) ?? key
  const longest = Math.max(0, ...keys.map((k) => textWidth(labelOf(k), 10)))
  const widest = Math.max(0, ...data.map((d) => textWidth(layout.format(d.value), 9)))
  const rowHeight = multi ? configs.length * 11 + 9 : 21
  const marginTop = 8
  const marginBottom = 36
  const band = multi ? { y: 'config', fy: 'key' } : { y: 'key' }
  return {
    height: marginTop + marginBottom + keys.length * rowHeight,
    marginTop,
    marginBottom,
    marginLeft: Math.ceil(longest + 14),
    marginRight: Math.ceil(widest + 12),
    x: { label: layout.xLabel, grid: true, nice: true, labelAnchor: 'center', labelArrow: 'none' },
    y: multi
      ? { domain: configs, axis: null, padding: 0.08 }
      : { domain: keys, label: null, tickFormat: labelOf, tickSize: 0, padding: 0.22 },
    ...(multi ? { fy: { domain: keys, label: null, tickFormat: labelOf, axis: 'left', padding: 0.18 } } : {}),
    color: colorScale(configs),
    subtitle: layout.subtitle,
    caption: layout.caption,
    marks: [
      Plot.barX(data, {
        ...band,
        x: 'value',
        fill: 'config',
        title: layout.title,
        href: layout.href,
      }),
      Plot.text(data, {
        ...band,
        x: 'value',
        text: (d: ChartDatum) => layout.format(d.value),
        textAnchor: 'start',
        dx: 3,
        fontSize: 9,
        fill: 'currentColor',
      }),
      Plot.ruleX([0], { strokeOpacity: 0.5 }),
    ],
  }
}

/** Layout of a vertical bar chart over a few discrete keys. */
export interface VBarsLayout {
  keys: string[]
  configs: string[]
  xLabel: string
  yLabel: string
  /** Log y scale (bars then start at a power of ten below the smallest value). */
  log?: boolean
  title: (d: ChartDatum) => string
  href?: DatumHref | undefined
  subtitle?: string
  caption?: string
}

/** Vertical bars, one band per key; comparing configs, each key becomes a facet column of grouped bars. */
export function vBarsOptions(data: ChartDatum[], layout: VBarsLayout): ChartOptions {
  const { keys, configs } = layout
  const multi = configs.length > 1
  const labels = new Map(data.map((d) => [d.key, d.label]))
  const labelOf = (key: string) => labels.get(key) ?? key
  const band = multi ? { x: 'config', fx: 'key' } : { x: 'key' }
  const positive = data.map((d) => d.value).filter((v) => v > 0)
  const floor = layout.log ? Number(`1e${Math.floor(Math.log10(Math.min(...positive)))}`) : 0
  const y = layout.log
    ? {
        type: 'log' as const,
        label: layout.yLabel,
        grid: true,
        domain: [floor, logCeil(positive)],
        // Only powers of ten: Plot's default log ticks label 0.001 as "1m" and grid every minor tick.
        ticks: powersOfTen(floor, logCeil(positive)),
        tickFormat: (v: number) => String(v),
      }
    : { label: layout.yLabel, grid: true, nice: true }
  return {
    height: 300,
    marginTop: 22,
    marginLeft: 48,
    marginBottom: 40,
    x: multi
      ? { domain: configs, axis: null, padding: 0.06 }
      : { domain: keys, label: layout.xLabel, tickFormat: labelOf, padding: 0.18, labelAnchor: 'center' },
    ...(multi
      ? {
          fx: {
            domain: keys,
            label: layout.xLabel,
            tickFormat: labelOf,
            padding: 0.2,
            labelAnchor: 'center',
          },
        }
      : {}),
    y: { ...y, labelArrow: 'none' },
    color: colorScale(configs),
    subtitle: layout.subtitle,
    caption: layout.caption,
    marks: [
      Plot.barY(data, {
        ...band,
        y1: floor,
        y2: 'value',
        fill: 'config',
        title: layout.title,
        href: layout.href,
      }),
      Plot.ruleY([floor], { strokeOpacity: 0.5 }),
    ],
  }
}

/** Powers of ten from `from` to `to` (both powers of ten). */
function powersOfTen(from: number, to: number): number[] {
  const out: number[] = []
  for (let e = Math.round(Math.log10(from)); e <= Math.round(Math.log10(to)); e++) out.push(Number(`1e${e}`))
  return out
}

/** The next power of ten at or above the largest value (a log axis that ends on a labelled tick). */
function logCeil(values: number[]): number {
  return Number(`1e${Math.ceil(Math.log10(Math.max(...values)))}`)
}

/** Layout of a histogram over a numeric x axis. */
export interface HistLayout {
  configs: string[]
  xLabel: string
  yLabel: string
  /** Log x scale (length distributions). */
  logX?: boolean
  title: (d: ChartDatum) => string
  href?: DatumHref | undefined
  subtitle?: string
  caption?: string
}

/** Histogram rects from `x1` to `x2` (already split between configs when comparing), height `value`. */
export function histOptions(data: ChartDatum[], layout: HistLayout): ChartOptions {
  const x1 = Math.min(...data.map((d) => d.x1 ?? 0))
  const x2 = Math.max(...data.map((d) => d.x2 ?? 0))
  return {
    height: 300,
    marginTop: 22,
    marginLeft: 48,
    marginBottom: 40,
    x: layout.logX
      ? {
          type: 'log',
          domain: [x1, x2],
          label: layout.xLabel,
          tickFormat: '~s',
          labelAnchor: 'center',
          labelArrow: 'none',
        }
      : { domain: [x1, x2], label: layout.xLabel, labelAnchor: 'center', labelArrow: 'none' },
    y: { label: layout.yLabel, grid: true, nice: true, labelArrow: 'none' },
    color: colorScale(layout.configs),
    subtitle: layout.subtitle,
    caption: layout.caption,
    marks: [
      Plot.rect(data, {
        x1: 'x1',
        x2: 'x2',
        y1: 0,
        y2: 'value',
        fill: 'config',
        insetLeft: 0.5,
        insetRight: 0.5,
        title: layout.title,
        href: layout.href,
      }),
      Plot.ruleY([0], { strokeOpacity: 0.5 }),
    ],
  }
}

/** Bin widths tried for integer histograms, smallest first. */
const NICE_WIDTHS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000]

/**
 * Integer histograms (messages per row, calls per row) of each config on common bins: bins of a nice width
 * `w` aligned on multiples of `w`, so that there are at most `maxBins`. Each bin is [lo, hi] inclusive and
 * drawn from lo - 0.5 to hi + 0.5, split in equal parts between the configs.
 */
export function integerBins(
  stats: Stats[],
  recordOf: (s: Stats) => Record<string, number>,
  totalOf: (s: Stats) => number,
  maxBins = 60,
): ChartDatum[] {
  const keys = numericKeys(stats.map(recordOf))
  if (keys.length === 0) return []
  const min = keys[0]!
  const max = keys[keys.length - 1]!
  const w = NICE_WIDTHS.find((n) => Math.floor(max / n) - Math.floor(min / n) + 1 <= maxBins) ?? 1000
  const out: ChartDatum[] = []
  stats.forEach((s, i) => {
    const counts = new Map<number, number>()
    for (const [key, v] of Object.entries(recordOf(s))) {
      const n = Number(key)
      if (!Number.isFinite(n) || v <= 0) continue
      const lo = Math.floor(n / w) * w
      counts.set(lo, (counts.get(lo) ?? 0) + v)
    }
    const total = totalOf(s)
    for (const [lo, count] of [...counts].sort(([a], [b]) => a - b)) {
      const hi = lo + w - 1
      const span = w / stats.length
      const start = lo - 0.5
      out.push({
        config: s.config,
        key: w === 1 ? String(lo) : `${lo}–${hi}`,
        label: w === 1 ? String(lo) : `${lo}–${hi}`,
        value: share(count, total),
        count,
        total,
        lo,
        hi,
        x1: start + i * span,
        x2: start + (i + 1) * span,
      })
    }
  })
  return out
}

/** Log bins per octave in a Distribution (see `Distribution.bins`). */
const BINS_PER_OCTAVE = 8

/** Smallest value of Distribution bin `k`: the v with floor(log2(v + 1) * 8) == k start at 2^(k/8) - 1. */
export function binLow(k: number): number {
  return 2 ** (k / BINS_PER_OCTAVE) - 1
}

/**
 * A Distribution's log bins as histogram data, merged `merge` at a time (8 bins per octave are finer than a
 * 700-unit-wide chart can show). Zero values cannot sit on a log axis: they are left out here and reported
 * by `zeroShare`. Comparing configs, each bin is split between them at geometric midpoints.
 */
export function logBins(stats: Stats[], distOf: (s: Stats) => Distribution, merge = 2): ChartDatum[] {
  const out: ChartDatum[] = []
  stats.forEach((s, i) => {
    const dist = distOf(s)
    const counts = new Map<number, number>()
    for (const [key, v] of Object.entries(dist.bins)) {
      const k = Number(key)
      // Bins below 8 only hold v < 1, i.e. 0 for character counts.
      if (!Number.isInteger(k) || k < BINS_PER_OCTAVE || v <= 0) continue
      const g = Math.floor(k / merge)
      counts.set(g, (counts.get(g) ?? 0) + v)
    }
    for (const [g, count] of [...counts].sort(([a], [b]) => a - b)) {
      const lo = binLow(g * merge)
      const hi = binLow((g + 1) * merge)
      const ratio = hi / lo
      const first = Math.ceil(lo)
      const last = Math.ceil(hi) - 1
      const label = first >= last ? formatCount(first) : `${formatCount(first)}–${formatCount(last)}`
      out.push({
        config: s.config,
        key: label,
        label,
        value: share(count, dist.count),
        count,
        total: dist.count,
        lo,
        hi,
        x1: lo * ratio ** (i / stats.length),
        x2: lo * ratio ** ((i + 1) / stats.length),
      })
    }
  })
  return out
}

/** Share (percent) of a Distribution's values that are zero (its bin 0). */
export function zeroShare(dist: Distribution): number {
  let zeros = 0
  for (const [key, v] of Object.entries(dist.bins)) if (Number(key) < BINS_PER_OCTAVE) zeros += v
  return share(zeros, dist.count)
}

/**
 * Quantile `q` of a Distribution's non-zero values, from its bins (geometric interpolation inside the bin
 * where the cumulative count crosses): the stored p50 is 0 when most values are 0, as for answer text.
 */
export function nonZeroQuantile(dist: Distribution, q: number): number {
  const bins = Object.entries(dist.bins)
    .map(([k, v]) => [Number(k), v] as const)
    .filter(([k, v]) => k >= BINS_PER_OCTAVE && v > 0)
    .sort(([a], [b]) => a - b)
  const total = bins.reduce((a, [, v]) => a + v, 0)
  let seen = 0
  for (const [k, v] of bins) {
    if (seen + v >= q * total) {
      const lo = binLow(k) + 1
      const hi = binLow(k + 1) + 1
      return lo * (hi / lo) ** ((q * total - seen) / v) - 1
    }
    seen += v
  }
  return 0
}
