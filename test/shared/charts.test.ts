import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { DOMParser, parseHTML } from 'linkedom'
import { describe, expect, it } from 'vitest'
import type { ChartDatum, ChartName } from '../../shared/charts.ts'
import {
  CHART_NAMES,
  CHARTS,
  chartDrillDown,
  isChartName,
  renderChart,
  renderSvg,
} from '../../shared/charts.ts'
import type { Stats } from '../../shared/types.ts'
import { prepareGolden } from './golden.ts'
import { emptyStats, glmStats, kimiStats } from './stats-fixture.ts'

/** A fresh linkedom document, as the site build and the Worker create one. */
function newDocument(): Document {
  return parseHTML('<!doctype html><html><body></body></html>').document
}

const kimi = kimiStats()
const glm = glmStats()

/**
 * Strict enough XML well-formedness check for our output: every `<` starts a tag with quoted attributes,
 * every `&` starts an entity, tags nest, and there is one root element.
 */
function assertWellFormedXml(xml: string): void {
  const token =
    /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[A-Za-z_:][\w:.-]*="[^"<]*")*)\s*(\/?)>|<|&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/gi
  const stack: string[] = []
  let roots = 0
  for (const m of xml.matchAll(token)) {
    const [all, closing, name, attrs, selfClosing] = m
    if (!name)
      throw new Error(`stray ${JSON.stringify(all)} at ${m.index}: ${xml.slice(m.index, m.index + 60)}`)
    const names = [...(attrs ?? '').matchAll(/([A-Za-z_:][\w:.-]*)=/g)].map((a) => a[1])
    if (new Set(names).size !== names.length) throw new Error(`duplicate attribute in <${name}${attrs}>`)
    if (closing) {
      const open = stack.pop()
      if (open !== name) throw new Error(`</${name}> closes <${open}> at ${m.index}`)
    } else {
      if (stack.length === 0) roots++
      if (!selfClosing) stack.push(name)
    }
  }
  expect(stack).toEqual([])
  expect(roots).toBe(1)
}

/** The checks every rendered chart must pass. */
function assertStandaloneSvg(svg: string, title: string, description: string): void {
  assertWellFormedXml(svg)
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml')
  const root = doc.documentElement
  expect(root.localName).toBe('svg')
  expect(root.getAttribute('xmlns')).toBe('http://www.w3.org/2000/svg')
  expect(root.getAttribute('viewBox')).toMatch(/^0 0 \d+ \d+$/)
  expect(root.hasAttribute('width')).toBe(false)
  expect(root.hasAttribute('height')).toBe(false)
  expect(root.getAttribute('style')).toContain('max-width:100%')
  const [first, second] = Array.from(root.children)
  expect(first?.localName).toBe('title')
  expect(first?.textContent).toBe(title)
  expect(second?.localName).toBe('desc')
  expect(second?.textContent).toBe(description)
  // Dark mode: text follows currentColor, whose colour switches with the colour scheme.
  expect(svg).toContain('@media (prefers-color-scheme:dark)')
  // Plot's per-plot class and white background never leak into the output.
  expect(svg).not.toMatch(/plot-[0-9a-f]{6}|--plot-background/)
  // Geometry is rounded to 2 decimals.
  expect(svg).not.toMatch(/="[^"]*\d\.\d{3,}[^"]*"/)
}

const SNAPSHOTS = join(import.meta.dirname, '__snapshots__/charts')

/**
 * `svg` must equal the reviewed snapshot `__snapshots__/charts/<file>`. Left alone, `toMatchFileSnapshot`
 * writes a missing snapshot and passes, except in CI mode (CI=true or --ci: vitest then fails with "Snapshot
 * … mismatched" and writes nothing; checked by moving a snapshot away). So a missing snapshot fails here in every
 * mode: UPDATE_GOLDEN=1 (re)writes every snapshot, like the other goldens (golden.ts); vitest's `-u` still
 * rewrites existing ones.
 */
async function expectSvgSnapshot(svg: string, file: string): Promise<void> {
  const path = join(SNAPSHOTS, file)
  prepareGolden(path, svg)
  await expect(svg).toMatchFileSnapshot(path)
}

const variants: [string, Stats[]][] = [
  ['kimi', [kimi]],
  ['compare', [kimi, glm]],
]

describe('chart registry', () => {
  it('has a spec for every name, keyed by its own name, with a one-sentence description', () => {
    expect(Object.keys(CHARTS).sort()).toEqual([...CHART_NAMES].sort())
    for (const name of CHART_NAMES) {
      const spec = CHARTS[name]
      expect(spec.name).toBe(name)
      expect(spec.title.length).toBeGreaterThan(0)
      expect(spec.description).toMatch(/^[A-Z].*\.$/)
    }
    expect(isChartName('top-tools')).toBe(true)
    expect(isChartName('top-tool')).toBe(false)
  })
})

