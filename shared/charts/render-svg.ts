/**
 * Render Observable Plot options to one standalone, deterministic SVG document.
 *
 * Plot draws into the `document` it is given (a linkedom document in Node and in workerd, the real one in a
 * browser); we then serialise the tree ourselves instead of trusting `outerHTML`, because the output must be
 * well-formed XML (an `.svg` file and an `<img>` source), identical byte for byte for the same input (embeds
 * are cached forever and snapshot tests compare files), and independent of the DOM implementation (attribute
 * order, `xlink:` prefixes, escaping all differ between linkedom and browsers).
 */
import * as Plot from '@observablehq/plot'

/** What a chart builder returns: Plot options, where `subtitle` and `caption` are plain strings. */
export type ChartOptions = Plot.PlotOptions

/** Text and size of one rendered chart. */
export interface RenderSvgOptions {
  /** Accessible name: the `<title>` element, and the visible heading unless `heading` is false. */
  title: string
  /** One sentence saying what is measured: the `<desc>` element (alt text for embeds). */
  description: string
  /** Width in viewBox units (the SVG itself scales to its container); default 720. */
  width?: number
  /** Draw `title` as visible text above the chart (default true; pages with their own heading turn it off). */
  heading?: boolean
}

/** Default width of the drawing in viewBox units. */
export const CHART_WIDTH = 720

const SVG_NS = 'http://www.w3.org/2000/svg'
const FONT = 'system-ui, -apple-system, "Segoe UI", sans-serif'

/**
 * Text is `currentColor` everywhere, so one colour per scheme is enough; bar fills come from a palette that
 * keeps at least 3:1 contrast on both white and near-black backgrounds. The background stays transparent so
 * the chart sits on whatever page embeds it. Selectors are scoped to `.hte-chart` because a `<style>` inside
 * an inline SVG applies to the whole HTML page.
 */
const STYLE = [
  '.hte-chart{color:#1f2328}',
  '.hte-chart text{white-space:pre}',
  '.hte-chart .hte-title{font-size:15px;font-weight:600}',
  '.hte-chart .hte-subtitle{font-size:11px;fill-opacity:.8}',
  '.hte-chart .hte-legend{font-size:11px}',
  '.hte-chart .hte-caption{font-size:9.5px;fill-opacity:.65}',
  '@media (prefers-color-scheme:dark){.hte-chart{color:#e6edf3}}',
].join('\n')

/** Attributes whose numbers are geometry: rounded to 2 decimals so output is short and stable. */
const GEOMETRY = new Set([
  'cx',
  'cy',
  'd',
  'dx',
  'dy',
  'height',
  'points',
  'r',
  'rx',
  'ry',
  'transform',
  'viewBox',
  'width',
  'x',
  'x1',
  'x2',
  'y',
  'y1',
  'y2',
])

/** Root attributes of Plot's SVG that are not presentation (the rest move to the plot's `<g>`). */
const ROOT_ONLY = new Set(['class', 'width', 'height', 'viewBox', 'style', 'xmlns', 'xmlns:xlink'])

/**
 * Render `options` with `Plot.plot({ ...options, document })` and return one standalone SVG document:
 * `xmlns` on the root, `<title>` and `<desc>` as first children, a `viewBox` and no pixel size (it scales to
 * its container), the heading, subtitle, legend and caption drawn as SVG text (Plot would wrap them in an
 * HTML `<figure>`), numbers rounded and ids renumbered so equal input gives byte-identical output.
 *
 * A categorical legend is drawn when `options.color.legend` is true and `options.color.domain` and
 * `options.color.range` are arrays (the chart builders always give both).
 */
