/**
 * Search in a real browser, end to end (scripts/dev/site-harness.ts: the Astro build and `wrangler dev` over the
 * generated test sample): the header box, the /search/ page over `GET /api/search` (its index is built by the
 * Queue after the first request), filters in the URL, paging through every hit, the trace viewer's highlight,
 * and markup in the data staying inert.
 *
 * Expected hits come from a brute-force scan of the sample's parquet rows written here: the messages whose text
 * holds the word (letters, digits and `_` on neither side, any case), not from the search code.
 */
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  axeViolations,
  cspDirectives,
  type OpenedPage,
  openPage,
  type PageLog,
  pinnedRevision,
  type SiteHarness,
  screenshot,
  siteRevision,
  startSite,
} from '../../scripts/dev/site-harness.ts'
import { readDatasetDir } from '../../scripts/lib/dataset-dir.ts'
import { openLocalParquet, streamRowSlices } from '../../scripts/lib/local-parquet.ts'

let site: SiteHarness
let REVISION: string
const log: PageLog = { api: [], csp: [] }
/** Building the index through the Queue on a cold start takes a while; the page waits and retries by itself. */
const INDEX_WAIT_MS = 240_000

/** One message of the sample, as stored. */
interface Msg {
  key: string
  config: string
  role: string
  text: string
}
let messages: Msg[] = []

/** The word the tests search for, and the messages (`id:message`) holding it. */
let WORD: string
let expected: { all: Set<string>; kimi: Set<string>; kimiTool: Set<string> }

const WORD_CHARS = /[\p{L}\p{N}_]+/gu
const INDEXED_ROLES = new Set(['system', 'human', 'gpt', 'tool'])

/** The messages whose text holds `word` as a whole word, any case (the brute-force scan). */
function scan(word: string, keep: (m: Msg) => boolean = () => true): Set<string> {
  const re = new RegExp(`(?<![\\p{L}\\p{N}_])${word}(?![\\p{L}\\p{N}_])`, 'iu')
  return new Set(messages.filter((m) => keep(m) && re.test(m.text)).map((m) => m.key))
}

beforeAll(async () => {
  site = await startSite()
  REVISION = await siteRevision(site)
  const described = await readDatasetDir(site.datasetDir)
  for (const c of described.configs) {
    const source = await openLocalParquet(join(site.datasetDir, c.path))
    for await (const slice of streamRowSlices(source)) {
      for (const row of slice.rows) {
        const conversations = row.conversations as { from: string; value: string }[]
        conversations.forEach((m, i) => {
          if (INDEXED_ROLES.has(m.from)) {
            messages.push({ key: `${row.id}:${i}`, config: c.name, role: m.from, text: m.value })
          }
        })
      }
    }
  }
  // A word found in more than one page of hits (20), in tool outputs and elsewhere, in both configs.
  const counts = new Map<string, Set<string>>()
  for (const m of messages) {
    for (const w of new Set(m.text.toLowerCase().match(WORD_CHARS) ?? [])) {
      if (!/^[a-z]{6,}$/.test(w)) continue
      const set = counts.get(w) ?? new Set<string>()
      set.add(m.key)
      counts.set(w, set)
    }
  }
  const byKey = new Map(messages.map((m) => [m.key, m]))
  const candidates = [...counts]
    .filter(([, keys]) => keys.size >= 25 && keys.size <= 60)
    .filter(([, keys]) => {
      const ms = [...keys].map((k) => byKey.get(k) as Msg)
      const kimiTool = ms.filter((m) => m.config === 'kimi' && m.role === 'tool').length
      const kimi = ms.filter((m) => m.config === 'kimi').length
      return kimiTool >= 1 && kimi > kimiTool && kimi < ms.length && ms.some((m) => m.role === 'gpt')
    })
    .map(([w]) => w)
    .sort()
  expect(candidates.length, 'a word with 25–60 messages in the sample').toBeGreaterThan(0)
  WORD = candidates[0] as string
  expected = {
    all: scan(WORD),
    kimi: scan(WORD, (m) => m.config === 'kimi'),
    kimiTool: scan(WORD, (m) => m.config === 'kimi' && m.role === 'tool'),
  }
  messages = []
}, 400_000)

afterAll(async () => {
  await site?.close()
})

function open(path: string, options: { width?: number; height?: number } = {}): Promise<OpenedPage> {
  return openPage(site, path, { ...options, log })
}