describe.each(CHART_NAMES)('chart %s', (name: ChartName) => {
  const spec = CHARTS[name]

  it.each(variants)('renders a standalone SVG (%s)', async (variant, stats) => {
    const svg = renderChart(name, stats, newDocument())
    assertStandaloneSvg(svg, spec.title, spec.description)
    // The same stats give the same bytes, in the same document or a fresh one.
    const document = newDocument()
    expect(renderChart(name, stats, document)).toBe(svg)
    expect(renderChart(name, stats, document)).toBe(svg)
    await expectSvgSnapshot(svg, `${name}.${variant}.svg`)
  })

  it('draws a legend only when comparing configs', () => {
    const one = renderChart(name, [kimi], newDocument())
    const two = renderChart(name, [kimi, glm], newDocument())
    expect(one).not.toContain('class="hte-legend"')
    expect(two).toContain('class="hte-legend"')
    expect(two).toMatch(/<text[^>]*>kimi<\/text>/)
    expect(two).toMatch(/<text[^>]*>glm-5\.1<\/text>/)
  })

  it('says "no data" for zero rows instead of throwing', () => {
    for (const stats of [[], [emptyStats('kimi')], [emptyStats('kimi'), emptyStats('glm-5.1')]]) {
      const svg = renderChart(name, stats, newDocument())
      assertStandaloneSvg(svg, spec.title, spec.description)
      expect(svg).toContain('No rows counted yet')
    }
  })
})

describe('renderSvg', () => {
  it('renders plain Plot options and renumbers clip ids deterministically', async () => {
    const Plot = await import('@observablehq/plot')
    const options = {
      marks: [Plot.barY([{ x: 'a', y: 2 }], { x: 'x', y: 'y', clip: true as const })],
    }
    const first = renderSvg(options, newDocument(), { title: 'Clip test', description: 'A clipped bar.' })
    const second = renderSvg(options, newDocument(), { title: 'Clip test', description: 'A clipped bar.' })
    assertStandaloneSvg(first, 'Clip test', 'A clipped bar.')
    expect(first).toBe(second)
    expect(first).toContain('id="hte-clip-test-1"')
    expect(first).toContain('url(#hte-clip-test-1)')
  })

  it('omits the visible heading on request and honours the width', () => {
    const svg = renderChart('categories', [kimi], newDocument(), { heading: false, width: 500 })
    expect(svg).not.toContain('class="hte-title"')
    expect(svg).toMatch(/viewBox="0 0 500 \d+"/)
  })

  it('escapes text and links as XML', () => {
    const svg = renderChart('categories', [kimi], newDocument(), {
      href: (params) => `/traces?${new URLSearchParams(params)}`,
    })
    assertWellFormedXml(svg)
    expect(svg).toContain('Terminal &amp; Coding')
    expect(svg).toContain('<a fill="inherit" href="/traces?config=kimi&amp;category=Terminal+%26+Coding">')
  })
})

describe('chartDrillDown', () => {
  const datum = (over: Partial<ChartDatum>): ChartDatum => ({
    config: 'kimi',
    key: '',
    label: '',
    value: 0,
    count: 0,
    total: 0,
    ...over,
  })

  it('maps a bar to the /api/traces params that list its rows', () => {
    expect(chartDrillDown('top-tools', datum({ key: 'terminal' }))).toEqual({
      config: 'kimi',
      tool: 'terminal',
    })
    expect(chartDrillDown('categories', datum({ config: 'glm-5.1', key: 'Agent Tools' }))).toEqual({
      config: 'glm-5.1',
      category: 'Agent Tools',
    })
    expect(chartDrillDown('subcategories', datum({ key: 'Terminal & Coding / Debugging' }))).toEqual({
      config: 'kimi',
      category: 'Terminal & Coding',
      subcategory: 'Debugging',
    })
    expect(chartDrillDown('conversation-length', datum({ key: '20–24', lo: 20, hi: 24 }))).toEqual({
      config: 'kimi',
      minMessages: '20',
      maxMessages: '24',
    })
    expect(chartDrillDown('calls-per-row', datum({ key: '3', lo: 3, hi: 3 }))).toEqual({
      config: 'kimi',
      minCalls: '3',
      maxCalls: '3',
    })
    expect(chartDrillDown('parallel-calls', datum({ key: '4' }))).toEqual({
      config: 'kimi',
      minParallel: '4',
    })
    expect(chartDrillDown('error-kinds', datum({ key: 'timeout' }))).toEqual({
      config: 'kimi',
      error: 'timeout',
    })
    expect(chartDrillDown('tool-error-rate', datum({ key: 'patch' }))).toEqual({
      config: 'kimi',
      tool: 'patch',
      error: 'any',
    })
    for (const name of [
      'think-length',
      'call-length',
      'answer-length',
      'roles',
      'thoughts-per-turn',
    ] as const) {
      expect(chartDrillDown(name, datum({ key: '1' }))).toBeNull()
    }
  })

  it('gives the bins the chart actually draws', () => {
    const svg = renderChart('conversation-length', [kimi], newDocument(), {
      href: (params) => `/traces?${new URLSearchParams(params)}`,
    })
    expect(svg).toContain('href="/traces?config=kimi&amp;minMessages=54&amp;maxMessages=54"')
    const compare = renderChart('top-tools', [kimi, glm], newDocument(), {
      href: (params) => `/traces?${new URLSearchParams(params)}`,
    })
    expect(compare).toContain('href="/traces?config=glm-5.1&amp;tool=terminal"')
  })
})

describe('shared/charts is runtime-neutral', () => {
  const root = join(import.meta.dirname, '../../shared')
  const files = ['charts.ts', ...readdirSync(join(root, 'charts')).map((f) => `charts/${f}`)]

  it.each(files)('%s imports no node: module and touches no DOM or network global', (file) => {
    const source = readFileSync(join(root, file), 'utf8')
    expect(source).not.toMatch(/from ['"]node:/)
    expect(source).not.toMatch(/\b(?:globalThis|window)\b|\bfetch\(|document\.(?:create|query|body)/)
    expect(source).not.toMatch(/console\./)
  })
})
