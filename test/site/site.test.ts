/**
 * The site in a real browser, end to end: the Astro build and the Worker (`wrangler dev`, API + assets) over
 * the generated test sample served by the local Hub stand-in (see scripts/dev/site-harness.ts). Screenshots land in
 * .cache/screenshots/ for people to look at.
 *
 * Every page opened here records its API requests (each must pin the build's revision) and its
 * Content-Security-Policy violations (there must be none); axe-core checks WCAG 2 A/AA in both colour schemes.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { promisify } from 'node:util'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  axeViolations,
  cspDirectives,
  type OpenedPage,
  openPage,
  pinnedRevision,
  ROOT,
  SCREENSHOT_DIR,
  SITE_DIR,
  type SiteHarness,
  screenshot,
  siteRevision,
  startSite,
} from '../../scripts/dev/site-harness.ts'
import { CHART_NAMES } from '../../shared/charts.ts'
import type { Stats, StatsSet } from '../../shared/types.ts'

let site: SiteHarness

/** The API computes row summaries through a Queue: lists may be partial for a while. */
const API_WAIT_MS = 60_000

/** The commit sha the site was built at (`<meta name="hte-revision">`): every API request must pin it. */
let REVISION: string

/** Every `/api/*` request a page opened by `open()` made, and every CSP violation one reported. */
const apiRequests: string[] = []
const cspViolations: string[] = []

beforeAll(async () => {
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  site = await startSite()
  REVISION = await siteRevision(site)
}, 300_000)

afterAll(async () => {
  await site?.close()
})

/** A page with console errors, page errors, dialogs and API requests recorded (see `openPage`). */
type Opened = OpenedPage

function open(path: string, options: { width?: number; height?: number } = {}): Promise<Opened> {
  return openPage(site, path, { ...options, log: { api: apiRequests, csp: cspViolations } })
}

/** Every API URL in `urls` pins the build's revision; there is at least one. */
function expectPinned(urls: string[], what: string): void {
  expect(urls.length, `${what}: no API request or link to check`).toBeGreaterThan(0)
  for (const url of urls) expect(pinnedRevision(url), `${what}: ${url}`).toBe(REVISION)
}

const shot = screenshot

/**
 * Wait until the drill-down table shows rows for the view in the address bar (the island marks the view it
 * rendered; the API may still be computing summaries, then the island polls).
 */
async function waitForRows(page: Page): Promise<number> {
  await page.waitForFunction(
    () => {
      const results = document.querySelector<HTMLElement>('#results')
      const norm = (query: string) =>
        [...new URLSearchParams(query)]
          .map((kv) => kv.join('='))
          .sort()
          .join('&')
      const shown = results?.dataset.view
      return (
        shown !== undefined &&
        norm(shown) === norm(location.search) &&
        results?.querySelector('tbody tr') != null
      )
    },
    null,
    { timeout: API_WAIT_MS },
  )
  return page.locator('table.results tbody tr').count()
}

async function inViewport(page: Page, selector: string): Promise<boolean> {
  return page.locator(selector).evaluate((node) => {
    const r = node.getBoundingClientRect()
    return r.top >= 0 && r.top < window.innerHeight && r.bottom > 0
  })
}

/**
 * The stats CLI's `StatsSet` over `dir`, computed in a child process (the page's numbers were computed by the
 * site build; this is a separate run over the same parquet files).
 */
async function statsCliOutput(dir: string): Promise<StatsSet> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(ROOT, 'scripts/stats.ts'), '--dataset-dir', dir, '--quiet'],
    { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
  )
  return JSON.parse(stdout) as StatsSet
}

const pct = (part: number, whole: number) => (100 * part) / whole

/** The glance table's computed metrics, derived here from the CLI's raw integer totals. */
const GLANCE_EXPECTED: Record<string, (s: Stats) => number> = {
  rows: (s) => s.rows,
  messagesPerRow: (s) => s.totals.messages / s.rows,
  toolCallsPerRow: (s) => s.totals.toolCalls / s.rows,
  pctParallelTurns: (s) => pct(s.totals.parallelTurns, s.totals.callingTurns),
  pctRowsWithToolError: (s) => pct(s.totals.errorRows, s.rows),
  seedPctWithError: (s) => pct(s.totals.seedErrorRows, s.rows),
  thinkWordsPerBlock: (s) => s.totals.thinkWords / s.totals.nonEmptyThinkBlocks,
  totalMessages: (s) => s.totals.messages,
  totalToolCalls: (s) => s.totals.toolCalls,
}

/**
 * A number as the page prints it ("7,646", "24.3", "17.0%", "0.042") must be `expected` rounded to the digits
 * shown: within half a unit of its last digit.
 */
function expectShown(shown: string, expected: number, what: string): void {
  const text = shown.trim().replace(/,/g, '').replace(/%$/, '')
  if (text.startsWith('<')) {
    expect(expected, `${what}: page shows ${shown}`).toBeLessThan(Number(text.slice(1)))
    return
  }
  expect(text, `${what}: page shows ${shown}`).toMatch(/^-?\d+(\.\d+)?$/)
  const decimals = text.split('.')[1]?.length ?? 0
  const diff = Math.abs(Number(text) - expected)
  expect(diff, `${what}: page shows ${shown}, the stats CLI gives ${expected}`).toBeLessThanOrEqual(
    0.5 * 10 ** -decimals + 1e-9,
  )
}