/**
 * Wait until the hit list shows the view in the address bar, complete (the island marks the view it rendered;
 * while the index is built it retries by itself).
 */
async function waitForView(page: Page, timeout = 60_000): Promise<void> {
  await page.waitForFunction(
    () => {
      const hits = document.querySelector<HTMLElement>('#hits')
      const pending = document.querySelector<HTMLElement>('#search-pending')
      const norm = (query: string) =>
        [...new URLSearchParams(query)]
          .map((kv) => kv.join('='))
          .sort()
          .join('&')
      const shown = hits?.dataset.view
      return (
        shown !== undefined &&
        norm(shown) === norm(location.search) &&
        pending?.hidden === true &&
        hits?.getAttribute('aria-busy') === 'false'
      )
    },
    null,
    { timeout },
  )
}

/** The total the status line states ("23 messages match …"; 0 for "No message matches"). */
async function statedTotal(page: Page): Promise<number> {
  const text = (await page.locator('#search-status').textContent()) ?? ''
  if (text.startsWith('No message matches')) return 0
  const m = /^([\d,]+) messages? match/.exec(text)
  expect(m, `status line: ${text}`).not.toBeNull()
  return Number((m?.[1] ?? '').replace(/,/g, ''))
}

/** `id:message` of every hit listed. */
async function listedKeys(page: Page): Promise<string[]> {
  return page
    .locator('#hits li.hit')
    .evaluateAll((items) =>
      items.map((li) => `${(li as HTMLElement).dataset.id}:${(li as HTMLElement).dataset.message}`),
    )
}

/** Click "More results" until it is gone; resolves with every hit listed. */
async function loadAll(page: Page): Promise<string[]> {
  for (let i = 0; i < 20 && (await page.locator('#more').isVisible()); i++) {
    const before = await page.locator('#hits li.hit').count()
    await page.locator('#more').click()
    await page.waitForFunction((n) => document.querySelectorAll('#hits li.hit').length > n, before)
    // Keyboard users land on the first new hit.
    expect(await page.evaluate(() => document.activeElement?.className)).toBe('hit-link')
  }
  expect(await page.locator('#more').isVisible()).toBe(false)
  return listedKeys(page)
}

