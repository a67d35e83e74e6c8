/**
 * The site under test, end to end: the generated test sample, the Astro build over it, the local Hub
 * stand-in serving the same files, `wrangler dev` running the Worker (API + the built site as assets) against
 * that hub, and a headless Chromium driven by playwright-core. Pages and API are built from the same dataset
 * directory, so trace ids, counts and revisions agree. Nothing reaches the internet.
 *
 * Dev tooling for test/site/*.test.ts and bench/site.ts (never imported by the product).
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import { datasetDirRevision, readDatasetDir } from '../lib/dataset-dir.ts'
import { generateSample } from '../lib/sample/generate.ts'
import { type FakeHub, startFakeHub } from './fake-hub.ts'
import { startWranglerDev, type WranglerDev } from './wrangler-dev.ts'

declare global {
  interface Window {
    /** Set by the trace viewer island: ms to build, attach and lay out the last trace. */
    __renderMs?: number
  }
}

/** Repository root. */
export const ROOT = resolve(import.meta.dirname, '../..')
/** The dataset both the build and the fake hub use. */
export const TEST_SAMPLE_DIR = join(ROOT, '.cache/test-sample')
/** The built site (wrangler.toml serves it as assets). */
export const SITE_DIR = join(ROOT, 'dist/site')
/** Screenshots the tests take, for people to look at. */
export const SCREENSHOT_DIR = join(ROOT, '.cache/screenshots')

/** Chromium flags for a quiet, sandbox-free headless run in CI containers. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** True when `dir` holds a complete sample whose card still parses (a formatter run over .cache can break it). */
async function sampleIsUsable(dir: string): Promise<boolean> {
  if (!existsSync(join(dir, 'sample.json'))) return false
  try {
    const described = await readDatasetDir(dir)
    return described.configs.every((c) => existsSync(join(dir, c.path)))
  } catch {
    return false
  }
}

/** Generate the test sample (160 kimi + 140 glm-5.1 rows, seed 42) unless a usable one is there. */
export async function ensureTestSample(dir = TEST_SAMPLE_DIR): Promise<string> {
  if (!(await sampleIsUsable(dir))) {
    await generateSample({ out: dir, rowsKimi: 160, rowsGlm: 140, seed: 42 })
  }
  return dir
}

/** Newest modification time of the files under `paths` (directories walked). */
function newestMtime(paths: string[]): number {
  let newest = 0
  const visit = (p: string) => {
    if (!existsSync(p)) return
    const st = statSync(p)
    if (st.isDirectory()) {
      for (const name of readdirSync(p)) if (!name.startsWith('.')) visit(join(p, name))
    } else if (st.mtimeMs > newest) {
      newest = st.mtimeMs
    }
  }
  for (const p of paths) visit(p)
  return newest
}

/** Sources the site build depends on. */
const BUILD_INPUTS = ['site', 'shared', 'astro.config.mjs', 'scripts/lib', 'package-lock.json']

/**
 * True when dist/site is missing, was built from other data (the provenance banner of every page carries the
 * revision it was built from: `data-revision`, the dataset directory's content hash), or is older than its
 * sources.
 */
export async function siteBuildIsStale(datasetDir: string): Promise<boolean> {
  const index = join(SITE_DIR, 'index.html')
  if (!existsSync(index)) return true
  const built = /data-revision="([^"]+)"/.exec(readFileSync(index, 'utf8'))?.[1]
  if (built !== (await datasetDirRevision(datasetDir))) return true
  const inputs = newestMtime(BUILD_INPUTS.map((p) => join(ROOT, p)))
  return inputs > statSync(index).mtimeMs
}

/** Run `astro build` over `datasetDir` into `outDir` (default dist/site); resolves with the time it took. */
export async function buildSite(datasetDir: string, outDir = SITE_DIR): Promise<number> {
  const t0 = performance.now()
  const args = [join(ROOT, 'node_modules/astro/bin/astro.mjs'), 'build', '--silent']
  if (resolve(outDir) !== SITE_DIR) args.push('--outDir', resolve(outDir))
  await new Promise<void>((ok, fail) => {
    execFile(
      process.execPath,
      args,
      {
        cwd: ROOT,
        env: { ...process.env, HTE_DATASET_DIR: resolve(datasetDir), ASTRO_TELEMETRY_DISABLED: '1' },
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) =>
        err ? fail(new Error(`astro build failed: ${err.message}\n${stdout}\n${stderr}`)) : ok(),
    )
  })
  return performance.now() - t0
}

/** Build dist/site over `datasetDir` when it is stale; returns whether it built. */
export async function ensureSiteBuild(datasetDir: string): Promise<boolean> {
  if (!(await siteBuildIsStale(datasetDir))) return false
  await buildSite(datasetDir)
  return true
}

/** Start `wrangler dev` against the hub at `hubUrl`; resolves once `/api/datasets` answers. */
export function startWrangler(hubUrl: string, persistTo: string, timeoutMs = 120_000): Promise<WranglerDev> {
  // One browser stands in for many visitors: per-client rate limits would answer 429 to the test's bursts.
  return startWranglerDev({
    vars: { HF_ENDPOINT: hubUrl, SLICE_BUDGET_MB: '2', RATE_LIMITS: 'off' },
    persistTo,
    timeoutMs,
  })
}

/** Launch headless Chromium (Debian's package). */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
  if (!existsSync(executablePath)) {
    throw new Error(`no Chromium at ${executablePath}: apt-get install -y chromium (or set CHROMIUM_PATH)`)
  }
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS })
}

/** Everything the browser tests need. */
export interface SiteHarness {
  /** Origin of the Worker, e.g. `http://127.0.0.1:41234`. */
  baseUrl: string
  datasetDir: string
  hub: FakeHub
  wrangler: WranglerDev
  browser: Browser
  close(): Promise<void>
}