async function longestTraceHref(): Promise<string> {
  const { page } = await open('/')
  const href = await page.locator('#longest-trace').getAttribute('href')
  await page.close()
  expect(href).toMatch(/^\/trace\/[\w-]+$/)
  return href as string
}

describe('report', () => {
  test('renders every chart inline, with the provenance banner and no console errors', async () => {
    const { page, errors } = await open('/')
    expect(await page.title()).toContain('Hermes Trace Explorer')
    expect(await page.locator('meta[name="description"]').getAttribute('content')).toBeTruthy()
    expect(await page.locator('meta[property="og:title"]').count()).toBe(1)
    await expect(page.locator('.provenance').textContent()).resolves.toContain(
      'lambda/hermes-agent-reasoning-traces',
    )
    await expect(page.locator('.sample-label').first().textContent()).resolves.toContain('Generated sample')
    expect(await page.locator('section.chart svg.hte-chart').count()).toBe(CHART_NAMES.length)
    expect(await page.locator('details.embed').count()).toBe(CHART_NAMES.length)
    // The glance table's computed numbers (not the card's) equal an independent run of the stats CLI over the
    // dataset directory the site was built from.
    const cli = await statsCliOutput(site.datasetDir)
    expect(await page.locator('[data-revision]').first().getAttribute('data-revision')).toBe(cli.revision)
    // The page names the dataset and the revision it was built at, and pins that sha for the API.
    expect(REVISION).toBe(cli.revision)
    const banner = (await page.locator('.provenance').textContent()) ?? ''
    expect(banner).toContain(cli.dataset)
    expect(banner).toContain(cli.revision.slice(0, 7))
    const footer = (await page.locator('.site-footer').textContent()) ?? ''
    expect(footer).toContain(cli.dataset)
    expect(footer).toContain(cli.revision)
    const configs = Object.keys(cli.configs)
    expect(configs.length).toBeGreaterThan(0)
    const table = page.locator('table.metrics').first()
    const headers = await table.locator('thead th.num:not(.card-value)').allTextContents()
    expect(headers.map((h) => h.trim().toLowerCase())).toEqual(configs)
    for (const [key, expected] of Object.entries(GLANCE_EXPECTED)) {
      const cells = await table.locator(`tr[data-metric="${key}"] td.num:not(.card-value)`).allTextContents()
      expect(cells, `glance row ${key}`).toHaveLength(configs.length)
      for (const [i, config] of configs.entries()) {
        expectShown(cells[i] as string, expected(cli.configs[config] as Stats), `${key} of ${config}`)
      }
    }
    // The embed snippets get the page's origin and pin the build's revision.
    const url = await page.locator('#embed-top-tools-url').inputValue()
    expect(url).toBe(`${site.baseUrl}/api/charts/top-tools.svg?config=all&revision=${REVISION}`)
    await expect(page.locator('#embed-top-tools-iframe').inputValue()).resolves.toContain(
      `src="${site.baseUrl}/embed/top-tools/?revision=${REVISION}"`,
    )
    await expect(page.locator('#embed-top-tools-img').inputValue()).resolves.toContain(
      `src="${site.baseUrl}/api/charts/top-tools.svg?config=all&amp;revision=${REVISION}"`,
    )
    const snippets = await page
      .locator('details.embed textarea')
      .evaluateAll((ts) => ts.map((t) => (t as HTMLTextAreaElement).value))
    expect(snippets).toHaveLength(3 * CHART_NAMES.length)
    for (const snippet of snippets) expect(snippet).toContain(`revision=${REVISION}`)
    // Links into the API pin it too.
    const apiLinks = await page
      .locator('a[href*="/api/"]')
      .evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''))
    expectPinned(apiLinks, 'API links of the report')
    // Every chart has its numbers as a table behind a disclosure.
    expect(await page.locator('section.chart details.chart-data table.chart-table').count()).toBe(
      CHART_NAMES.length,
    )
    for (const table of await page.locator('table.chart-table').all()) {
      expect(await table.locator('tbody tr').count()).toBeGreaterThan(0)
    }
    await shot(page, 'report-top.png')
    await page.emulateMedia({ colorScheme: 'dark' })
    await shot(page, 'report-dark.png')
    await page.emulateMedia({ colorScheme: 'light' })
    await page.locator('#chart-top-tools').scrollIntoViewIfNeeded()
    await page.locator('#chart-top-tools').screenshot({ path: join(SCREENSHOT_DIR, 'report-chart.png') })
    expect(errors).toEqual([])
    await page.close()
  }, 60_000)

  test('a click on a bar lands on the filtered list; a click on a row opens the viewer', async () => {
    const { page, errors, api } = await open('/')
    const bar = page.locator('#chart-top-tools svg a').first()
    const href = await bar.getAttribute('href')
    expect(href).toMatch(/^\/traces\/\?config=[\w.-]+&tool=\w+$/)
    await bar.click()
    await page.waitForURL(/\/traces\/\?/)
    const params = new URL(page.url()).searchParams
    expect(params.get('tool')).toBeTruthy()
    expect(params.get('config')).toBeTruthy()
    expect(await page.locator('#f-tool').inputValue()).toBe(params.get('tool'))
    expect(await waitForRows(page)).toBeGreaterThan(0)
    await expect(page.locator('#status').textContent()).resolves.toMatch(/of \d+ matching/)
    await shot(page, 'traces-list.png')

    const link = page.locator('table.results tbody tr td.task a').first()
    const task = (await link.textContent()) ?? ''
    await link.click()
    await page.waitForURL(/\/trace\/[\w-]+$/)
    await page.waitForSelector('article.step')
    expect(await page.locator('h1.trace-task').textContent()).toBe(task)
    // The list and the trace came from the API at the build's revision.
    expect(api.some((u) => u.startsWith('/api/traces?'))).toBe(true)
    expect(api.some((u) => u.startsWith('/api/trace/'))).toBe(true)
    expectPinned(api, 'drill-down requests')
    expect(errors).toEqual([])
    await page.close()
  }, 120_000)

  test('a bar’s drill-down lists as many rows as its data table counts', async () => {
    // Categories count rows: the list behind a bar must hold exactly that many (same revision, same rows).
    const { page, errors } = await open('/')
    const bar = page.locator('#chart-categories svg a').first()
    const href = (await bar.getAttribute('href')) ?? ''
    const params = new URLSearchParams(href.split('?')[1])
    const config = params.get('config') ?? ''
    const category = params.get('category') ?? ''
    expect(category).toBeTruthy()
    const shown = await page.evaluate(
      ([c, k]) =>
        Array.from(document.querySelectorAll('#chart-categories-data tbody tr'))
          .find((tr) => tr.getAttribute('data-key') === k)
          ?.querySelector(`td[data-config="${c}"][data-measure="count"]`)?.textContent ?? '',
      [config, category],
    )
    const count = Number(shown.replace(/,/g, ''))
    expect(count, `table count of ${config} / ${category}: ${shown}`).toBeGreaterThan(0)
    await bar.click()
    await page.waitForURL(/\/traces\/\?/)
    await waitForRows(page)
    // Complete counts only (a partial list says "so far" and polls).
    await page.waitForFunction(
      () => {
        const text = document.querySelector('#status')?.textContent ?? ''
        return text.includes('matching') && !text.includes('so far')
      },
      null,
      { timeout: API_WAIT_MS },
    )
    const status = (await page.locator('#status').textContent()) ?? ''
    expect(Number(/of ([\d,]+) matching/.exec(status)?.[1]?.replace(/,/g, ''))).toBe(count)
    expect(errors).toEqual([])
    await page.close()
  }, 120_000)

  test('every drill-down chart links bars to the list with the chart’s params', async () => {
    const { page } = await open('/')
    const hrefs = await page
      .locator('section.chart svg a')
      .evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''))
    expect(hrefs.length).toBeGreaterThan(20)
    for (const href of hrefs) expect(href).toMatch(/^\/traces\/\?config=/)
    await page.close()
  })
})

