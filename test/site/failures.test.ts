/**
 * The failures page in a real browser (scripts/dev/site-harness.ts: the Astro build and `wrangler dev` over the
 * generated test sample): every number it shows equals the API's `GET /api/failures` answer for the build's
 * revision (computed by the Worker through the Queue, a separate run from the build's stats), an example link
 * opens the trace at that step, drill-down links name tool, kind and config, and signatures (whose placeholders
 * look like markup: `<path>`, `<n>`) render as text.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  axeViolations,
  openPage,
  type PageLog,
  pinnedRevision,
  SITE_DIR,
  type SiteHarness,
  screenshot,
  siteRevision,
  startSite,
} from '../../scripts/dev/site-harness.ts'
import type { FailureList, FailureListGroup } from '../../shared/types.ts'

let site: SiteHarness
let REVISION: string
let api: FailureList
const log: PageLog = { api: [], csp: [] }
/** Stats slices are computed by the Queue after the first request. */
const STATS_WAIT_MS = 180_000

const keyOf = (config: string, tool: string, kind: string, signature: string) =>
  JSON.stringify([config, tool, kind, signature])

beforeAll(async () => {
  site = await startSite()
  REVISION = await siteRevision(site)
  const until = Date.now() + STATS_WAIT_MS
  for (;;) {
    const res = await fetch(`${site.baseUrl}/api/failures?limit=1000&revision=${REVISION}`)
    const body = (await res.json()) as FailureList
    if (res.status === 200 && body.complete) {
      api = body
      break
    }
    if (Date.now() > until) throw new Error(`/api/failures still incomplete after ${STATS_WAIT_MS} ms`)
    await new Promise((r) => setTimeout(r, 1000))
  }
}, 420_000)

afterAll(async () => {
  await site?.close()
})

/** The page's failure rows as data: per tool, signature and kind, the count cell of each config. */
async function pageRows(page: Page) {
  return page.$$eval('section.failure-tool', (sections) =>
    sections.flatMap((section) =>
      [...section.querySelectorAll<HTMLTableRowElement>('tr.failure-row')].map((tr) => ({
        tool: section.getAttribute('data-tool') ?? '',
        kind: tr.getAttribute('data-kind') ?? '',
        signature: tr.querySelector('code.signature')?.textContent ?? '',
        signatureChildren: tr.querySelector('code.signature')?.childElementCount ?? -1,
        cells: [...tr.querySelectorAll<HTMLElement>('td[data-field="count"]')].map((td) => ({
          config: td.getAttribute('data-config') ?? '',
          text: td.textContent?.trim() ?? '',
          href: td.querySelector('a')?.getAttribute('href') ?? null,
        })),
        recovered: [...tr.querySelectorAll<HTMLElement>('td[data-field="recovered"]')].map((td) => ({
          config: td.getAttribute('data-config') ?? '',
          value: td.getAttribute('data-recovered'),
        })),
        examples: [...tr.querySelectorAll<HTMLAnchorElement>('a.failure-example')].map((a) => ({
          config: a.getAttribute('data-config') ?? '',
          href: a.getAttribute('href') ?? '',
          message: a.nextElementSibling?.textContent ?? '',
        })),
      })),
    ),
  )
}

