/**
 * A chart SVG made fit to inline in a page under the site's Content-Security-Policy (`style-src 'self'`,
 * no inline styles; site/public/_headers). The standalone SVG (`/api/charts/<name>.svg`, snapshot-tested)
 * carries its own `<style>` element and a `style` attribute on its root so it works as a file and an `<img>`;
 * inlined, both would be inline styles. They move to a stylesheet (`/charts.css`, built from the same text),
 * and Plot's internal mark names (`<g aria-label="rule">`: prohibited ARIA on an element without a role, and
 * noise for screen readers) are dropped. The rendered SVG itself is never changed.
 */

/** The inline copy of `svg` and the CSS its styles became. */
export interface InlineSvg {
  svg: string
  css: string
}

const STYLE_ELEMENT = /<style>([\s\S]*?)<\/style>\n?/g
const ROOT_STYLE = /^(<svg\b[^>]*?)\s+style="([^"]*)"/
const G_LABEL = /(<g\b[^>]*?)\s+aria-label="[^"]*"/g

/**
 * Split `svg` (one `renderSvg` document) into markup without inline styles and the CSS that replaces them.
 * Throws when a style is left behind, so a renderer change fails the build instead of the page's CSP.
 */
export function inlineSvg(svg: string): InlineSvg {
  const rules: string[] = []
  let out = svg.replace(STYLE_ELEMENT, (_, css: string) => {
    rules.push(css.trim())
    return ''
  })
  out = out.replace(ROOT_STYLE, (_, head: string, style: string) => {
    const cls = /\bclass="([^"\s]+)/.exec(head)?.[1]
    if (!cls) throw new Error('inlineSvg: the chart root has a style but no class to scope it to')
    rules.unshift(`svg.${cls}{${style}}`)
    return head
  })
  out = out.replace(G_LABEL, '$1')
  if (/<style\b|\sstyle="/.test(out)) throw new Error('inlineSvg: an inline style is left in the chart SVG')
  return { svg: out, css: `${rules.join('\n')}\n` }
}