/**
 * Sample, build, hub, wrangler dev and browser; `close()` tears all of it down. `datasetDir` defaults to the
 * test sample (generated when missing); the site is rebuilt over it when stale.
 */
export async function startSite(options: { datasetDir?: string } = {}): Promise<SiteHarness> {
  const datasetDir = options.datasetDir ?? (await ensureTestSample())
  await ensureSiteBuild(datasetDir)
  const persistTo = mkdtempSync(join(tmpdir(), 'hte-site-'))
  const cleanups: (() => Promise<void> | void)[] = [() => rmSync(persistTo, { recursive: true, force: true })]
  const close = async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn()
      } catch {
        // keep tearing down
      }
    }
  }
  try {
    const hub = await startFakeHub({ dir: datasetDir })
    cleanups.push(() => hub.close())
    const wrangler = await startWrangler(hub.url, persistTo)
    cleanups.push(() => wrangler.stop())
    const browser = await launchBrowser()
    cleanups.push(() => browser.close())
    return { baseUrl: wrangler.url, datasetDir, hub, wrangler, browser, close }
  } catch (err) {
    await close()
    throw err
  }
}

/** The commit sha the built site pins its API requests to (`<meta name="hte-revision">` of the report page). */
export async function siteRevision(site: Pick<SiteHarness, 'baseUrl'>): Promise<string> {
  const html = await (await fetch(`${site.baseUrl}/`)).text()
  return /<meta name="hte-revision" content="([0-9a-f]{40})"/.exec(html)?.[1] ?? ''
}

/**
 * A page opened by `openPage`, with what it did: console errors and page errors, dialogs (a dialog is an XSS
 * that ran), the `/api/*` requests it made (pathname and query, in order) and its CSP violations.
 */
export interface OpenedPage {
  page: Page
  errors: string[]
  dialogs: string[]
  api: string[]
  csp: string[]
}

/** Where `openPage` also records the API requests and CSP violations of every page (a whole test file's). */
export interface PageLog {
  api: string[]
  csp: string[]
}

/** Logs every Content-Security-Policy violation of the page as a console error (before any page script). */
const CSP_LISTENER = `document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber)
})`

/**
 * Open `path` of the site in a new page (1280×900 light unless told), recording errors, dialogs, API and CSP;
 * `requests` receives the URL of every request the page makes (any origin), from the first.
 */
export async function openPage(
  site: Pick<SiteHarness, 'baseUrl' | 'browser'>,
  path: string,
  options: { width?: number; height?: number; log?: PageLog; requests?: string[] } = {},
): Promise<OpenedPage> {
  const page = await site.browser.newPage({
    viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
    colorScheme: 'light',
  })
  const opened: OpenedPage = { page, errors: [], dialogs: [], api: [], csp: [] }
  await page.addInitScript(CSP_LISTENER)
  page.on('request', (r) => {
    options.requests?.push(r.url())
    const url = new URL(r.url())
    if (url.origin === site.baseUrl && url.pathname.startsWith('/api/')) {
      opened.api.push(url.pathname + url.search)
      options.log?.api.push(url.pathname + url.search)
    }
  })
  page.on('console', (m) => {
    if (m.type() === 'error') opened.errors.push(m.text())
    if (m.text().startsWith('CSP violation')) {
      opened.csp.push(`${path}: ${m.text()}`)
      options.log?.csp.push(`${path}: ${m.text()}`)
    }
  })
  page.on('pageerror', (e) => opened.errors.push(`pageerror: ${e.message}`))
  page.on('dialog', (d) => {
    opened.dialogs.push(`${d.type()}: ${d.message()}`)
    void d.dismiss()
  })
  await page.goto(`${site.baseUrl}${path}`, { waitUntil: 'load' })
  return opened
}

/** Save a screenshot of `page` as SCREENSHOT_DIR/`name`. */
export async function screenshot(page: Page, name: string, fullPage = false): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOT_DIR, name), fullPage })
}

/** The revision an API URL (path + query) pins, or null. */
export function pinnedRevision(url: string): string | null {
  return new URL(url, 'http://x').searchParams.get('revision')
}

/** A Content-Security-Policy header as a map from directive to its value. */
export function cspDirectives(header: string | null): Map<string, string> {
  const out = new Map<string, string>()
  for (const part of (header ?? '').split(';')) {
    const [name, ...value] = part.trim().split(/\s+/)
    if (name) out.set(name.toLowerCase(), value.join(' '))
  }
  return out
}

/** axe-core's browser bundle, read once, evaluated in the page (see `axeViolations`). */
let axeSource: string | undefined
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']

/**
 * axe-core's WCAG 2 A/AA violations on the page as it is now, one line each. axe is evaluated through the
 * DevTools protocol rather than `page.addScriptTag`: that inserts an inline `<script>`, which the page's own
 * Content-Security-Policy refuses, and the pages are audited with their CSP in force.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) {
    axeSource ??= readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8')
    await page.evaluate(axeSource)
  }
  return page.evaluate(async (values) => {
    interface AxeResult {
      violations: { id: string; help: string; nodes: { target: unknown[] }[] }[]
    }
    const axe = (window as unknown as { axe: { run(ctx: Document, o: unknown): Promise<AxeResult> } }).axe
    const result = await axe.run(document, { runOnly: { type: 'tag', values }, resultTypes: ['violations'] })
    return result.violations.map(
      (v) =>
        `${v.id} on ${v.nodes.length} node(s): ${v.help} — ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(' '))
          .join('; ')}`,
    )
  }, WCAG_TAGS)
}