export function renderSvg(options: ChartOptions, document: Document, meta: RenderSvgOptions): string {
  const width = Math.round(meta.width ?? options.width ?? CHART_WIDTH)
  const { title: _title, subtitle, caption, color, ...rest } = options
  const legend = legendEntries(color)
  const plotColor = color && typeof color === 'object' ? { ...color, legend: false } : color
  const plot = Plot.plot({ ...rest, color: plotColor, width, document, figure: false, className: 'hte-plot' })
  if (plot.localName !== 'svg') throw new Error(`Plot returned <${plot.localName}>, expected <svg>`)
  const plotHeight = Number(plot.getAttribute('height')) || 0

  const parts: string[] = []
  let y = 0
  const pad = 2
  if (meta.heading !== false) {
    y += 18
    parts.push(`<text class="hte-title" x="${pad}" y="${y}">${escapeText(meta.title)}</text>`)
    y += 6
  }
  if (typeof subtitle === 'string' && subtitle) {
    for (const line of wrapText(subtitle, width - 2 * pad, 11)) {
      y += 15
      parts.push(`<text class="hte-subtitle" x="${pad}" y="${y}">${escapeText(line)}</text>`)
    }
    y += 6
  }
  if (legend.length > 0) {
    y += 8
    parts.push(legendSvg(legend, pad, y, width - 2 * pad))
    y += legendHeight(legend, width - 2 * pad)
  }
  if (parts.length > 0) y += 4

  const ids = idMap(plot, idPrefix(meta.title))
  const groupAttrs = attributesOf(plot)
    .filter(([name]) => !ROOT_ONLY.has(name))
    .map(([name, value]) => ` ${name}="${escapeAttr(value)}"`)
    .join('')
  const inner: string[] = []
  for (const child of Array.from(plot.childNodes)) {
    // Plot's own <style> sets a white background and a random-looking class: ours replaces it.
    if (child.nodeType === 1 && (child as Element).localName === 'style') continue
    serialise(child, ids, inner)
    inner.push('\n')
  }
  parts.push(`<g class="hte-plot" transform="translate(0,${y})"${groupAttrs}>\n${inner.join('')}</g>`)
  y += plotHeight

  if (typeof caption === 'string' && caption) {
    y += 2
    for (const line of wrapText(caption, width - 2 * pad, 9.5)) {
      y += 13
      parts.push(`<text class="hte-caption" x="${pad}" y="${y}">${escapeText(line)}</text>`)
    }
  }
  y += 6

  const height = Math.ceil(y)
  // role="img" would hide drill-down links from assistive technology: linked charts are a labelled group.
  const role = parts.some((p) => p.includes('<a ')) ? 'group' : 'img'
  const root =
    `<svg xmlns="${SVG_NS}" class="hte-chart" viewBox="0 0 ${width} ${height}" role="${role}"` +
    ` fill="currentColor" font-family="${escapeAttr(FONT)}" font-size="10"` +
    ` style="max-width:100%;height:auto">`
  return [
    root,
    `<title>${escapeText(meta.title)}</title>`,
    `<desc>${escapeText(meta.description)}</desc>`,
    `<style>\n${STYLE}\n</style>`,
    ...parts,
    '</svg>\n',
  ].join('\n')
}

/** One swatch of a categorical legend. */
interface LegendEntry {
  label: string
  color: string
}

function legendEntries(color: ChartOptions['color']): LegendEntry[] {
  if (!color || typeof color !== 'object' || color.legend !== true) return []
  const { domain, range } = color
  if (!Array.isArray(domain) || !Array.isArray(range)) return []
  return domain.map((label, i) => ({ label: String(label), color: String(range[i % range.length]) }))
}

const SWATCH = 11
const LEGEND_GAP = 18
const LEGEND_ROW = 18

/** Swatches in rows that wrap at `width`. */
function legendLayout(
  entries: LegendEntry[],
  width: number,
): { entry: LegendEntry; x: number; row: number }[] {
  const out: { entry: LegendEntry; x: number; row: number }[] = []
  let x = 0
  let row = 0
  for (const entry of entries) {
    const w = SWATCH + 5 + textWidth(entry.label, 11)
    if (x > 0 && x + w > width) {
      x = 0
      row++
    }
    out.push({ entry, x, row })
    x += w + LEGEND_GAP
  }
  return out
}

function legendHeight(entries: LegendEntry[], width: number): number {
  const rows = legendLayout(entries, width).reduce((n, item) => Math.max(n, item.row + 1), 0)
  return rows * LEGEND_ROW
}

