/**
 * The trace comparison page and the trace viewer's ways to it, in a real browser (scripts/dev/site-harness.ts: the
 * Astro build and `wrangler dev` over the generated test sample). Expected numbers are recounted here from the two
 * traces' own `GET /api/trace/:id` JSON, and the same-task lists from the complete row summaries of
 * `GET /api/traces`, never from the comparison code.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  cspDirectives,
  type OpenedPage,
  openPage,
  type PageLog,
  pinnedRevision,
  SCREENSHOT_DIR,
  type SiteHarness,
  screenshot,
  siteRevision,
  startSite,
} from '../../scripts/dev/site-harness.ts'
import type { Comparison, Trace, TraceSummary } from '../../shared/types.ts'

let site: SiteHarness
let REVISION: string
const log: PageLog = { api: [], csp: [] }
/** Every row summary (complete), in the API's order: the card's configs, then rows. */
let summaries: TraceSummary[] = []
/** The two largest traces (most messages, then most calls). */
let A: TraceSummary
let B: TraceSummary
/** Render times of the comparison of A and B (ms, `window.__compareRenderMs`). */
const renderTimes: number[] = []

async function getJson<T>(path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${site.baseUrl}${path}`)
  return { status: res.status, body: (await res.json()) as T }
}

/** Every row summary, once the API has computed all of them. */
async function completeSummaries(): Promise<TraceSummary[]> {
  for (let attempt = 0; attempt < 60; attempt++) {
    const first = await getJson<{ complete: boolean; total: number; items: TraceSummary[] }>(
      `/api/traces?limit=100&revision=${REVISION}`,
    )
    if (first.status === 200 && first.body.complete) {
      const items = [...first.body.items]
      while (items.length < first.body.total) {
        const page = await getJson<{ items: TraceSummary[] }>(
          `/api/traces?limit=100&offset=${items.length}&revision=${REVISION}`,
        )
        expect(page.body.items.length).toBeGreaterThan(0)
        items.push(...page.body.items)
      }
      return items
    }
    await new Promise((r) => setTimeout(r, 2000))
  }
  throw new Error('the row summaries did not complete')
}

beforeAll(async () => {
  site = await startSite()
  REVISION = await siteRevision(site)
  summaries = await completeSummaries()
  const largest = [...summaries].sort(
    (x, y) => y.messages - x.messages || y.toolCalls - x.toolCalls || (x.id < y.id ? -1 : 1),
  )
  A = largest[0] as TraceSummary
  B = largest[1] as TraceSummary
}, 400_000)

afterAll(async () => {
  await site?.close()
})

function open(path: string, options: { width?: number; height?: number } = {}): Promise<OpenedPage> {
  return openPage(site, path, { ...options, log })
}

function comparePath(a: string, b: string, slash = true): string {
  return `/compare/trace${slash ? '/' : ''}?${new URLSearchParams({ a, b })}`
}

async function waitForComparison(page: Page): Promise<void> {
  await page.waitForSelector('#compare-rows li.cmp-row', { timeout: 60_000 })
}

/** What the page must show about one trace, recounted from its replay JSON. */
function recount(t: Trace) {
  const toolset = new Set(t.tools.map((x) => x.name))
  const tools: Record<string, number> = {}
  let calls = 0
  let failures = 0
  let thinkChars = 0
  let answerChars = 0
  const steps = t.steps.map((s) => {
    for (const th of s.thoughts) thinkChars += [...th].length
    answerChars += [...s.answer].length
    const names: string[] = []
    let failed = 0
    s.calls.forEach((call, k) => {
      calls++
      const name = call.malformed ? '<malformed>' : call.name
      names.push(name)
      tools[name] = (tools[name] ?? 0) + 1
      if (
        call.malformed ||
        (toolset.size > 0 && !toolset.has(call.name)) ||
        k >= s.responses.length ||
        s.responses[k]?.errorKind != null
      ) {
        failed++
      }
    })
    failures += failed
    return { names, failed }
  })
  const last = t.steps[t.steps.length - 1]
  const finalAnswerChars = last && last.calls.length === 0 ? [...last.answer].length : 0
  return { steps, tools, calls, failures, thinkChars, answerChars, finalAnswerChars }
}

/** The A, B and B − A cells of a differences-table row, as numbers. */
async function summaryRow(page: Page, metric: string): Promise<[number, number, number]> {
  const cells = await page.locator(`#compare-summary tr[data-metric="${metric}"] td`).allTextContents()
  expect(cells, metric).toHaveLength(3)
  const num = (s: string) => Number(s.replace(/,/g, '').replace('−', '-').replace('+', ''))
  return cells.map(num) as [number, number, number]
}

