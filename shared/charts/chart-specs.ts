/**
 * The chart registry: every chart the site shows and `/api/charts/<name>.svg` serves, as pure functions
 * `(stats[]) => Plot options`, plus the drill-down from a plotted datum to the `/api/traces` query that lists
 * the rows behind it.
 *
 * Drill-down parameters (all values strings; `config` is always the datum's config):
 * | chart | params |
 * |---|---|
 * | top-tools | `tool` |
 * | parallel-calls | `minParallel` (rows whose widest turn has at least that many calls) |
 * | conversation-length | `minMessages`, `maxMessages` (inclusive bin bounds) |
 * | calls-per-row | `minCalls`, `maxCalls` (inclusive bin bounds) |
 * | categories | `category` |
 * | subcategories | `category`, `subcategory` (the key `category / subcategory` split at the first ` / `) |
 * | tool-error-rate | `tool`, `error=any` (rows where that tool failed, any kind) |
 * | error-kinds | `error` (the ErrorKind) |
 * | think-length, call-length, answer-length, roles, thoughts-per-turn | none (null): they measure blocks, calls, turns or messages that no row filter selects |
 */
import type { ErrorKind, Stats } from '../types.ts'
import type { ChartDatum, DatumHref } from './chart-data.ts'
import {
  captionOf,
  formatApprox,
  formatCount,
  formatPercent,
  formatRate,
  hBarsOptions,
  histOptions,
  integerBins,
  logBins,
  noDataOptions,
  nonZeroQuantile,
  numericKeys,
  perConfig,
  rankKeys,
  share,
  sumOf,
  vBarsOptions,
  zeroShare,
} from './chart-data.ts'
import type { ChartOptions } from './render-svg.ts'

/** Stable chart names: they are public URLs (`/api/charts/<name>.svg`). Never rename one. */
export const CHART_NAMES = [
  'top-tools',
  'parallel-calls',
  'conversation-length',
  'calls-per-row',
  'categories',
  'subcategories',
  'think-length',
  'call-length',
  'answer-length',
  'tool-error-rate',
  'error-kinds',
  'roles',
  'thoughts-per-turn',
] as const

/** Name of a chart in the registry. */
export type ChartName = (typeof CHART_NAMES)[number]

/** Query parameters of `/api/traces` that list the rows behind one datum. */
export type DrillDownParams = Record<string, string>

/** Options a caller may give a chart builder. */
export interface ChartBuildOptions {
  /** Link target for a datum's drill-down params; when given, bars become `<a href>` links. */
  href?: (params: DrillDownParams) => string
}

/** One chart: what it shows and how to build it. */
export interface ChartSpec {
  /** Registry key and URL segment. */
  name: ChartName
  /** Short human title (the `<title>` and visible heading). */
  title: string
  /** One sentence saying what is measured (the `<desc>`, alt text for embeds). */
  description: string
  /**
   * Plot options for one config, or several side by side (coloured by config, with a legend). Pure: the
   * same stats always give the same options. Zero rows give a readable "no data" chart.
   */
  build(stats: Stats[], options?: ChartBuildOptions): ChartOptions
  /** The `/api/traces` params for a datum of this chart, or null when no row filter matches it. */
  drillDown(datum: ChartDatum): DrillDownParams | null
}

/** True when `name` is a chart of the registry (for validating URL segments). */
export function isChartName(name: string): name is ChartName {
  return (CHART_NAMES as readonly string[]).includes(name)
}

/** Stats that have rows to show; charts of none say "no data". */
function withRows(stats: Stats[]): Stats[] {
  return stats.filter((s) => s.rows > 0)
}

function linker(
  spec: Pick<ChartSpec, 'drillDown'>,
  options: ChartBuildOptions | undefined,
): DatumHref | undefined {
  const href = options?.href
  if (!href) return undefined
  return (d) => {
    const params = spec.drillDown(d)
    return params ? href(params) : null
  }
}

/** Tooltip prefix: the config only when comparing. */
function who(stats: Stats[], d: ChartDatum): string {
  return stats.length > 1 ? `${d.config} · ` : ''
}

/** Datum of a keyed bar for every config and key (zeros included, so grouped bars stay aligned). */
function keyedData(
  stats: Stats[],
  keys: string[],
  countOf: (s: Stats, key: string) => number,
  measure: (s: Stats, count: number) => number,
  totalOf: (s: Stats) => number,
  labelOf: (key: string) => string = (k) => k,
): ChartDatum[] {
  return stats.flatMap((s) =>
    keys.map((key) => {
      const count = countOf(s, key)
      return {
        config: s.config,
        key,
        label: labelOf(key),
        value: measure(s, count),
        count,
        total: totalOf(s),
      }
    }),
  )
}