function legendSvg(entries: LegendEntry[], x0: number, y0: number, width: number): string {
  const items = legendLayout(entries, width).map(({ entry, x, row }) => {
    const y = row * LEGEND_ROW
    return (
      `<rect x="${round(x)}" y="${y}" width="${SWATCH}" height="${SWATCH}" rx="2" fill="${escapeAttr(entry.color)}"/>` +
      `<text x="${round(x + SWATCH + 5)}" y="${y + 9.5}">${escapeText(entry.label)}</text>`
    )
  })
  return `<g class="hte-legend" transform="translate(${x0},${y0})">${items.join('')}</g>`
}

/**
 * Approximate advance width of `text` in a proportional sans-serif at `fontSize` px: enough to size margins
 * and wrap lines without a font engine (it errs on the wide side).
 */
export function textWidth(text: string, fontSize: number): number {
  // Em widths of DejaVu Sans / Segoe UI class fonts, the widest of the usual system-ui fallbacks.
  let em = 0
  for (const ch of text) {
    if ("il.,:;|!'`".includes(ch)) em += 0.32
    else if ('ftrjI()[] /-'.includes(ch)) em += 0.4
    else if ('mwMW@%&—'.includes(ch)) em += 0.95
    else if (ch >= 'A' && ch <= 'Z') em += 0.72
    else em += 0.63
  }
  return em * fontSize
}

/** Greedy word wrap to lines no wider than `width`. */
export function wrapText(text: string, width: number, fontSize: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/)) {
    if (!word) continue
    const next = line ? `${line} ${word}` : word
    if (line && textWidth(next, fontSize) > width) {
      lines.push(line)
      line = word
    } else {
      line = next
    }
  }
  if (line) lines.push(line)
  return lines
}

/** Element attributes as [name, value], sorted by name: independent of the DOM's attribute order. */
function attributesOf(el: Element): [string, string][] {
  const out: [string, string][] = []
  for (const attr of Array.from(el.attributes)) {
    // Plot sets `xlink:href` on links; SVG 2 reads plain `href`, which needs no namespace declaration.
    const name = attr.name === 'xlink:href' ? 'href' : attr.name
    out.push([name, attr.value])
  }
  return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

/** Plot numbers its clip paths with a process-wide counter: renumber ids in document order. */
function idMap(root: Element, prefix: string): Map<string, string> {
  const ids = new Map<string, string>()
  for (const el of Array.from(root.querySelectorAll('[id]'))) {
    const id = el.getAttribute('id')
    if (id && !ids.has(id)) ids.set(id, `${prefix}-${ids.size + 1}`)
  }
  return ids
}

function idPrefix(title: string): string {
  const slug = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
  return `hte-${slug || 'chart'}`
}

function renameIds(value: string, ids: Map<string, string>): string {
  if (ids.size === 0 || !value.includes('#')) return value
  return value.replace(/#([A-Za-z0-9_-]+)/g, (all, id: string) => {
    const renamed = ids.get(id)
    return renamed ? `#${renamed}` : all
  })
}

function serialise(node: Node, ids: Map<string, string>, out: string[]): void {
  if (node.nodeType === 3) {
    out.push(escapeText(node.textContent ?? ''))
    return
  }
  if (node.nodeType !== 1) return // comments and the like
  const el = node as Element
  const tag = el.localName
  out.push(`<${tag}`)
  for (const [name, raw] of attributesOf(el)) {
    let value = name === 'id' ? (ids.get(raw) ?? raw) : renameIds(raw, ids)
    if (GEOMETRY.has(name)) value = roundNumbers(value)
    out.push(` ${name}="${escapeAttr(value)}"`)
  }
  const children = Array.from(el.childNodes)
  if (children.length === 0) {
    out.push('/>')
    return
  }
  out.push('>')
  for (const child of children) serialise(child, ids, out)
  out.push(`</${tag}>`)
}

/** Round every number in an attribute value to 2 decimals (`125.00000000000001` -> `125`). */
function roundNumbers(value: string): string {
  return value.replace(/-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?/gi, (n) => String(round(Number(n))))
}

/** Round to 2 decimals, without `-0`. */
export function round(x: number): number {
  const r = Math.round(x * 100) / 100
  return r === 0 ? 0 : r
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function escapeAttr(text: string): string {
  return escapeText(text).replace(/"/g, '&quot;')
}
