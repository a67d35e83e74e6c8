/**
 * Site benchmark: build time over the sample, bytes shipped per page type, and the time the trace viewer
 * takes to render the longest trace in a real browser (the island's `window.__renderMs`: building the DOM,
 * attaching it and the first layout).
 *
 *   node bench/site.ts            prints the numbers as JSON
 *
 * The dataset is `sample-data` when it is there (npm run sample), else the test sample (.cache/test-sample).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import { buildSite, ensureTestSample, ROOT, startSite } from '../scripts/dev/site-harness.ts'

/** Page types and the built file that stands for each. */
const PAGES: Record<string, string> = {
  report: 'index.html',
  compare: 'compare/index.html',
  traces: 'traces/index.html',
  trace: 'trace/index.html',
  tool: 'tools/terminal/index.html',
}

/**
 * Bytes of one page: the HTML file (and gzipped), its stylesheets (linked + inline `<style>`, including the
 * inline charts' own) and its scripts (with the chunks they import).
 */
export function pageWeight(
  outDir: string,
  page: string,
): { html: number; htmlGzip: number; css: number; js: number } {
  const file = join(outDir, page)
  const html = readFileSync(file, 'utf8')
  let css = 0
  let js = 0
  for (const m of html.matchAll(/<link[^>]+rel="stylesheet"[^>]*href="([^"]+)"/g))
    css += fileSize(outDir, m[1] ?? '')
  for (const m of html.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/g)) css += Buffer.byteLength(m[1] ?? '')
  const seen = new Set<string>()
  for (const m of html.matchAll(/<script[^>]*src="([^"]+)"/g)) js += scriptSize(outDir, m[1] ?? '', seen)
  for (const m of html.matchAll(/<script(?![^>]*src=)[^>]*>([\s\S]*?)<\/script>/g))
    js += Buffer.byteLength(m[1] ?? '')
  return { html: statSync(file).size, htmlGzip: gzipSync(html).length, css, js }
}

function fileSize(outDir: string, url: string): number {
  const path = join(outDir, url.replace(/^\//, '').split('?')[0] ?? '')
  return existsSync(path) ? statSync(path).size : 0
}

/** A module script and, once each, the chunks it imports statically. */
function scriptSize(outDir: string, url: string, seen: Set<string>): number {
  const path = resolve(outDir, url.replace(/^\//, ''))
  if (seen.has(path) || !existsSync(path)) return 0
  seen.add(path)
  const code = readFileSync(path, 'utf8')
  let size = Buffer.byteLength(code)
  for (const m of code.matchAll(/(?:import|from)\s*["'](\.\.?\/[^"']+)["']/g)) {
    const child = resolve(dirname(path), m[1] ?? '')
    size += scriptSize(outDir, `/${child.slice(resolve(outDir).length + 1)}`, seen)
  }
  return size
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? 0
}

/** Run the site benchmark; keys are `site.<what>` with the unit in the name. */
export async function benchSite(): Promise<Record<string, number>> {
  const sampleData = join(ROOT, 'sample-data')
  const datasetDir = existsSync(join(sampleData, 'sample.json')) ? sampleData : await ensureTestSample()
  const out: Record<string, number> = {}

  // Build into a scratch directory, so dist/site (served by `npm start`) is left alone.
  const scratch = mkdtempSync(join(tmpdir(), 'hte-bench-site-'))
  try {
    out['site.buildMs'] = Math.round(await buildSite(datasetDir, scratch))
    for (const [name, page] of Object.entries(PAGES)) {
      const w = pageWeight(scratch, page)
      out[`site.${name}.htmlBytes`] = w.html
      out[`site.${name}.htmlGzipBytes`] = w.htmlGzip
      out[`site.${name}.cssBytes`] = w.css
      out[`site.${name}.jsBytes`] = w.js
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }

  // Render time of the longest trace, in the browser, over the Worker.
  const site = await startSite({ datasetDir })
  try {
    const probe = await site.browser.newPage()
    await probe.goto(`${site.baseUrl}/`)
    const href = await probe.locator('#longest-trace').getAttribute('href')
    await probe.close()
    if (!href) throw new Error('the report has no #longest-trace link')
    const runs: number[] = []
    let steps = 0
    for (let i = 0; i < 5; i++) {
      const page = await site.browser.newPage({ viewport: { width: 1280, height: 900 } })
      await page.goto(`${site.baseUrl}${href}`)
      await page.waitForFunction(() => typeof window.__renderMs === 'number', null, { timeout: 60_000 })
      runs.push(await page.evaluate(() => window.__renderMs ?? 0))
      steps = await page.locator('article.step').count()
      await page.close()
    }
    out['site.trace.renderMs'] = Math.round(median(runs) * 10) / 10
    out['site.trace.steps'] = steps
  } finally {
    await site.close()
  }
  return out
}

if (import.meta.main) {
  benchSite()
    .then((r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`))
    .catch((err: Error) => {
      process.stderr.write(`bench/site: ${err.stack ?? err.message}\n`)
      process.exit(1)
    })
}