/** Bars share of a total per key, e.g. categories. */
function shareData(
  stats: Stats[],
  keys: string[],
  recordOf: (s: Stats) => Record<string, number>,
  totalOf: (s: Stats) => number,
  labelOf?: (key: string) => string,
): ChartDatum[] {
  return keyedData(
    stats,
    keys,
    (s, key) => recordOf(s)[key] ?? 0,
    (s, count) => share(count, totalOf(s)),
    totalOf,
    labelOf,
  )
}

const topTools: ChartSpec = {
  name: 'top-tools',
  title: 'Most-called tools',
  description:
    'Tool calls per row for the 15 most-called tools, counted with the tutorial’s regex over assistant messages.',
  build(stats, options) {
    const shown = withRows(stats)
    if (shown.length === 0) return noDataOptions('No rows counted yet', stats)
    const all = rankKeys(shown.map((s) => s.seed.toolCalls))
    const keys = all.slice(0, 15)
    if (keys.length === 0) return noDataOptions('No tool calls', stats)
    const data = keyedData(
      shown,
      keys,
      (s, key) => s.seed.toolCalls[key] ?? 0,
      (s, count) => count / s.rows,
      (s) => s.rows,
    )
    return hBarsOptions(data, {
      keys,
      configs: shown.map((s) => s.config),
      xLabel: 'calls per row',
      format: formatRate,
      title: (d) => `${who(shown, d)}${d.key}: ${formatCount(d.count)} calls, ${formatRate(d.value)} per row`,
      href: linker(this, options),
      subtitle: `Mean tool calls per row: ${perConfig(shown, (s) => formatRate(s.seed.avgToolCalls))}. Top ${keys.length} of ${all.length} tools.`,
      caption: captionOf(stats),
    })
  },
  drillDown: (d) => ({ config: d.config, tool: d.key }),
}

const parallelCalls: ChartSpec = {
  name: 'parallel-calls',
  title: 'Parallel tool calls',
  description:
    'How many tool calls an assistant turn makes at once, as a share of the assistant turns that call a tool (log scale).',
  build(stats, options) {
    const shown = withRows(stats)
    const keys = numericKeys(shown.map((s) => s.seed.parallelWidths)).map(String)
    if (keys.length === 0) return noDataOptions(shown.length ? 'No tool calls' : 'No rows counted yet', stats)
    const data = shareData(
      shown,
      keys,
      (s) => s.seed.parallelWidths,
      (s) => sumOf(s.seed.parallelWidths),
    ).filter((d) => d.count > 0)
    return vBarsOptions(data, {
      keys,
      configs: shown.map((s) => s.config),
      xLabel: 'calls in one assistant turn',
      yLabel: '% of turns with calls (log scale)',
      log: true,
      title: (d) =>
        `${who(shown, d)}${d.key} call${d.key === '1' ? '' : 's'}: ${formatPercent(d.value)} of turns with calls (${formatCount(d.count)})`,
      href: linker(this, options),
      subtitle: `Turns with more than one call: ${perConfig(shown, (s) => formatPercent(s.seed.pctParallelTurns))} of turns with calls.`,
      caption: captionOf(stats),
    })
  },
  drillDown: (d) => ({ config: d.config, minParallel: String(d.lo ?? d.key) }),
}

const conversationLength: ChartSpec = {
  name: 'conversation-length',
  title: 'Conversation length',
  description:
    'Distribution of the number of messages per row (system message included), as a share of rows.',
  build(stats, options) {
    const shown = withRows(stats)
    const data = integerBins(
      shown,
      (s) => s.messagesPerRow,
      (s) => s.rows,
    )
    if (data.length === 0) return noDataOptions('No rows counted yet', stats)
    return histOptions(data, {
      configs: shown.map((s) => s.config),
      xLabel: 'messages per row',
      yLabel: '% of rows',
      title: (d) =>
        `${who(shown, d)}${d.label} messages: ${formatPercent(d.value)} of rows (${formatCount(d.count)})`,
      href: linker(this, options),
      subtitle: `Mean messages per row: ${perConfig(shown, (s) => formatRate(s.seed.avgTurns))}.`,
      caption: captionOf(stats),
    })
  },
  drillDown: (d) =>
    d.lo === undefined || d.hi === undefined
      ? null
      : { config: d.config, minMessages: String(d.lo), maxMessages: String(d.hi) },
}

