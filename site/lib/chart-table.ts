/**
 * The text alternative of a chart: its numbers as a table (rows = the chart's bars or bins, columns = value,
 * count and denominator per config), shown behind a disclosure under every chart and on the embed pages.
 *
 * Built from the very data the chart draws: `CHARTS[name].build(stats)` returns Plot options whose first
 * data-bearing mark holds the `ChartDatum[]` (a bar or bin per config and key) — the same array the SVG is
 * rendered from — so the table cannot disagree with the bars. Pure: no I/O, no DOM.
 */

import { formatCount, formatPercent, formatRate } from '../../shared/charts/chart-data.ts'
import { CHARTS, type ChartDatum, type ChartName } from '../../shared/charts.ts'
import type { Stats } from '../../shared/types.ts'

/** One cell group of a table row: the plotted value and the numbers behind it, for one config. */
export interface ChartTableCell {
  /** Plotted value, formatted as the chart's labels and tooltips format it ("24.3%", "6.14"). */
  value: string
  /** Raw count behind the value ("1,234"). */
  count: string
  /** Denominator of the value ("160"), or "–" when a bar is absent and its denominator unknown. */
  total: string
}

/** One row: a bar (or histogram bin) key with a cell group per config, in the table's config order. */
export interface ChartTableRow {
  key: string
  label: string
  cells: ChartTableCell[]
}

/** A chart as a table. */
export interface ChartTable {
  name: ChartName
  /** The chart's title and its subtitle sentence (means, medians...). */
  caption: string
  /** Provenance line of the chart: rows per config, dataset and revision. */
  note: string
  /** Header of the key column ("Tool", "Messages per row"). */
  keyHeader: string
  /** What the value is (the value axis label: "calls per row", "% of rows"). */
  valueHeader: string
  /** What the count counts and what the denominator is ("Calls" of "Rows"). */
  countHeader: string
  totalHeader: string
  /** Configs in column order. */
  configs: string[]
  rows: ChartTableRow[]
}

/** Column headers per chart: what a row is keyed by, what is counted and out of what (see chart-specs.ts). */
const HEADERS: Record<ChartName, { key: string; count: string; total: string }> = {
  'top-tools': { key: 'Tool', count: 'Calls', total: 'Rows' },
  'parallel-calls': { key: 'Calls in one assistant turn', count: 'Turns', total: 'Turns with calls' },
  'conversation-length': { key: 'Messages per row', count: 'Rows', total: 'All rows' },
  'calls-per-row': { key: 'Tool calls per row', count: 'Rows', total: 'All rows' },
  categories: { key: 'Category', count: 'Rows', total: 'All rows' },
  subcategories: { key: 'Category / subcategory', count: 'Rows', total: 'All rows' },
  'think-length': { key: 'Characters per <think> block', count: 'Blocks', total: 'All blocks' },
  'call-length': { key: 'Characters per tool call', count: 'Calls', total: 'All calls' },
  'answer-length': { key: 'Answer characters per turn', count: 'Turns', total: 'All turns' },
  'tool-error-rate': { key: 'Tool', count: 'Failed calls', total: 'Calls' },
  'error-kinds': { key: 'Kind of failure', count: 'Failed calls', total: 'All calls' },
  roles: { key: 'Role', count: 'Messages', total: 'Rows' },
  'thoughts-per-turn': { key: '<think> blocks in one turn', count: 'Turns', total: 'All turns' },
}

function isDatum(x: unknown): x is ChartDatum {
  if (typeof x !== 'object' || x === null) return false
  const d = x as Record<string, unknown>
  return typeof d.config === 'string' && typeof d.key === 'string' && typeof d.value === 'number'
}

/** The `ChartDatum[]` the chart's marks draw: the first mark whose data are chart data. */
function plottedData(marks: unknown): ChartDatum[] {
  if (!Array.isArray(marks)) return []
  for (const mark of marks.flat(Number.POSITIVE_INFINITY)) {
    // Plot keeps a mark's data as given (`mark.data`); transforms apply later, at render.
    const data = (mark as { data?: unknown } | null)?.data
    if (Array.isArray(data) && data.length > 0 && data.every(isDatum)) return data
  }
  return []
}

function axisLabel(axis: unknown): string | undefined {
  const label = (axis as { label?: unknown } | undefined)?.label
  return typeof label === 'string' && label ? label : undefined
}

/**
 * Chart `name` over `stats` (one config, or several compared) as a table, or null when the chart has
 * nothing to plot (it then says so itself). The value column is labelled with the chart's value axis.
 */
export function chartTable(name: ChartName, stats: Stats[]): ChartTable | null {
  const spec = CHARTS[name]
  const options = spec.build(stats)
  const data = plottedData(options.marks)
  if (data.length === 0) return null
  // Bars along x (hBars) label x with the value; vBars and histograms label y.
  const valueHeader = axisLabel(options.y) ?? axisLabel(options.x) ?? 'value'
  const percent = valueHeader.includes('%')
  const format = percent ? formatPercent : formatRate
  const configs = [...new Set(data.map((d) => d.config))]

  // Rows in the chart's order: by bin bound or numeric key when every row has one, else as plotted.
  const byKey = new Map<string, { label: string; order: number | undefined; of: Map<string, ChartDatum> }>()
  for (const d of data) {
    let row = byKey.get(d.key)
    if (!row) {
      const numeric = d.key.trim() !== '' && Number.isFinite(Number(d.key)) ? Number(d.key) : undefined
      row = { label: d.label, order: d.lo ?? numeric, of: new Map() }
      byKey.set(d.key, row)
    }
    row.of.set(d.config, d)
  }
  let keys = [...byKey.keys()]
  if (keys.every((k) => byKey.get(k)?.order !== undefined)) {
    keys = keys.sort((a, b) => (byKey.get(a)?.order ?? 0) - (byKey.get(b)?.order ?? 0))
  }
  // A config's denominator for bars it does not draw (histogram bins and log bars skip empty ones).
  const sharedTotal = new Map<string, number | undefined>()
  for (const config of configs) {
    const totals = new Set(data.filter((d) => d.config === config).map((d) => d.total))
    sharedTotal.set(config, totals.size === 1 ? [...totals][0] : undefined)
  }
  const rows: ChartTableRow[] = keys.map((key) => {
    const row = byKey.get(key)
    return {
      key,
      label: row?.label ?? key,
      cells: configs.map((config) => {
        const d = row?.of.get(config)
        if (d) return { value: format(d.value), count: formatCount(d.count), total: formatCount(d.total) }
        const total = sharedTotal.get(config)
        return { value: format(0), count: '0', total: total === undefined ? '–' : formatCount(total) }
      }),
    }
  })
  const headers = HEADERS[name]
  const subtitle = typeof options.subtitle === 'string' ? options.subtitle : ''
  return {
    name,
    caption: subtitle ? `${spec.title}: ${subtitle}` : spec.title,
    note: typeof options.caption === 'string' ? options.caption : '',
    keyHeader: headers.key,
    valueHeader,
    countHeader: headers.count,
    totalHeader: headers.total,
    configs,
    rows,
  }
}