describe('search', () => {
  test(
    'the header box of the report leads to /search/?q= with every matching message, marked',
    async () => {
      const { page, errors, dialogs } = await open('/')
      const answers: { status: number; complete?: boolean }[] = []
      const pendingSeen: Promise<unknown>[] = []
      page.on('response', (r) => {
        if (!new URL(r.url()).pathname.startsWith('/api/search')) return
        const entry: { status: number; complete?: boolean } = { status: r.status() }
        answers.push(entry)
        if (r.status() === 503) {
          // The page says the index is being built and counts down to its own retry (at least 1 s).
          pendingSeen.push(
            page.waitForFunction(
              () =>
                /index is being built, retrying in \d+ seconds?/.test(
                  document.querySelector('#search-pending')?.textContent ?? '',
                ),
              null,
              { timeout: 10_000 },
            ),
          )
        } else if (r.ok()) {
          void r.json().then((b: { complete: boolean }) => {
            entry.complete = b.complete
          })
        }
      })
      await page.fill('#site-q', WORD)
      await page.press('#site-q', 'Enter')
      await page.waitForURL((url) => url.pathname === '/search/' && url.searchParams.get('q') === WORD)
      expect(await page.inputValue('#s-q')).toBe(WORD)
      await waitForView(page, INDEX_WAIT_MS)

      // A cold index: the first answer was 503 index-pending (shown as such, retried by the page) or partial.
      const first = answers[0]
      expect(first, 'an /api/search answer').toBeDefined()
      expect(first?.status === 503 || first?.complete === false, JSON.stringify(answers)).toBe(true)
      await Promise.all(pendingSeen)

      expect(await statedTotal(page)).toBe(expected.all.size)
      const snippets = page.locator('#hits li.hit .hit-snippet')
      expect(await snippets.count()).toBe(20)
      for (const snippet of await snippets.all()) {
        const marks = await snippet.locator('mark').allTextContents()
        expect(marks.length, (await snippet.textContent()) ?? '').toBeGreaterThan(0)
        for (const m of marks) expect(m.toLowerCase()).toBe(WORD)
      }
      const keys = await loadAll(page)
      expect(keys.length).toBe(expected.all.size)
      expect(new Set(keys)).toEqual(expected.all)
      await screenshot(page, 'search.png')
      // Chromium logs every 503 answer as a failed resource load; nothing else may be logged.
      expect(errors.filter((e) => !/status of 503/.test(e))).toEqual([])
      expect(dialogs).toEqual([])
      await page.close()
    },
    INDEX_WAIT_MS + 60_000,
  )

  test('filters live in the URL: results follow them, back and forward restore them', async () => {
    const { page, errors } = await open(`/search/?q=${WORD}`)
    await waitForView(page)
    expect(await statedTotal(page)).toBe(expected.all.size)

    await page.selectOption('#s-config', 'kimi')
    await page.waitForURL((url) => url.searchParams.get('config') === 'kimi')
    await waitForView(page)
    expect(await statedTotal(page)).toBe(expected.kimi.size)
    expect(
      new Set(
        await page
          .locator('#hits li.hit')
          .evaluateAll((l) => l.map((x) => (x as HTMLElement).dataset.config)),
      ),
    ).toEqual(new Set(['kimi']))

    await page.check('#search-form input[name="role"][value="tool"]')
    await page.waitForURL((url) => url.searchParams.get('role') === 'tool')
    await waitForView(page)
    expect(await statedTotal(page)).toBe(expected.kimiTool.size)
    expect(new Set(await loadAll(page))).toEqual(expected.kimiTool)

    await page.goBack()
    await page.waitForURL((url) => !url.searchParams.has('role') && url.searchParams.get('config') === 'kimi')
    await waitForView(page)
    expect(await page.isChecked('#search-form input[name="role"][value="tool"]')).toBe(false)
    expect(await page.inputValue('#s-config')).toBe('kimi')
    expect(await statedTotal(page)).toBe(expected.kimi.size)

    await page.goBack()
    await page.waitForURL((url) => !url.searchParams.has('config'))
    await waitForView(page)
    expect(await page.inputValue('#s-config')).toBe('')
    expect(await statedTotal(page)).toBe(expected.all.size)

    await page.goForward()
    await page.waitForURL((url) => url.searchParams.get('config') === 'kimi')
    await waitForView(page)
    expect(await statedTotal(page)).toBe(expected.kimi.size)

    // A shared link restores the whole view, the form included.
    const shared = await open(`/search/?q=${WORD}&config=kimi&role=tool`)
    await waitForView(shared.page)
    expect(await shared.page.isChecked('#search-form input[name="role"][value="tool"]')).toBe(true)
    expect(await statedTotal(shared.page)).toBe(expected.kimiTool.size)
    await shared.page.close()
    expect(errors).toEqual([])
    await page.close()
  }, 120_000)

  test('a hit opens the trace at its step, with the matches marked and reachable', async () => {
    const { page, errors } = await open(`/search/?q=${WORD}`)
    await waitForView(page)
    const hit = page.locator('#hits li.hit[data-step]').first()
    const message = Number(await hit.getAttribute('data-message'))
    const field = await hit.getAttribute('data-field')
    const href = (await hit.locator('a.hit-link').getAttribute('href')) ?? ''
    expect(href).toMatch(new RegExp(`^/trace/[^?]+\\?q=${WORD}&m=${message}#step-\\d+$`))
    await hit.locator('a.hit-link').click()
    await page.waitForURL((url) => url.pathname.startsWith('/trace/'))
    const step = page.locator('article.step.is-current')
    await step.waitFor()
    // The step the API named is the step of that message: a gpt message's own, or the one a tool output answers.
    const stepMessage = Number(await step.getAttribute('data-message'))
    if (field === 'tool') expect(stepMessage).toBeLessThan(message)
    else expect(stepMessage).toBe(message)
    const marks = step.locator('mark.hit')
    expect(await marks.count()).toBeGreaterThan(0)
    for (const m of await marks.allTextContents()) expect(m.toLowerCase()).toBe(WORD)
    // Reasoning blocks and folded outputs holding a match were opened.
    expect(await marks.first().isVisible()).toBe(true)
    await expect(page.locator('#hit-bar .hit-count').textContent()).resolves.toMatch(/\d+ match(es)? for/)
    await screenshot(page, 'search-hit-viewer.png')

    await page.click('#hit-next')
    expect(await page.locator('mark.hit.is-current-hit').count()).toBe(1)
    await page.click('#hit-clear')
    expect(await page.locator('mark.hit').count()).toBe(0)
    expect(new URL(page.url()).searchParams.has('q')).toBe(false)
    expect(errors).toEqual([])
    await page.close()
  }, 120_000)

  test('markup in the data stays text: the planted <img onerror> is found, shown and opened inert', async () => {
    const q = '"img src x onerror"'
    const { page, errors, dialogs } = await open(`/search/?q=${encodeURIComponent(q)}`)
    await waitForView(page)
    expect(await page.locator('#hits li.hit').count()).toBeGreaterThan(0)
    expect(await page.locator('#hits img, #hits script, #hits [onerror]').count()).toBe(0)
    const snippet = page.locator('#hits li.hit .hit-snippet').first()
    await expect(snippet.textContent()).resolves.toContain('<img src=x onerror=')
    // The phrase's words are marked (as one range or word by word), inside the literal markup.
    const marked = (await snippet.locator('mark').allTextContents()).join(' ').toLowerCase()
    expect(marked).toContain('img')
    expect(marked).toContain('onerror')

    await page.locator('#hits li.hit a.hit-link').first().click()
    await page.waitForURL((url) => url.pathname.startsWith('/trace/'))
    await page.waitForSelector('#trace mark.hit')
    expect(await page.locator('#trace img, #trace script, #trace iframe, #trace [onerror]').count()).toBe(0)
    await expect(page.locator('#trace').textContent()).resolves.toContain('<img src=x onerror=')
    await page.waitForTimeout(300)
    expect(dialogs).toEqual([])
    expect(errors).toEqual([])
    await page.close()
  }, 120_000)

  test('a query the API refuses shows its problem detail', async () => {
    const { page } = await open('/search/?q=a*')
    await waitForView(page)
    const answer = await fetch(`${site.baseUrl}/api/search?q=a*&limit=20&revision=${REVISION}`)
    expect(answer.status).toBe(400)
    const detail = ((await answer.json()) as { detail: string }).detail
    expect(detail).toBeTruthy()
    await expect(page.locator('#search-problem').textContent()).resolves.toContain(detail)
    expect(await page.locator('#hits li.hit').count()).toBe(0)
    await page.close()
  })

  test('phone width: no sideways scrolling, a screenshot to look at', async () => {
    const { page, errors } = await open(`/search/?q=${WORD}`, { width: 375, height: 812 })
    await waitForView(page)
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    expect(overflow, `/search/ scrolls sideways by ${overflow}px`).toBeLessThanOrEqual(0)
    await screenshot(page, 'phone-search.png')
    await page.locator('#hits li.hit').first().scrollIntoViewIfNeeded()
    await screenshot(page, 'phone-search-hits.png')
    expect(errors).toEqual([])
    await page.close()
  })
})