const callsPerRow: ChartSpec = {
  name: 'calls-per-row',
  title: 'Tool calls per row',
  description: 'Distribution of the number of tool calls per row, as a share of rows.',
  build(stats, options) {
    const shown = withRows(stats)
    const data = integerBins(
      shown,
      (s) => s.callsPerRow,
      (s) => s.rows,
    )
    if (data.length === 0) return noDataOptions('No rows counted yet', stats)
    return histOptions(data, {
      configs: shown.map((s) => s.config),
      xLabel: 'tool calls per row',
      yLabel: '% of rows',
      title: (d) =>
        `${who(shown, d)}${d.label} calls: ${formatPercent(d.value)} of rows (${formatCount(d.count)})`,
      href: linker(this, options),
      subtitle: `Mean tool calls per row: ${perConfig(shown, (s) => formatRate(s.seed.avgToolCalls))}.`,
      caption: captionOf(stats),
    })
  },
  drillDown: (d) =>
    d.lo === undefined || d.hi === undefined
      ? null
      : { config: d.config, minCalls: String(d.lo), maxCalls: String(d.hi) },
}

const categories: ChartSpec = {
  name: 'categories',
  title: 'Task categories',
  description: 'Share of rows in each task category.',
  build(stats, options) {
    const shown = withRows(stats)
    const keys = rankKeys(shown.map((s) => s.seed.categories))
    if (keys.length === 0) return noDataOptions('No rows counted yet', stats)
    const data = shareData(
      shown,
      keys,
      (s) => s.seed.categories,
      (s) => s.rows,
    )
    return hBarsOptions(data, {
      keys,
      configs: shown.map((s) => s.config),
      xLabel: '% of rows',
      format: formatPercent,
      title: (d) => `${who(shown, d)}${d.key}: ${formatPercent(d.value)} of rows (${formatCount(d.count)})`,
      href: linker(this, options),
      subtitle: `${keys.length} categories.`,
      caption: captionOf(stats),
    })
  },
  drillDown: (d) => ({ config: d.config, category: d.key }),
}

/** Subcategory keys are `category / subcategory`. */
const SUB_SEPARATOR = ' / '

const subcategories: ChartSpec = {
  name: 'subcategories',
  title: 'Task subcategories',
  description: 'Share of rows in each task subcategory (the 30 largest), labelled category / subcategory.',
  build(stats, options) {
    const shown = withRows(stats)
    const all = rankKeys(shown.map((s) => s.subcategories))
    const keys = all.slice(0, 30)
    if (keys.length === 0) return noDataOptions('No rows counted yet', stats)
    const data = shareData(
      shown,
      keys,
      (s) => s.subcategories,
      (s) => s.rows,
    )
    return hBarsOptions(data, {
      keys,
      configs: shown.map((s) => s.config),
      xLabel: '% of rows',
      format: formatPercent,
      title: (d) => `${who(shown, d)}${d.key}: ${formatPercent(d.value)} of rows (${formatCount(d.count)})`,
      href: linker(this, options),
      subtitle:
        keys.length < all.length
          ? `The ${keys.length} largest of ${all.length} subcategories.`
          : `${all.length} subcategories.`,
      caption: captionOf(stats),
    })
  },
  drillDown: (d): DrillDownParams => {
    const at = d.key.indexOf(SUB_SEPARATOR)
    if (at < 0) return { config: d.config, subcategory: d.key }
    return {
      config: d.config,
      category: d.key.slice(0, at),
      subcategory: d.key.slice(at + SUB_SEPARATOR.length),
    }
  },
}

/** A length distribution chart (log bins on a log x axis). */
function lengthChart(
  name: ChartName,
  title: string,
  description: string,
  unit: { of: string; xLabel: string; zero: string },
  distOf: (s: Stats) => Stats['lengths']['thinkChars'],
): ChartSpec {
  return {
    name,
    title,
    description,
    build(stats) {
      const shown = withRows(stats).filter((s) => distOf(s).count > 0)
      const data = logBins(shown, distOf)
      if (data.length === 0)
        return noDataOptions(shown.length ? `No ${unit.of} with text` : 'No rows counted yet', stats)
      const anyZero = shown.some((s) => zeroShare(distOf(s)) > 0)
      const q = (p: number) => perConfig(shown, (s) => `≈${formatApprox(nonZeroQuantile(distOf(s), p))}`)
      const zero = anyZero
        ? ` ${unit.zero}: ${perConfig(shown, (s) => formatPercent(zeroShare(distOf(s))))} (left out of the log axis).`
        : ''
      const subtitle = `${anyZero ? `Non-empty ${unit.of}: median` : 'Median'} ${q(0.5)} chars, p90 ${q(0.9)}.${zero}`
      return histOptions(data, {
        configs: shown.map((s) => s.config),
        xLabel: unit.xLabel,
        yLabel: `% of ${unit.of}`,
        logX: true,
        title: (d) =>
          `${who(shown, d)}${d.label} chars: ${formatPercent(d.value)} of ${unit.of} (${formatCount(d.count)})`,
        subtitle,
        caption: captionOf(stats),
      })
    },
    drillDown: () => null,
  }
}

