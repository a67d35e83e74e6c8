/**
 * The interactive API reference in a real browser (scripts/dev/site-harness.ts: the Astro build, which copies
 * Swagger UI's files out of swagger-ui-dist, and `wrangler dev` serving them as assets): `/api/docs` renders
 * one operation per path of the served `/api/openapi.json`, "Try it out" fetches a trace from this origin,
 * every request of the page stays on this origin (no CDN), and the page's Content-Security-Policy holds (no
 * violation). Without JavaScript the page points at `/api/docs/plain`, which is readable as it is.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { openPage, type SiteHarness, screenshot, startSite } from '../../scripts/dev/site-harness.ts'

let site: SiteHarness
let paths: string[]
let traceId: string

beforeAll(async () => {
  site = await startSite()
  const doc = (await (await fetch(`${site.baseUrl}/api/openapi.json`)).json()) as { paths: object }
  paths = Object.keys(doc.paths).sort()
  // A trace of the build's dataset: the masks index is a static file of the build.
  const masks = (await (await fetch(`${site.baseUrl}/masks/index.json`)).json()) as { ids: string[] }
  traceId = masks.ids[0] ?? ''
}, 420_000)

afterAll(async () => {
  await site?.close()
})

describe('/api/docs', () => {
  test('Swagger UI renders every path, tries a request, and loads nothing from elsewhere', async () => {
    expect(paths.length).toBeGreaterThan(10)
    expect(paths).toContain('/api/trace/{id}')
    expect(traceId).toMatch(/\S/)
    const requests: string[] = []
    const { page, csp, errors, dialogs, api } = await openPage(site, '/api/docs', { requests })
    const trace = page.locator('.opblock-summary-path[data-path="/api/trace/{id}"]')
    await trace.waitFor({ state: 'visible', timeout: 30_000 })
    const shown = await page.$$eval('.opblock-summary-path[data-path]', (els) =>
      els.map((el) => el.getAttribute('data-path') ?? ''),
    )
    expect([...shown].sort()).toEqual(paths)
    await screenshot(page, 'api-docs.png')

    // Open GET /api/trace/{id}, try it with a real id: Swagger UI fetches it from this origin and shows 200.
    const block = page.locator('.opblock', { has: trace })
    await block.locator('.opblock-summary-control').click()
    await block.locator('.try-out__btn').click()
    await block.locator('tr[data-param-name="id"] input').fill(traceId)
    await block.locator('button.execute').click()
    const status = block.locator('.live-responses-table tbody .response-col_status').first()
    await status.waitFor({ state: 'visible', timeout: 30_000 })
    expect((await status.textContent())?.trim()).toBe('200')
    expect(
      await block
        .locator('.live-responses-table .microlight, .live-responses-table pre')
        .first()
        .textContent(),
    ).toContain(traceId)
    expect(api).toContain(`/api/trace/${traceId}`)
    expect((await block.locator('.request-url pre').textContent())?.trim()).toBe(
      `${site.baseUrl}/api/trace/${traceId}`,
    )
    await block.locator('.request-url').scrollIntoViewIfNeeded()
    await screenshot(page, 'api-docs-try.png')

    const weight = await page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .map((e) => e as PerformanceResourceTiming)
        .filter((e) => /\.(?:js|css)(?:\?|$)/.test(new URL(e.name).pathname))
        .reduce((sum, e) => sum + e.decodedBodySize, 0),
    )
    // Swagger UI 5's bundle and stylesheet are ~1.9 MB; the standalone preset or a heavier UI would show here.
    expect(weight).toBeGreaterThan(1_000_000)
    expect(weight).toBeLessThan(2_500_000)

    expect(requests.length).toBeGreaterThanOrEqual(5)
    for (const wanted of [
      '/api/docs',
      '/vendor/swagger-ui/swagger-ui-bundle.js',
      '/vendor/swagger-ui/swagger-ui.css',
      '/js/api-docs.js',
      '/api/openapi.json',
    ]) {
      expect(requests).toContain(`${site.baseUrl}${wanted}`)
    }
    const elsewhere = requests.filter((u) => !/^(?:data|blob):/.test(u) && new URL(u).origin !== site.baseUrl)
    expect(elsewhere).toEqual([])
    expect(csp).toEqual([])
    expect(errors).toEqual([])
    expect(dialogs).toEqual([])
    await page.close()
  })

  test('without JavaScript: the page points at /api/docs/plain, which lists the paths', async () => {
    const context = await site.browser.newContext({ javaScriptEnabled: false })
    try {
      const page = await context.newPage()
      await page.goto(`${site.baseUrl}/api/docs`)
      // The link above the (empty) Swagger UI area. The <noscript> note under it repeats the link (shown in
      // the screenshot; playwright's locators did not find text inside it, so its markup is checked by
      // test/workers/docs.test.ts).
      const link = page.locator('a[href="/api/docs/plain"]').first()
      expect(await link.isVisible()).toBe(true)
      expect(await page.locator('#swagger-ui').textContent()).toBe('')
      await screenshot(page, 'api-docs-nojs.png')
      await link.click()
      await page.waitForURL(`${site.baseUrl}/api/docs/plain`)
      const listed = await page.$$eval('section[id^="op-"] h3 code', (els) => els.map((e) => e.textContent))
      expect([...listed].sort()).toEqual(paths)
      await screenshot(page, 'api-docs-plain.png')
    } finally {
      await context.close()
    }
  })
})