describe('drill-down list', () => {
  test('keeps the view in the URL: filters, paging, back and forward', async () => {
    const { page, errors } = await open('/traces/')
    await waitForRows(page)
    await page.waitForFunction(() => !document.querySelector('#next')?.hasAttribute('disabled'), null, {
      timeout: API_WAIT_MS,
    })
    const firstOnPage1 = await page.locator('table.results tbody tr').first().getAttribute('data-id')
    await page.click('#next')
    await page.waitForURL(/offset=25/)
    await page.waitForFunction(
      (first) => document.querySelector('table.results tbody tr')?.getAttribute('data-id') !== first,
      firstOnPage1,
    )
    await page.goBack()
    await page.waitForFunction(() => !location.search.includes('offset'))
    await page.waitForFunction(
      (first) => document.querySelector('table.results tbody tr')?.getAttribute('data-id') === first,
      firstOnPage1,
    )
    await page.selectOption('#f-config', 'glm-5.1')
    await page.fill('#f-minMessages', '20')
    await page.click('#filters button[type="submit"]')
    await page.waitForURL(/config=glm-5.1&minMessages=20/)
    await waitForRows(page)
    const configs = await page.locator('table.results tbody tr td:nth-child(2)').allTextContents()
    expect(new Set(configs)).toEqual(new Set(['glm-5.1']))
    const messages = await page.locator('table.results tbody tr td:nth-child(4)').allTextContents()
    expect(messages.length).toBeGreaterThan(0)
    for (const m of messages) expect(Number(m)).toBeGreaterThanOrEqual(20)
    // A shared URL reproduces the view.
    const shared = await open(new URL(page.url()).pathname + new URL(page.url()).search)
    await waitForRows(shared.page)
    expect(await shared.page.locator('#f-config').inputValue()).toBe('glm-5.1')
    expect(await shared.page.locator('#f-minMessages').inputValue()).toBe('20')
    await shared.page.close()
    expect(errors).toEqual([])
    await page.close()
  }, 120_000)

  test('says how far the API got while it is still counting, and polls until it is done', async () => {
    const page = await site.browser.newPage()
    let calls = 0
    await page.route('**/api/traces?*', async (route) => {
      calls++
      const real = await route.fetch()
      const body = (await real.json()) as Record<string, unknown>
      // The first answer pretends the Queue is still computing summaries.
      const partial = calls === 1 ? { complete: false, rows: 120, rowsTotal: 300 } : {}
      await route.fulfill({ response: real, json: { ...body, ...partial } })
    })
    await page.goto(`${site.baseUrl}/traces/`)
    await page.waitForSelector('#coverage:not([hidden])')
    await expect(page.locator('#coverage').textContent()).resolves.toContain('counted 120 of 300 rows so far')
    await expect(page.locator('#status').textContent()).resolves.toContain('so far')
    await page.waitForSelector('#coverage[hidden]', { state: 'attached', timeout: 10_000 })
    expect(calls).toBeGreaterThanOrEqual(2)
    await page.close()
  }, 60_000)

  test('bad filters show the API’s problem as a readable error', async () => {
    const { page } = await open('/traces/?minMessages=-4')
    await page.waitForSelector('#problem:not([hidden])')
    await expect(page.locator('#problem').textContent()).resolves.toMatch(/400/)
    await page.close()
  })
})