const thinkLength = lengthChart(
  'think-length',
  'Reasoning length',
  'Distribution of the length in characters of each <think> block, on a log scale.',
  { of: 'think blocks', xLabel: 'characters per <think> block (log scale)', zero: 'Empty blocks' },
  (s) => s.lengths.thinkChars,
)

const callLength = lengthChart(
  'call-length',
  'Tool call length',
  'Distribution of the length in characters of each tool call, serialised as Python json.dumps, on a log scale.',
  { of: 'tool calls', xLabel: 'characters per tool call, as json.dumps (log scale)', zero: 'Empty calls' },
  (s) => s.lengths.callChars,
)

const answerLength = lengthChart(
  'answer-length',
  'Answer length',
  'Distribution of the length in characters of the text of each assistant turn outside <think> and tool calls, on a log scale.',
  {
    of: 'assistant turns',
    xLabel: 'answer characters per assistant turn (log scale)',
    zero: 'Turns without text',
  },
  (s) => s.lengths.answerChars,
)

const toolErrorRate: ChartSpec = {
  name: 'tool-error-rate',
  title: 'Tool error rate',
  description:
    'Share of the calls to each of the 15 most-called tools that failed, according to the error taxonomy (not the tutorial’s heuristic).',
  build(stats, options) {
    const shown = withRows(stats)
    const callsOf = (s: Stats) =>
      Object.fromEntries(Object.entries(s.toolErrors).map(([k, v]) => [k, v.calls]))
    const keys = rankKeys(shown.map(callsOf), 15)
    if (keys.length === 0) return noDataOptions(shown.length ? 'No tool calls' : 'No rows counted yet', stats)
    const data: ChartDatum[] = shown.flatMap((s) =>
      keys.map((key) => {
        const t = s.toolErrors[key]
        const count = t?.errors ?? 0
        const total = t?.calls ?? 0
        return { config: s.config, key, label: key, value: share(count, total), count, total }
      }),
    )
    return hBarsOptions(data, {
      keys,
      configs: shown.map((s) => s.config),
      xLabel: '% of calls that failed',
      format: formatPercent,
      title: (d) =>
        `${who(shown, d)}${d.key}: ${formatPercent(d.value)} of ${formatCount(d.total)} calls failed (${formatCount(d.count)})`,
      href: linker(this, options),
      subtitle: `Tool responses that are errors: ${perConfig(shown, (s) => formatPercent(s.averages.pctResponsesWithError))}. The tutorial’s heuristic flags ${perConfig(shown, (s) => formatPercent(s.seed.pctWithError))} of rows.`,
      caption: captionOf(stats),
    })
  },
  drillDown: (d) => ({ config: d.config, tool: d.key, error: 'any' }),
}

/** Readable labels of the error taxonomy. */
const ERROR_LABELS: Record<ErrorKind, string> = {
  timeout: 'timeout',
  permission: 'permission denied',
  not_found: 'not found',
  traceback: 'traceback',
  nonzero_exit: 'non-zero exit',
  error_field: 'error field',
  failed: 'failed',
  patch_mismatch: 'patch mismatch',
  unknown_tool: 'unknown tool',
  malformed_call: 'malformed call',
  missing_response: 'missing response',
}