describe('compare page', () => {
  test('the two largest traces: aligned rows, per-step calls and failures, numbers recounted from the traces', async () => {
    const { page, errors, api } = await open(comparePath(A.id, B.id))
    await waitForComparison(page)
    const ta = (await getJson<Trace>(`/api/trace/${A.id}?revision=${REVISION}`)).body
    const tb = (await getJson<Trace>(`/api/trace/${B.id}?revision=${REVISION}`)).body
    const ra = recount(ta)
    const rb = recount(tb)
    expect(ta.steps.length).toBeGreaterThan(10)
    // Headers: tasks as text, links to each trace's own page.
    await expect(page.locator('.cmp-trace.side-a h2').textContent()).resolves.toBe(ta.task || ta.id)
    await expect(page.locator('.cmp-trace.side-b h2').textContent()).resolves.toBe(tb.task || tb.id)
    await expect(page.locator('.cmp-trace.side-a a.cmp-trace-link').getAttribute('href')).resolves.toBe(
      `/trace/${A.id}`,
    )
    // The differences table.
    const pairs: [string, number, number][] = [
      ['steps', ta.steps.length, tb.steps.length],
      ['calls', ra.calls, rb.calls],
      ['failures', ra.failures, rb.failures],
      ['thinkChars', ra.thinkChars, rb.thinkChars],
      ['answerChars', ra.answerChars, rb.answerChars],
      ['finalAnswerChars', ra.finalAnswerChars, rb.finalAnswerChars],
    ]
    for (const [name, tool] of Object.entries({ ...ra.tools, ...rb.tools })) {
      expect(tool).toBeGreaterThan(0)
      pairs.push([`tool:${name}`, ra.tools[name] ?? 0, rb.tools[name] ?? 0])
    }
    for (const [metric, a, b] of pairs) {
      expect(await summaryRow(page, metric), metric).toEqual([a, b, b - a])
    }
    // Aligned rows: every step of each side once, in order, with its calls and its failures marked.
    const rows = await page.locator('#compare-rows li.cmp-row').evaluateAll((lis) =>
      lis.map((li) => {
        const side = (s: string) => {
          const cell = li.querySelector(`.cmp-cell.side-${s}`)
          if (!cell || cell.classList.contains('is-empty')) return null
          return {
            step: Number(cell.getAttribute('data-step')),
            href: cell.querySelector('a.cmp-step-link')?.getAttribute('href'),
            names: Array.from(cell.querySelectorAll('.cmp-call-name')).map((n) => n.textContent),
            failed: cell.querySelectorAll('li.cmp-call.is-failed .badge-error').length,
          }
        }
        return { kind: li.getAttribute('data-kind'), a: side('a'), b: side('b') }
      }),
    )
    expect(rows.length).toBeGreaterThanOrEqual(Math.max(ta.steps.length, tb.steps.length))
    expect(rows.length).toBeLessThanOrEqual(ta.steps.length + tb.steps.length)
    for (const [key, trace, counted] of [
      ['a', ta, ra],
      ['b', tb, rb],
    ] as const) {
      const cells = rows.flatMap((r) => (r[key] ? [r[key]] : []))
      expect(cells.map((c) => c.step)).toEqual(trace.steps.map((_, i) => i + 1))
      cells.forEach((c, i) => {
        expect(c.href).toBe(`/trace/${trace.id}#step-${i + 1}`)
        expect(c.names).toEqual(counted.steps[i]?.names)
        expect(c.failed, `${key} step ${i + 1}`).toBe(counted.steps[i]?.failed)
      })
    }
    for (const r of rows) {
      if (r.a && r.b && JSON.stringify(r.a.names) === JSON.stringify(r.b.names)) expect(r.kind).toBe('same')
      if (!r.a) expect(r.kind).toBe('b-only')
      if (!r.b) expect(r.kind).toBe('a-only')
    }
    expect(ra.failures + rb.failures).toBeGreaterThan(0)
    // The render time: answer parsed -> DOM laid out. The first load warms the browser up (code, fonts) and is not
    // counted; then five loads. The machine is shared (other processes take the CPU at random), so the target is
    // judged on the fastest load, the least disturbed measurement, with the median bounded too.
    expect(await page.evaluate(() => performance.getEntriesByName('compare-render').length)).toBe(1)
    const warmUp = await page.evaluate(
      () => (window as { __compareRenderMs?: number }).__compareRenderMs ?? -1,
    )
    for (let i = 0; i < 5; i++) {
      await page.reload({ waitUntil: 'load' })
      await waitForComparison(page)
      renderTimes.push(
        await page.evaluate(() => (window as { __compareRenderMs?: number }).__compareRenderMs ?? -1),
      )
    }
    const sorted = [...renderTimes].sort((x, y) => x - y)
    const median = sorted[Math.floor(sorted.length / 2)] as number
    // Kept beside the screenshots (.cache/screenshots/compare-render-ms.txt) for people to read.
    mkdirSync(SCREENSHOT_DIR, { recursive: true })
    writeFileSync(
      join(SCREENSHOT_DIR, 'compare-render-ms.txt'),
      `compare render of the two largest traces (${A.id}, ${B.id}): warm-up ${warmUp.toFixed(1)} ms, then ${renderTimes.map((t) => t.toFixed(1)).join(', ')} ms (fastest ${(sorted[0] as number).toFixed(1)}, median ${median.toFixed(1)}); load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${cpus().length} cores\n`,
    )
    expect(sorted[0]).toBeGreaterThan(0)
    expect(sorted[0]).toBeLessThanOrEqual(100)
    expect(median).toBeLessThanOrEqual(200)
    await screenshot(page, 'compare-trace.png')
    await page.locator('#compare-rows').scrollIntoViewIfNeeded()
    await screenshot(page, 'compare-trace-rows.png')
    expect(api.some((u) => u.startsWith('/api/compare?'))).toBe(true)
    expect(errors).toEqual([])
    await page.close()
  }, 120_000)

  test('keyboard: j/k and the arrow keys move a visible focus between rows; the row is in the address', async () => {
    const { page, errors } = await open(comparePath(A.id, B.id))
    await waitForComparison(page)
    await page.keyboard.press('j')
    await page.waitForSelector('#row-1.is-current')
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('row-1')
    await page.keyboard.press('j')
    await page.waitForSelector('#row-2.is-current')
    expect(await page.locator('.cmp-row.is-current').count()).toBe(1)
    await page.keyboard.press('ArrowDown')
    await page.waitForSelector('#row-3.is-current')
    await page.keyboard.press('k')
    await page.waitForSelector('#row-2.is-current')
    await page.keyboard.press('ArrowUp')
    await page.waitForSelector('#row-1.is-current')
    expect(new URL(page.url()).hash).toBe('#row-1')
    const outline = await page.locator('#row-1').evaluate((n) => {
      const s = getComputedStyle(n)
      return { style: s.outlineStyle, width: Number.parseFloat(s.outlineWidth) }
    })
    expect(outline.style).not.toBe('none')
    expect(outline.width).toBeGreaterThanOrEqual(2)
    // Typing in the id fields is not navigation.
    await page.locator('#cmp-a').focus()
    await page.keyboard.press('j')
    expect(await page.locator('#row-2.is-current').count()).toBe(0)
    expect(errors).toEqual([])
    await page.close()
  }, 60_000)

  test('a shared URL (no trailing slash, a row in the hash) reproduces the view', async () => {
    const path = `${comparePath(A.id, B.id, false)}#row-3`
    const res = await fetch(`${site.baseUrl}${comparePath(A.id, B.id, false)}`, { redirect: 'manual' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/html')
    await res.text()
    const { page, errors } = await open(path)
    await waitForComparison(page)
    await page.waitForSelector('#row-3.is-current')
    expect(new URL(page.url()).pathname).toBe('/compare/trace')
    await expect(page.locator('#cmp-a').inputValue()).resolves.toBe(A.id)
    await expect(page.locator('#cmp-b').inputValue()).resolves.toBe(B.id)
    // Swap links to the same comparison the other way round.
    const swap = (await page.locator('.cmp-links a').first().getAttribute('href')) ?? ''
    expect(Object.fromEntries(new URL(swap, site.baseUrl).searchParams)).toEqual({ a: B.id, b: A.id })
    expect(errors).toEqual([])
    await page.close()
  }, 60_000)

  test('375 px: the columns stack, nothing scrolls sideways', async () => {
    const { page, errors } = await open(comparePath(A.id, B.id), { width: 375, height: 812 })
    await waitForComparison(page)
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    expect(overflow, `scrolls sideways by ${overflow}px`).toBeLessThanOrEqual(0)
    const stacked = await page.locator('#compare-rows li.cmp-row').evaluateAll((lis) =>
      lis
        .filter(
          (li) => li.querySelector('.side-a:not(.is-empty)') && li.querySelector('.side-b:not(.is-empty)'),
        )
        .slice(0, 5)
        .map((li) => {
          const a = (li.querySelector('.side-a') as HTMLElement).getBoundingClientRect()
          const b = (li.querySelector('.side-b') as HTMLElement).getBoundingClientRect()
          return b.top >= a.bottom - 1 && Math.abs(a.left - b.left) < 1
        }),
    )
    expect(stacked.length).toBeGreaterThan(0)
    expect(stacked.every(Boolean)).toBe(true)
    await screenshot(page, 'compare-trace-phone.png')
    await page.locator('#compare-rows').scrollIntoViewIfNeeded()
    await screenshot(page, 'compare-trace-phone-rows.png')
    expect(errors).toEqual([])
    await page.close()
  }, 60_000)

  test('markup in tasks and call arguments stays inert text', async () => {
    // The sample plants `<script>` in tasks of both configs (its `<img src=x onerror=…>` sits in tool outputs,
    // which this page does not show).
    const scripts = summaries.filter((s) => s.task.includes('<script>'))
    expect(scripts.length, 'the sample plants <script> tasks').toBeGreaterThan(0)
    const first = scripts[0] as TraceSummary
    const second = (scripts[1] ?? A) as TraceSummary
    const real = await open(comparePath(first.id, second.id))
    await waitForComparison(real.page)
    await expect(real.page.locator('.cmp-trace.side-a h2').textContent()).resolves.toBe(first.task)
    expect(await real.page.locator('#compare script, #compare img, #compare iframe').count()).toBe(0)
    await real.page.waitForTimeout(300)
    expect(real.dialogs).toEqual([])
    expect(real.errors).toEqual([])
    await real.page.close()
    // Every text field the page shows, planted with markup in the real answer on its way to the page.
    const planted = await site.browser.newPage()
    const dialogs: string[] = []
    planted.on('dialog', (d) => {
      dialogs.push(d.message())
      void d.dismiss()
    })
    await planted.route('**/api/compare?*', async (route) => {
      const res = await route.fetch()
      const body = (await res.json()) as Comparison
      body.a.task = '<img src=x onerror=alert(1)> <script>alert(2)</script>'
      body.a.category = '<img src=x onerror=alert(3)>'
      const withCall = body.steps.find((s) => s.a && s.a.calls.length > 0)?.a
      expect(withCall).toBeTruthy()
      if (withCall?.calls[0]) {
        withCall.calls[0].name = '<img src=x onerror=alert(4)>'
        withCall.calls[0].preview = '{"html": "<svg onload=alert(5)>"}'
      }
      body.summary.callsPerTool.push({ tool: '<img src=x onerror=alert(6)>', a: 1, b: 0 })
      await route.fulfill({ response: res, json: body })
    })
    await planted.goto(`${site.baseUrl}${comparePath(A.id, B.id)}`)
    await waitForComparison(planted)
    await expect(planted.locator('.cmp-trace.side-a h2').textContent()).resolves.toBe(
      '<img src=x onerror=alert(1)> <script>alert(2)</script>',
    )
    await expect(planted.locator('#compare').textContent()).resolves.toContain('<svg onload=alert(5)>')
    const injected = await planted
      .locator(
        '#compare script, #compare img, #compare svg, #compare iframe, #compare [onerror], #compare [onload]',
      )
      .count()
    expect(injected).toBe(0)
    await planted.waitForTimeout(300)
    expect(dialogs).toEqual([])
    await planted.close()
  }, 60_000)

  test('unknown ids show the API’s problem naming the parameter; no ids: the form alone', async () => {
    const { page, errors } = await open(comparePath(A.id, '00000000-0000-4000-8000-000000000000'))
    await page.waitForSelector('#compare-problem:not([hidden])')
    const text = (await page.locator('#compare-problem').textContent()) ?? ''
    expect(text).toMatch(/404/)
    expect(text).toMatch(/\bb\b/)
    // Chromium logs the 404 answer as a failed resource load; nothing else may be logged.
    expect(errors.filter((e) => !/status of 404/.test(e))).toEqual([])
    await page.close()
    const empty = await open('/compare/trace/')
    await expect(empty.page.locator('#compare-form').isVisible()).resolves.toBe(true)
    expect(await empty.page.locator('#compare').isHidden()).toBe(true)
    expect(empty.api).toEqual([])
    expect(empty.errors).toEqual([])
    await empty.page.close()
  }, 60_000)
})

describe('from a trace page', () => {
  test('“Compare with…” takes any id and opens the comparison; it links the search page', async () => {
    const { page, errors } = await open(`/trace/${A.id}`)
    await page.waitForSelector('article.step')
    await expect(page.locator('#compare-with a[href="/search/"]').count()).resolves.toBe(1)
    await page.fill('#compare-with-id', B.id)
    await page.click('#compare-with button[type="submit"]')
    await page.waitForURL(/\/compare\/trace\/\?/)
    expect(Object.fromEntries(new URL(page.url()).searchParams)).toEqual({ a: A.id, b: B.id })
    await waitForComparison(page)
    expect(errors).toEqual([])
    await page.close()
  }, 60_000)

  test('“Same task elsewhere” lists exactly the rows with the identical task, each with a compare link', async () => {
    const byTask = new Map<string, TraceSummary[]>()
    for (const s of summaries) byTask.set(s.task, [...(byTask.get(s.task) ?? []), s])
    const grouped = summaries.filter((s) => (byTask.get(s.task)?.length ?? 0) > 1)
    expect(grouped.length).toBeGreaterThan(0)
    // Prefer a task shared across configs (when the sample has one), then a task without any other row.
    const across = grouped.find((s) => byTask.get(s.task)?.some((o) => o.config !== s.config))
    const single = summaries.find((s) => byTask.get(s.task)?.length === 1) as TraceSummary
    for (const trace of [across ?? (grouped[0] as TraceSummary), single]) {
      const expected = (byTask.get(trace.task) ?? []).filter((o) => o.id !== trace.id)
      const { page, errors } = await open(`/trace/${trace.id}`)
      await page.waitForSelector('article.step')
      await page.click('#same-task summary')
      await page.waitForSelector('#same-task-status[data-total]', { timeout: 60_000 })
      await expect(page.locator('#same-task-status').getAttribute('data-total')).resolves.toBe(
        String(expected.length),
      )
      const items = await page.locator('#same-task-list li').evaluateAll((lis) =>
        lis.map((li) => ({
          id: li.getAttribute('data-id'),
          compare: li.querySelector('a.compare-link')?.getAttribute('href') ?? '',
        })),
      )
      expect(items.map((i) => i.id)).toEqual(expected.map((o) => o.id))
      for (const item of items) {
        expect(item.compare).toBe(
          `/compare/trace/?a=${encodeURIComponent(trace.id)}&b=${encodeURIComponent(item.id ?? '')}`,
        )
      }
      if (expected.length > 0) {
        await page.locator('#same-task-list a.compare-link').first().click()
        await page.waitForURL(/\/compare\/trace\/\?/)
        await waitForComparison(page)
        await screenshot(page, 'compare-same-task.png')
      } else {
        await expect(page.locator('#same-task-status').textContent()).resolves.toContain('No other trace')
      }
      // Chromium logs a 503 (index still building, retried by the page) as a failed load; nothing else.
      expect(errors.filter((e) => !/status of 503/.test(e))).toEqual([])
      await page.close()
    }
  }, 180_000)
})

describe('security', () => {
  test('the comparison page answers with the site’s Content-Security-Policy, with and without the slash', async () => {
    const home = await fetch(`${site.baseUrl}/`)
    await home.text()
    for (const path of [comparePath(A.id, B.id), comparePath(A.id, B.id, false), '/compare/trace/']) {
      const res = await fetch(`${site.baseUrl}${path}`)
      await res.text()
      expect(res.status, path).toBe(200)
      const csp = cspDirectives(res.headers.get('content-security-policy'))
      expect(csp.get('default-src'), path).toBe("'self'")
      expect(csp.get('frame-ancestors'), path).toBe("'self'")
      expect(res.headers.get('content-security-policy'), path).toBe(
        home.headers.get('content-security-policy'),
      )
    }
    // The two-configs comparison keeps its own page at /compare/.
    const models = await fetch(`${site.baseUrl}/compare/`)
    expect(await models.text()).toContain('svg')
  })

  // Last: what every page opened above recorded.
  test('no CSP violation; every API request pinned the build’s revision', () => {
    expect(log.csp).toEqual([])
    expect(log.api.some((u) => u.startsWith('/api/compare?'))).toBe(true)
    expect(log.api.some((u) => /^\/api\/trace\/[^/]+\/same-task\?/.test(u))).toBe(true)
    expect(REVISION).toMatch(/^[0-9a-f]{40}$/)
    for (const url of log.api) expect(pinnedRevision(url), url).toBe(REVISION)
  })
})