describe('trace viewer', () => {
  test('a step permalink scrolls to the step and highlights it; j/k move the highlight', async () => {
    const href = await longestTraceHref()
    const { page, errors } = await open(`${href}#step-7`)
    await page.waitForSelector('#step-7.is-current')
    expect(await inViewport(page, '#step-7')).toBe(true)
    expect(await page.locator('.is-current').count()).toBe(1)
    await page.keyboard.press('j')
    await page.waitForSelector('#step-8.is-current')
    expect(await inViewport(page, '#step-8')).toBe(true)
    expect(new URL(page.url()).hash).toBe('#step-8')
    await page.keyboard.press('k')
    await page.keyboard.press('k')
    await page.waitForSelector('#step-6.is-current')
    expect(await page.locator('.is-current').count()).toBe(1)
    expect(await inViewport(page, '#step-6')).toBe(true)
    expect(errors).toEqual([])
    await page.close()
  }, 60_000)

  test('renders the longest trace quickly, with folding, the raw view and export links', async () => {
    const href = await longestTraceHref()
    const { page, errors } = await open(href)
    await page.waitForSelector('article.step')
    const renderMs = await page.evaluate(() => window.__renderMs ?? -1)
    expect(renderMs).toBeGreaterThan(0)
    expect(renderMs).toBeLessThan(1500)
    expect(await page.evaluate(() => performance.getEntriesByName('trace-render').length)).toBe(1)
    const steps = await page.locator('article.step').count()
    expect(steps).toBeGreaterThan(10)
    const id = href.split('/').pop() as string
    for (const format of ['openai', 'openai-raw', 'sharegpt']) {
      const link = `.exports a[href="/api/trace/${id}?format=${format}&revision=${REVISION}"]`
      expect(await page.locator(link).count(), link).toBe(1)
    }
    // STS links the Hub-loadable file (an attachment), not the JSON form.
    expect(
      await page.locator(`.exports a[href="/api/trace/${id}/sts.jsonl?revision=${REVISION}"]`).count(),
    ).toBe(1)
    expect(await page.locator(`.exports a[href="/api/trace/${id}?revision=${REVISION}"]`).count()).toBe(1)
    await shot(page, 'trace-viewer-long.png')
    // Folded outputs open and close.
    const fold = page.locator('button.fold').first()
    if ((await fold.count()) > 0) {
      await fold.scrollIntoViewIfNeeded()
      await fold.click()
      await expect(fold.getAttribute('aria-expanded')).resolves.toBe('true')
    }
    // Raw view: every message as stored.
    await page.click('#raw-toggle')
    await page.waitForSelector('#trace-raw section.raw-msg')
    const messages = await page.locator('#trace-raw section.raw-msg').count()
    expect(messages).toBeGreaterThan(steps)
    await page.click('#raw-toggle')
    await expect(page.locator('#trace-content').isVisible()).resolves.toBe(true)
    expect(errors).toEqual([])
    await page.close()
  }, 60_000)

  test('the training mask: trained/masked messages, token counts and the token-level view', async () => {
    // A trace the build tokenized: the report's token section links it.
    const report = await open('/')
    await expect(report.page.locator('#tokens').textContent()).resolves.toContain('Tokens (Qwen3 tokenizer)')
    await expect(report.page.locator('#tokens ~ p').first().textContent()).resolves.toMatch(
      /measured on the first \d+ rows of each config/,
    )
    const href = (await report.page.locator('#mask-traces a').first().getAttribute('href')) ?? ''
    expect(href).toMatch(/^\/trace\/[\w-]+#mask$/)
    expect(report.errors).toEqual([])
    await report.page.close()
    const id = href.slice('/trace/'.length, href.indexOf('#'))
    const file = await fetch(`${site.baseUrl}/masks/${id}.json`)
    expect(file.status).toBe(200)
    const bytes = (await file.text()).length
    expect(bytes).toBeLessThan(64 * 1024)

    const { page, errors } = await open(`/trace/${id}`)
    await page.waitForSelector('article.step')
    await page.click('#mask-toggle')
    await page.waitForSelector('#trace-mask .mask-view[data-mask="loaded"]')
    expect(await page.locator('#mask-toggle').getAttribute('aria-pressed')).toBe('true')
    expect(new URL(page.url()).hash).toBe('#mask')
    expect(await page.locator('#trace-content').isVisible()).toBe(false)
    await expect(page.locator('.mask-explain').textContent()).resolves.toMatch(/label -100/)
    const rows = await page.locator('#mask-messages tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({
        message: Number((tr as HTMLElement).dataset.message),
        role: (tr as HTMLElement).dataset.role,
        label: (tr as HTMLElement).dataset.label,
        badge: tr.querySelector('.mask-badge')?.textContent,
        tokens: tr.querySelector('.mask-tokens')?.textContent ?? '',
      })),
    )
    const own = rows.filter((r) => r.message >= 0)
    expect(new Set(own.map((r) => r.role))).toEqual(new Set(['system', 'human', 'gpt', 'tool']))
    for (const r of own) {
      const expected = r.role === 'gpt' ? 'trained' : 'masked'
      expect(r.label, `message ${r.message} (${r.role})`).toBe(expected)
      expect(r.badge).toBe(expected)
      expect(r.tokens, `tokens of message ${r.message}`).toMatch(/^[1-9][\d,]*$/)
    }
    await expect(page.locator('#mask-totals').textContent()).resolves.toMatch(
      /[\d,]+ tokens · [\d,]+ trained \(\d[\d.]*% trainable share\)/,
    )
    const trained = await page.locator('#mask-tokens span.tok.is-trained').count()
    const masked = await page.locator('#mask-tokens span.tok.is-masked').count()
    expect(trained).toBeGreaterThan(0)
    expect(masked).toBeGreaterThan(0)
    expect(trained + masked).toBeLessThanOrEqual(4000)
    // Token text is text: the pieces of `<|im_start|>` are not markup, newlines get a visible marker.
    await expect(page.locator('#mask-tokens').textContent()).resolves.toContain('<|im_start|>assistant↵')
    expect(await page.locator('#trace script, #trace img').count()).toBe(0)
    await page.locator('#mask-title').scrollIntoViewIfNeeded()
    await shot(page, 'trace-mask.png')
    await page.locator('#mask-tokens-title').scrollIntoViewIfNeeded()
    await page.evaluate(() => {
      // Show the first assistant turn in the token box (it starts after the long system prompt).
      const box = document.querySelector('#mask-tokens') as HTMLElement
      const first = box.querySelector('.tok.is-trained') as HTMLElement
      box.scrollTop = first.offsetTop - box.offsetTop - 120
      window.scrollBy(0, -60)
    })
    await shot(page, 'trace-mask-tokens.png')
    // Back to the steps: the hash goes away.
    await page.click('#mask-toggle')
    await expect(page.locator('#trace-content').isVisible()).resolves.toBe(true)
    expect(new URL(page.url()).hash).toBe('')
    expect(errors).toEqual([])
    await page.close()
  }, 60_000)

  test('a trace without a precomputed mask still marks every message from its role', async () => {
    const index = (await (await fetch(`${site.baseUrl}/masks/index.json`)).json()) as { ids: string[] }
    expect(index.ids.length).toBeGreaterThan(0)
    expect(index.ids.length).toBeLessThanOrEqual(30)
    const masked = new Set(index.ids)
    let id: string | undefined
    for (let i = 0; i < 30 && !id; i++) {
      const res = await fetch(`${site.baseUrl}/api/traces?config=glm-5.1&offset=100&limit=50`)
      const body = (await res.json()) as { items: { id: string }[] }
      id = body.items.find((t) => !masked.has(t.id))?.id
      if (!id) await new Promise((r) => setTimeout(r, 2000))
    }
    expect(id).toBeTruthy()
    const { page, errors } = await open(`/trace/${id}#mask`)
    await page.waitForSelector('#trace-mask .mask-view[data-mask="none"]')
    expect(await page.locator('#mask-toggle').getAttribute('aria-pressed')).toBe('true')
    const rows = await page.locator('#mask-messages tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({
        role: (tr as HTMLElement).dataset.role,
        label: (tr as HTMLElement).dataset.label,
        tokens: tr.querySelector('.mask-tokens')?.textContent,
      })),
    )
    expect(rows.length).toBeGreaterThan(2)
    expect(rows.some((r) => r.role === 'gpt')).toBe(true)
    for (const r of rows) {
      expect(r.label).toBe(r.role === 'gpt' ? 'trained' : 'masked')
      expect(r.tokens).toBe('–')
    }
    await expect(page.locator('#mask-totals').textContent()).resolves.toContain('No token-level mask')
    expect(await page.locator('#mask-tokens').count()).toBe(0)
    expect(errors).toEqual([])
    await page.close()
  }, 60_000)

  test('an unknown id shows a readable 404', async () => {
    const { page } = await open('/trace/00000000-0000-4000-8000-000000000000')
    await page.waitForSelector('#trace-problem:not([hidden])')
    await expect(page.locator('#trace-problem').textContent()).resolves.toMatch(/404/)
    await page.close()
  })

  test('markup in tasks and tool outputs stays inert text', async () => {
    // Rows whose task holds HTML (the sample plants `<script>` and `<img onerror>` on purpose).
    const find = async (q: string) => {
      for (let i = 0; i < 30; i++) {
        const res = await fetch(`${site.baseUrl}/api/traces?q=${encodeURIComponent(q)}&limit=5`)
        const body = (await res.json()) as { complete: boolean; items: { id: string; task: string }[] }
        if (body.items.length > 0 || body.complete) return body.items
        await new Promise((r) => setTimeout(r, 2000))
      }
      return []
    }
    const scripts = await find('<script>')
    // `onerror=` (not `onerror`: "RecursionError" contains that word) finds the planted <img onerror> task.
    const images = await find('onerror=')
    expect(scripts.length).toBeGreaterThan(0)
    const items = [...scripts, ...images]

    const list = await open(`/traces/?q=${encodeURIComponent('<script>')}`)
    await waitForRows(list.page)
    expect(await list.page.locator('#results script, #results img').count()).toBe(0)
    await expect(list.page.locator('#results').textContent()).resolves.toContain('<script>')
    expect(list.dialogs).toEqual([])
    await list.page.close()

    for (const item of items) {
      const { page, dialogs, errors } = await open(`/trace/${item.id}`)
      await page.waitForSelector('article.step')
      expect(await page.locator('h1.trace-task').textContent()).toBe(item.task)
      expect(await page.locator('h1.trace-task').isVisible()).toBe(true)
      // Open every fold and every reasoning block, then the raw view: nothing may turn into markup.
      await page.click('#expand-reasoning')
      for (const b of await page.locator('button.fold').all()) await b.click()
      await page.click('#raw-toggle')
      await page.waitForSelector('#trace-raw section.raw-msg')
      // The mask view previews every message (and lists tokens when the build tokenized the trace).
      await page.click('#mask-toggle')
      await page.waitForSelector('#trace-mask .mask-view[data-mask]')
      const injected = await page
        .locator('#trace script, #trace img, #trace iframe, #trace [onerror]')
        .count()
      expect(injected).toBe(0)
      await expect(page.locator('#trace').textContent()).resolves.toMatch(/<script>|<img /)
      await page.waitForTimeout(300)
      expect(dialogs).toEqual([])
      expect(errors).toEqual([])
      await page.close()
    }
  }, 120_000)
})