const errorKinds: ChartSpec = {
  name: 'error-kinds',
  title: 'Tool errors by kind',
  description: 'Failed tool calls by kind of failure, as a share of all tool calls.',
  build(stats, options) {
    const shown = withRows(stats)
    const records = shown.map((s) => s.errorKinds as Record<string, number>)
    const keys = rankKeys(records)
    if (keys.length === 0)
      return noDataOptions(shown.length ? 'No tool errors' : 'No rows counted yet', stats)
    const data = shareData(
      shown,
      keys,
      (s) => s.errorKinds as Record<string, number>,
      (s) => s.totals.toolCalls,
      (key) => ERROR_LABELS[key as ErrorKind] ?? key,
    )
    return hBarsOptions(data, {
      keys,
      configs: shown.map((s) => s.config),
      xLabel: '% of tool calls',
      format: formatPercent,
      title: (d) =>
        `${who(shown, d)}${d.label}: ${formatPercent(d.value)} of tool calls (${formatCount(d.count)})`,
      href: linker(this, options),
      subtitle: `Failed calls: ${perConfig(shown, (s) => formatPercent(share(sumOf(s.errorKinds as Record<string, number>), s.totals.toolCalls)))} of tool calls.`,
      caption: captionOf(stats),
    })
  },
  drillDown: (d) => ({ config: d.config, error: d.key }),
}

/** Roles in conversation order; unexpected roles follow. */
const ROLE_ORDER = ['system', 'human', 'gpt', 'tool']
const ROLE_LABELS: Record<string, string> = {
  system: 'system',
  human: 'human (user)',
  gpt: 'gpt (assistant)',
  tool: 'tool (results)',
}

const roles: ChartSpec = {
  name: 'roles',
  title: 'Messages by role',
  description: 'Mean number of messages per row from each role: system, human, assistant (gpt) and tool.',
  build(stats) {
    const shown = withRows(stats)
    const present = rankKeys(shown.map((s) => s.roles))
    if (present.length === 0) return noDataOptions('No rows counted yet', stats)
    const keys = [
      ...ROLE_ORDER.filter((r) => present.includes(r)),
      ...present.filter((r) => !ROLE_ORDER.includes(r)).sort(),
    ]
    const data = keyedData(
      shown,
      keys,
      (s, key) => s.roles[key] ?? 0,
      (s, count) => count / s.rows,
      (s) => s.rows,
      (key) => ROLE_LABELS[key] ?? key,
    )
    return hBarsOptions(data, {
      keys,
      configs: shown.map((s) => s.config),
      xLabel: 'messages per row',
      format: formatRate,
      title: (d) =>
        `${who(shown, d)}${d.label}: ${formatCount(d.count)} messages, ${formatRate(d.value)} per row`,
      subtitle: `Mean messages per row: ${perConfig(shown, (s) => formatRate(s.seed.avgTurns))}.`,
      caption: captionOf(stats),
    })
  },
  drillDown: () => null,
}

const thoughtsPerTurn: ChartSpec = {
  name: 'thoughts-per-turn',
  title: 'Think blocks per turn',
  description:
    'How many <think> blocks each assistant turn holds, as a share of assistant turns (log scale).',
  build(stats) {
    const shown = withRows(stats)
    const keys = numericKeys(shown.map((s) => s.seed.thoughtsPerTurn)).map(String)
    if (keys.length === 0) return noDataOptions('No rows counted yet', stats)
    const data = shareData(
      shown,
      keys,
      (s) => s.seed.thoughtsPerTurn,
      (s) => sumOf(s.seed.thoughtsPerTurn),
    ).filter((d) => d.count > 0)
    return vBarsOptions(data, {
      keys,
      configs: shown.map((s) => s.config),
      xLabel: '<think> blocks in one assistant turn',
      yLabel: '% of assistant turns (log scale)',
      log: true,
      title: (d) =>
        `${who(shown, d)}${d.key} block${d.key === '1' ? '' : 's'}: ${formatPercent(d.value)} of assistant turns (${formatCount(d.count)})`,
      subtitle: `Mean words per <think> block: ${perConfig(shown, (s) => formatCount(s.averages.thinkWordsPerBlock))}.`,
      caption: captionOf(stats),
    })
  },
  drillDown: () => null,
}

/** Every chart by name. */
export const CHARTS: Record<ChartName, ChartSpec> = {
  'top-tools': topTools,
  'parallel-calls': parallelCalls,
  'conversation-length': conversationLength,
  'calls-per-row': callsPerRow,
  categories,
  subcategories,
  'think-length': thinkLength,
  'call-length': callLength,
  'answer-length': answerLength,
  'tool-error-rate': toolErrorRate,
  'error-kinds': errorKinds,
  roles,
  'thoughts-per-turn': thoughtsPerTurn,
}

/** The `/api/traces` query params listing the rows behind `datum` of chart `name`, or null (see the table above). */
export function chartDrillDown(name: ChartName, datum: ChartDatum): DrillDownParams | null {
  return CHARTS[name].drillDown(datum)
}
