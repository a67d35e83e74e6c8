/**
 * The charts' text alternatives and their inline form, without a browser: `chartTable` (site/lib/chart-table.ts)
 * must carry the numbers the stats hold (checked here against the Stats fields directly, not through the
 * chart code), and `inlineSvg` must leave no inline style for the Content-Security-Policy to block.
 */
import { parseHTML } from 'linkedom'
import { describe, expect, test } from 'vitest'
import { CHART_NAMES, renderChart } from '../../shared/charts.ts'
import type { Stats } from '../../shared/types.ts'
import { chartTable } from '../../site/lib/chart-table.ts'
import { inlineSvg } from '../../site/lib/inline-svg.ts'
import { glmStats, kimiStats } from '../shared/stats-fixture.ts'

const kimi = kimiStats()
const glm = glmStats()
const both = [kimi, glm]
const int = (text: string) => Number(text.replace(/,/g, ''))

/** The table's count and total for `key` and `config`. */
function cell(name: (typeof CHART_NAMES)[number], stats: Stats[], key: string, config: string) {
  const table = chartTable(name, stats)
  expect(table, name).not.toBeNull()
  const row = table?.rows.find((r) => r.key === key)
  expect(row, `${name}: a row for ${key}`).toBeDefined()
  const c = row?.cells[table?.configs.indexOf(config) ?? -1]
  expect(c, `${name}: ${key} of ${config}`).toBeDefined()
  return { count: int(c?.count ?? ''), total: int(c?.total ?? ''), value: c?.value ?? '' }
}

describe('chartTable', () => {
  test('every chart has a table with a row per plotted key and a cell group per config', () => {
    for (const name of CHART_NAMES) {
      for (const stats of [both, [kimi]]) {
        const table = chartTable(name, stats)
        expect(table, name).not.toBeNull()
        expect(table?.configs).toEqual(stats.map((s) => s.config))
        expect(table?.rows.length, name).toBeGreaterThan(0)
        for (const row of table?.rows ?? []) expect(row.cells).toHaveLength(stats.length)
        expect(table?.caption).toMatch(/\S/)
        expect(table?.note).toContain(kimi.revision.slice(0, 7))
      }
    }
  })

  test('counts and denominators are the stats’ own numbers', () => {
    const categories = Object.keys(kimi.seed.categories)
    expect(categories.length).toBeGreaterThan(0)
    for (const category of categories) {
      for (const s of both) {
        const c = cell('categories', both, category, s.config)
        expect(c.count).toBe(s.seed.categories[category] ?? 0)
        expect(c.total).toBe(s.rows)
      }
    }
    const tools = chartTable('top-tools', both)?.rows ?? []
    expect(tools.length).toBe(15)
    for (const row of tools) {
      for (const s of both) {
        const c = cell('top-tools', both, row.key, s.config)
        expect(c.count).toBe(s.seed.toolCalls[row.key] ?? 0)
        expect(c.total).toBe(s.rows)
      }
    }
    for (const row of chartTable('tool-error-rate', both)?.rows ?? []) {
      for (const s of both) {
        const c = cell('tool-error-rate', both, row.key, s.config)
        expect(c.count).toBe(s.toolErrors[row.key]?.errors ?? 0)
        expect(c.total).toBe(s.toolErrors[row.key]?.calls ?? 0)
      }
    }
  })

  test('histogram rows are ordered bins whose counts add up to every row', () => {
    for (const name of ['conversation-length', 'calls-per-row'] as const) {
      for (const stats of [both, [kimi]]) {
        const table = chartTable(name, stats)
        const lows = (table?.rows ?? []).map((r) => Number(r.key.split('–')[0]))
        expect(lows, name).toEqual([...lows].sort((a, b) => a - b))
        stats.forEach((s, i) => {
          const sum = (table?.rows ?? []).reduce((n, r) => n + int(r.cells[i]?.count ?? '0'), 0)
          expect(sum, `${name} of ${s.config}`).toBe(s.rows)
        })
      }
    }
  })

  test('a chart with nothing to plot has no table', () => {
    const empty = { ...kimi, rows: 0 }
    expect(chartTable('top-tools', [empty])).toBeNull()
  })
})

describe('inlineSvg', () => {
  test('moves every style out of every chart and drops Plot’s mark-name labels', () => {
    const css = new Set<string>()
    for (const name of CHART_NAMES) {
      const { document } = parseHTML('<!doctype html><html><body></body></html>')
      const svg = renderChart(name, both, document as unknown as Document, { href: () => '/traces/' })
      expect(svg).toMatch(/<style>/)
      const inline = inlineSvg(svg)
      expect(inline.svg).not.toMatch(/<style|\sstyle=/)
      expect(inline.svg).not.toMatch(/<g\b[^>]*aria-label=/)
      expect(inline.svg).toMatch(/^<svg [^>]*class="hte-chart"/)
      css.add(inline.css)
    }
    // One stylesheet serves every chart (/charts.css).
    expect(css.size).toBe(1)
    expect([...css][0]).toMatch(/^svg\.hte-chart\{max-width:100%;height:auto\}\n/)
    expect([...css][0]).toContain('prefers-color-scheme:dark')
  })
})