describe('/failures/', () => {
  test('every count, recovery and example equals the API answer for the build revision', async () => {
    expect(api.groups.length).toBeGreaterThan(40)
    expect(api.total).toBe(api.groups.length)
    const byKey = new Map<string, FailureListGroup>(
      api.groups.map((g) => [keyOf(g.config, g.tool, g.kind, g.signature), g]),
    )
    const opened = await openPage(site, '/failures/', { log })
    const { page } = opened
    await screenshot(page, 'failures.png', true)
    await screenshot(page, 'failures-top.png')
    const rows = await pageRows(page)
    expect(rows.length).toBeGreaterThan(20)
    let cellsChecked = 0
    let examplesChecked = 0
    for (const row of rows) {
      expect(row.signatureChildren, row.signature).toBe(0)
      let shownTotal = 0
      for (const cell of row.cells) {
        const g = byKey.get(keyOf(cell.config, row.tool, row.kind, row.signature))
        if (!g) {
          expect(cell.text, `${row.tool} ${row.signature} ${cell.config}`).toBe('–')
          continue
        }
        cellsChecked++
        shownTotal += g.count
        expect(Number(cell.text.replace(/,/g, '')), `${row.tool} ${row.signature}`).toBe(g.count)
        const href = new URL(cell.href ?? '', site.baseUrl)
        expect(href.pathname).toBe('/traces/')
        expect(Object.fromEntries(href.searchParams)).toEqual({
          tool: row.tool,
          error: row.kind,
          config: cell.config,
        })
        const rec = row.recovered.find((r) => r.config === cell.config)
        expect(Number(rec?.value)).toBe(g.recovered)
        const shown = row.examples.filter((e) => e.config === cell.config)
        expect(shown.map((e) => e.href)).toEqual(
          g.examples.map((e) => `/trace/${encodeURIComponent(e.id)}#step-${e.step}`),
        )
        expect(shown.map((e) => e.message)).toEqual(g.examples.map((e) => e.message))
        examplesChecked += shown.length
      }
      expect(shownTotal).toBeGreaterThan(0)
    }
    expect(cellsChecked).toBeGreaterThan(20)
    expect(examplesChecked).toBeGreaterThan(20)
    // Each tool shows its most frequent signatures: nothing left out outnumbers a row that is shown.
    const tools = new Set(rows.map((r) => r.tool))
    for (const tool of tools) {
      const shown = new Set(
        rows.filter((r) => r.tool === tool).map((r) => JSON.stringify([r.kind, r.signature])),
      )
      const totals = new Map<string, number>()
      for (const g of api.groups.filter((x) => x.tool === tool)) {
        const k = JSON.stringify([g.kind, g.signature])
        totals.set(k, (totals.get(k) ?? 0) + g.count)
      }
      const minShown = Math.min(...[...shown].map((k) => totals.get(k) ?? 0))
      for (const [k, n] of totals) if (!shown.has(k)) expect(n, `${tool} ${k}`).toBeLessThanOrEqual(minShown)
    }
    expect(new Set(api.groups.map((g) => g.tool))).toEqual(tools)
    // Totals per config.
    const totals = await page.$$eval('#failure-totals tbody tr', (trs) =>
      trs.map((tr) => ({
        config: tr.getAttribute('data-config') ?? '',
        calls: tr.querySelector('[data-field="calls"]')?.textContent ?? '',
        signatures: tr.querySelector('[data-field="signatures"]')?.textContent ?? '',
      })),
    )
    expect(totals.map((t) => t.config)).toEqual(['kimi', 'glm-5.1'])
    for (const t of totals) {
      const mine = api.groups.filter((g) => g.config === t.config)
      expect(Number(t.calls.replace(/,/g, ''))).toBe(mine.reduce((n, g) => n + g.count, 0))
      expect(Number(t.signatures.replace(/,/g, ''))).toBe(mine.length)
    }
    expect(opened.errors).toEqual([])
    expect(opened.dialogs).toEqual([])
    expect(opened.csp).toEqual([])
    await page.close()
  })

  test('signatures are text: placeholders that look like markup stay visible, nothing is parsed as HTML', async () => {
    const marked = api.groups.filter((g) => g.signature.includes('<'))
    expect(marked.length).toBeGreaterThan(5)
    const html = readFileSync(join(SITE_DIR, 'failures/index.html'), 'utf8')
    // Astro escaped the text: the raw HTML holds the entities, never the tag.
    expect(html).not.toContain('<path>')
    expect(html).toContain('&lt;path&gt;')
    const { page, dialogs, errors } = await openPage(site, '/failures/', { log })
    const texts = await page.$$eval('code.signature', (els) => els.map((e) => e.textContent))
    const onPage = marked.filter((g) => texts.includes(g.signature))
    expect(onPage.length).toBeGreaterThan(5)
    // No element was made from trace text: `<path>`, `<n>`, `<str>` would be unknown elements if parsed.
    expect(await page.$$eval('main path, main n, main str, main url, main hash', (els) => els.length)).toBe(0)
    expect(dialogs).toEqual([])
    expect(errors).toEqual([])
    await page.close()
  })

  test('an example link opens the trace at that step, which shows the failure', async () => {
    const { page, errors } = await openPage(site, '/failures/', { log })
    const link = page.locator('a.failure-example').first()
    const href = (await link.getAttribute('href')) ?? ''
    const m = /^\/trace\/([^#]+)#step-(\d+)$/.exec(href)
    expect(m, href).not.toBeNull()
    const step = m?.[2] as string
    const message = ((await link.evaluate((a) => a.nextElementSibling?.textContent)) ?? '').trim()
    await link.click()
    await page.waitForSelector(`#step-${step}.is-current`, { timeout: 30_000 })
    expect(new URL(page.url()).pathname).toBe(`/trace/${m?.[1]}`)
    const inView = await page.locator(`#step-${step}`).evaluate((node) => {
      const r = node.getBoundingClientRect()
      return r.top >= 0 && r.top < window.innerHeight && r.bottom > 0
    })
    expect(inView).toBe(true)
    const stepText = (await page.locator(`#step-${step}`).textContent()) ?? ''
    expect(stepText).toMatch(/failed|not in the toolset|malformed/)
    // The example's message (clipped to one line) is part of what the step shows.
    const head = message.replace(/…$/, '').slice(0, 40)
    expect(head.length).toBeGreaterThan(5)
    expect(stepText.replace(/\s+/g, ' ')).toContain(head)
    expect(errors).toEqual([])
    await page.close()
  })

  test('nav entry, API links pinned to the build revision, WCAG A/AA, no CSP violation', async () => {
    const { page } = await openPage(site, '/failures/', { log })
    expect(await page.getAttribute('nav.site-nav a[href="/failures/"]', 'aria-current')).toBe('page')
    const apiLinks = await page.$$eval('a[href^="/api/"]', (as) =>
      as.map((a) => a.getAttribute('href') ?? ''),
    )
    expect(apiLinks.length).toBeGreaterThan(1)
    for (const href of apiLinks) expect(pinnedRevision(href), href).toBe(REVISION)
    expect(await axeViolations(page)).toEqual([])
    await page.close()
    const report = await openPage(site, '/', { log })
    expect(await report.page.locator('nav.site-nav a[href="/failures/"]').count()).toBe(1)
    await report.page.close()
    expect(log.csp).toEqual([])
  })
})