describe('accessibility', () => {
  test('axe-core finds no WCAG 2 A/AA violation on the search page and a highlighted trace, light or dark', async () => {
    const { page, errors } = await open(`/search/?q=${WORD}`)
    await waitForView(page)
    const found: string[] = []
    const audit = async (label: string) => {
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme })
        for (const v of await axeViolations(page)) found.push(`${label} (${colorScheme}): ${v}`)
      }
      await page.emulateMedia({ colorScheme: 'light' })
    }
    await audit('search')
    await page.locator('#hits li.hit[data-step] a.hit-link').first().click()
    await page.waitForSelector('article.step.is-current mark.hit')
    await page.click('#hit-next')
    await audit('viewer with hits')
    expect(found).toEqual([])
    expect(errors).toEqual([])
    await page.close()
  }, 120_000)
})

describe('security', () => {
  test('/search/ answers with the site’s Content-Security-Policy', async () => {
    const page = await fetch(`${site.baseUrl}/search/?q=x`)
    const home = await fetch(`${site.baseUrl}/`)
    await page.text()
    await home.text()
    const csp = cspDirectives(page.headers.get('content-security-policy'))
    expect(csp.get('default-src')).toBe("'self'")
    expect(csp.get('form-action')).toBe("'self'")
    expect(page.headers.get('content-security-policy')).toBe(home.headers.get('content-security-policy'))
  })

  // Last: what every page opened above recorded.
  test('no page reported a CSP violation, and every API request pinned the build’s revision', () => {
    expect(log.csp).toEqual([])
    expect(log.api.some((u) => u.startsWith('/api/search?'))).toBe(true)
    expect(log.api.some((u) => u.startsWith('/api/trace/'))).toBe(true)
    for (const url of log.api) expect(pinnedRevision(url), url).toBe(REVISION)
  })
})