describe('other pages', () => {
  test('compare, tools, categories and the 404 page render without errors', async () => {
    const compare = await open('/compare/')
    expect(await compare.page.locator('section.chart svg.hte-chart').count()).toBe(CHART_NAMES.length)
    await expect(compare.page.locator('#summary + ul').textContent()).resolves.toMatch(/Kimi|GLM/)
    await shot(compare.page, 'compare.png')
    expect(compare.errors).toEqual([])
    await compare.page.close()

    const tools = await open('/tools/')
    const toolLink = tools.page.locator('table a[href^="/tools/"]').first()
    await toolLink.click()
    await tools.page.waitForURL(/\/tools\/[\w-]+\/$/)
    await expect(tools.page.locator('h2#arguments').count()).resolves.toBe(1)
    await expect(tools.page.locator('#traces + ul.trace-list li').count()).resolves.toBeGreaterThan(0)
    expect(tools.errors).toEqual([])
    await tools.page.close()

    const categories = await open('/categories/')
    await categories.page.locator('table a[href^="/categories/"]').first().click()
    await categories.page.waitForURL(/\/categories\/[\w-]+\/$/)
    await expect(categories.page.locator('h2#subcategories').count()).resolves.toBe(1)
    expect(categories.errors).toEqual([])
    await categories.page.close()

    const missing = await open('/no/such/page')
    await expect(missing.page.locator('h1').textContent()).resolves.toBe('Page not found')
    await missing.page.close()
  }, 60_000)

  test('the embed page shows the chart from the API at the build’s revision, for all configs or one', async () => {
    const cases: [string, string][] = [
      ['', 'all'],
      ['?config=kimi', 'kimi'],
      ['?config=nope', 'all'],
      ['?config=glm-5.1&revision=main', 'glm-5.1'],
    ]
    for (const [query, config] of cases) {
      const { page, errors, api } = await open(`/embed/top-tools/${query}`, { width: 720, height: 560 })
      const img = page.locator('#embed-chart')
      await page.waitForFunction(() => {
        const i = document.querySelector<HTMLImageElement>('#embed-chart')
        return Boolean(i?.complete && i.naturalWidth > 0)
      })
      expect(await img.getAttribute('src')).toBe(
        `/api/charts/top-tools.svg?config=${config}&revision=${REVISION}`,
      )
      expectPinned(api, `embed ${query}`)
      await expect(page.locator('.embed-foot a').first().getAttribute('href')).resolves.toBe(
        '/#chart-top-tools',
      )
      // The data table of the variant shown, and only that one.
      const tables = page.locator('details.chart-data:not([hidden])')
      expect(await tables.count()).toBe(1)
      await expect(tables.first().getAttribute('data-variant')).resolves.toBe(config)
      await tables.first().locator('summary').click()
      expect(await tables.first().locator('tbody tr').count()).toBeGreaterThan(0)
      if (config === 'kimi') await shot(page, 'embed.png')
      expect(errors).toEqual([])
      await page.close()
    }
    // An iframe pinned to another sha shows that revision's chart; the build's table would not match it.
    const other = 'f'.repeat(40)
    const page = await site.browser.newPage()
    await page.route('**/api/charts/**', (route) => route.fulfill({ status: 404, body: '' }))
    await page.goto(`${site.baseUrl}/embed/top-tools/?revision=${other}`)
    await expect(page.locator('#embed-chart').getAttribute('src')).resolves.toBe(
      `/api/charts/top-tools.svg?config=all&revision=${other}`,
    )
    expect(await page.locator('details.chart-data:not([hidden])').count()).toBe(0)
    await expect(page.locator('#embed-stats').getAttribute('href')).resolves.toBe(
      `/api/stats?revision=${other}`,
    )
    await page.close()
  }, 60_000)

  test('oEmbed: discovery links on the report and the embed pages; the answer’s iframe renders the chart', async () => {
    const oembedLinks = 'link[rel="alternate"][type="application/json+oembed"]'
    const report = await open('/')
    const hrefs = await report.page
      .locator(oembedLinks)
      .evaluateAll((links) => links.map((l) => l.getAttribute('href') ?? ''))
    expect(hrefs.length).toBe(CHART_NAMES.length)
    const embed = await open('/embed/top-tools/')
    const href = (await embed.page.locator(oembedLinks).getAttribute('href')) ?? ''
    expect(href).toContain(encodeURIComponent('/embed/top-tools/'))
    await embed.page.close()
    const res = await fetch(new URL(href, site.baseUrl))
    expect(res.status).toBe(200)
    const body = (await res.json()) as { type: string; version: string; html: string; width: number }
    expect(body).toMatchObject({ type: 'rich', version: '1.0' })
    await report.page.close()
    // A blog page (served by the test: no site CSP; same host, as Chromium keeps other origins from framing a
    // loopback server) inserts the html as is: the frame loads the embed page, which shows the live chart.
    const post = `${site.baseUrl}/__blog-post`
    const blog = await site.browser.newPage()
    await blog.route(post, (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<!doctype html><title>post</title><p>Chart:</p>${body.html}`,
      }),
    )
    await blog.goto(post)
    const frame = await (await blog.waitForSelector('iframe[src*="/embed/top-tools/"]')).contentFrame()
    await frame?.waitForFunction(() => {
      const i = document.querySelector<HTMLImageElement>('#embed-chart')
      return Boolean(i?.complete && i.naturalWidth > 0)
    })
    expect(await frame?.locator('#embed-chart').getAttribute('src')).toContain('/api/charts/top-tools.svg')
    expect(report.errors).toEqual([])
    await blog.close()
  }, 60_000)

  test('phone width: no horizontal scrolling on the report, the list and the viewer', async () => {
    const href = await longestTraceHref()
    const pages: [string, string][] = [
      ['/', 'phone-report.png'],
      ['/traces/', 'phone-traces.png'],
      [href, 'phone-viewer.png'],
      ['/compare/', 'phone-compare.png'],
    ]
    for (const [path, name] of pages) {
      const { page, errors } = await open(path, { width: 375, height: 812 })
      if (path === '/traces/') await waitForRows(page)
      if (path === href) await page.waitForSelector('article.step')
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
      expect(overflow, `${path} scrolls sideways by ${overflow}px`).toBeLessThanOrEqual(0)
      await shot(page, name)
      expect(errors).toEqual([])
      await page.close()
    }
  }, 120_000)
})

/** Open every disclosure, so axe sees the data tables, embed snippets, reasoning and the rest. */
async function openDisclosures(page: Page): Promise<void> {
  await page.evaluate(() => {
    for (const d of document.querySelectorAll('details')) d.open = true
  })
  await page.waitForTimeout(100)
}

describe('accessibility', () => {
  test('axe-core finds no WCAG 2 A/AA violation on any kind of page, light or dark', async () => {
    // A trace the build tokenized, so the viewer's mask view includes the token-level view.
    const report = await open('/')
    const maskHref = (await report.page.locator('#mask-traces a').first().getAttribute('href')) ?? ''
    const traceHref = maskHref.split('#')[0] ?? ''
    expect(traceHref).toMatch(/^\/trace\/[\w-]+$/)
    await report.page.close()
    const firstLink = async (path: string, selector: string) => {
      const { page } = await open(path)
      const href = (await page.locator(selector).first().getAttribute('href')) ?? ''
      await page.close()
      expect(href).toMatch(/^\/\w+\/[^/]+\/$/)
      return href
    }
    const toolHref = await firstLink('/tools/', 'table a[href^="/tools/"]')
    const categoryHref = await firstLink('/categories/', 'table a[href^="/categories/"]')

    type View = [label: string, prepare: (page: Page) => Promise<void>]
    const pages: [path: string, views: View[]][] = [
      ['/', [['report', async () => {}]]],
      ['/compare/', [['compare', async () => {}]]],
      ['/traces/', [['traces', async (page) => void (await waitForRows(page))]]],
      [
        traceHref,
        [
          ['trace viewer', async (page) => void (await page.waitForSelector('article.step'))],
          [
            'trace viewer, raw messages',
            async (page) => {
              await page.click('#raw-toggle')
              await page.waitForSelector('#trace-raw section.raw-msg')
            },
          ],
          [
            'trace viewer, training mask',
            async (page) => {
              await page.click('#mask-toggle')
              await page.waitForSelector('#trace-mask .mask-view[data-mask="loaded"]')
            },
          ],
        ],
      ],
      [toolHref, [['tool page', async () => {}]]],
      [categoryHref, [['category page', async () => {}]]],
      ['/embed/top-tools/', [['embed', async () => {}]]],
      ['/embed/calls-per-row/?config=kimi', [['embed, one config', async () => {}]]],
    ]
    const found: string[] = []
    let audits = 0
    for (const [path, views] of pages) {
      const { page, errors } = await open(path)
      for (const [label, prepare] of views) {
        await prepare(page)
        await openDisclosures(page)
        for (const colorScheme of ['light', 'dark'] as const) {
          await page.emulateMedia({ colorScheme })
          for (const v of await axeViolations(page)) found.push(`${label} (${path}, ${colorScheme}): ${v}`)
          audits++
        }
        if (label === 'report') {
          await page.locator('#chart-top-tools-data').scrollIntoViewIfNeeded()
          await shot(page, 'report-chart-table-dark.png')
        }
        await page.emulateMedia({ colorScheme: 'light' })
      }
      expect(errors, path).toEqual([])
      await page.close()
    }
    expect(audits).toBe(2 * 10)
    expect(found).toEqual([])
  }, 180_000)
})

/** Every .html file of the build, relative to dist/site. */
function builtPages(dir = SITE_DIR): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.html'))
    .map((f) => relative(SITE_DIR, join(dir, f)))
}

describe('security', () => {
  test('every page answers with the Content-Security-Policy; only embeds may be framed by any site', async () => {
    const list = (await (await fetch(`${site.baseUrl}/api/traces?limit=1&revision=${REVISION}`)).json()) as {
      items: { id: string }[]
    }
    const id = list.items[0]?.id
    expect(id).toBeTruthy()
    const tool = builtPages().find((p) => /^tools\/[^/]+\/index\.html$/.test(p))
    const category = builtPages().find((p) => /^categories\/[^/]+\/index\.html$/.test(p))
    const paths = [
      '/',
      '/compare/',
      '/traces/',
      '/traces/?config=kimi&tool=terminal',
      '/tools/',
      `/${tool?.replace(/index\.html$/, '')}`,
      '/categories/',
      `/${category?.replace(/index\.html$/, '')}`,
      `/trace/${id}`,
      `/trace/?id=${id}`,
      '/embed/top-tools/',
      '/embed/roles/?config=kimi',
      '/no/such/page',
    ]
    const policies = new Map<string, string>()
    for (const path of paths) {
      const response = await fetch(`${site.baseUrl}${path}`)
      expect(response.headers.get('content-type') ?? '', path).toContain('text/html')
      const header = response.headers.get('content-security-policy')
      expect(header, `${path} has no Content-Security-Policy`).toBeTruthy()
      const csp = cspDirectives(header)
      expect(csp.get('default-src'), path).toBe("'self'")
      expect(csp.get('img-src'), path).toBe("'self' data:")
      expect(csp.get('object-src'), path).toBe("'none'")
      expect(csp.get('base-uri'), path).toBe("'self'")
      // Scripts, styles and fetches: this origin only (their own directives, or default-src).
      for (const directive of ['script-src', 'style-src', 'connect-src']) {
        expect(csp.get(directive) ?? csp.get('default-src'), `${path}: ${directive}`).toBe("'self'")
      }
      expect(header, path).not.toMatch(/unsafe-inline|unsafe-eval|unsafe-hashes/)
      expect(csp.get('frame-ancestors'), path).toBe(path.startsWith('/embed/') ? '*' : "'self'")
      policies.set(path, header ?? '')
    }
    // The Worker's trace permalinks carry the same policy as the static pages.
    expect(policies.get(`/trace/${id}`)).toBe(policies.get('/'))
  })

  test('the built pages hold no inline script, style or event handler', () => {
    const pages = builtPages()
    expect(pages.length).toBeGreaterThan(20)
    for (const file of pages) {
      const html = readFileSync(join(SITE_DIR, file), 'utf8')
      for (const [, attrs] of html.matchAll(/<script\b([^>]*)>/g)) {
        expect(attrs, `${file}: inline <script${attrs}>`).toMatch(/\ssrc=/)
      }
      expect(html, `${file}: <style> element`).not.toMatch(/<style\b/)
      expect(html, `${file}: style attribute`).not.toMatch(/<[a-z][^>]*\sstyle=/i)
      expect(html, `${file}: event handler attribute`).not.toMatch(/<[a-z][^>]*\son[a-z]+=/i)
    }
  })

  // Last: what every page opened above recorded.
  test('no page reported a CSP violation, and every API request pinned the build’s revision', () => {
    expect(cspViolations).toEqual([])
    for (const route of ['/api/traces?', '/api/trace/', '/api/charts/']) {
      expect(
        apiRequests.some((u) => u.startsWith(route)),
        `a page requested ${route}`,
      ).toBe(true)
    }
    expectPinned(apiRequests, 'API requests of the pages')
  })
})
