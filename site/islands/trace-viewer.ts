/**
 * The trace viewer island (`/trace/<id>`): loads `GET /api/trace/:id` (pinned to the page's revision, api.ts)
 * and replays it. Step permalinks (`#step-7`) scroll to and highlight a step; `j` / `k` move between steps;
 * a raw/pretty toggle shows the original messages; the training-mask view (`#mask`, mask-view.ts) marks
 * every message trained or masked and, for the traces the build tokenized (`/masks/index.json`), shows token
 * counts and the tokens themselves. Opened from a search hit (`?q=<query>&m=<message>`), the query's matches are
 * marked in the text (trace-highlight.ts). Every string from the trace (and every token piece) goes into the DOM
 * as text, never as HTML.
 *
 * Rendering a long trace stays smooth: the whole DOM is built off-document in one fragment and attached
 * once, the raw view is only built when first asked for, folded outputs keep their full text out of the DOM
 * until "Show all", and steps use `content-visibility: auto` (trace.css). The time from the start of the
 * build to the first layout is `performance.measure('trace-render')` and `window.__renderMs`.
 */
import type { Call, Message, Response, Step, Trace } from '../../shared/types.ts'
import { apiUrl, TRACE_EXPORTS, traceExportLink } from './api.ts'
import { copyButton, el, plural, problemOf, showProblem } from './dom.ts'
import { maskView } from './mask-view.ts'
import { traceCompareBox } from './trace-compare.ts'
import {
  hitCount,
  hitTarget,
  paintHits,
  setHitTerms,
  showHits,
  traceHitFromSearch,
} from './trace-highlight.ts'

declare global {
  interface Window {
    /** Milliseconds the last trace took to build, attach and lay out (for the bench and the tests). */
    __renderMs?: number
  }
}

/** Outputs longer than this many lines or characters are folded behind "Show all"... */
const FOLD_LINES = 24
const FOLD_CHARS = 2400
/** ...unless folding would hide only a little. */
const FOLD_SLACK = 1.4
/** Tool-result fields longer than this as one line of JSON are pretty-printed instead. */
const ONE_LINE_MAX = 160

/** The trace id of the page: `/trace/<id>`, or `?id=` on `/trace/`. */
export function traceIdFromLocation(loc: Pick<Location, 'pathname' | 'search'>): string | null {
  const m = /^\/trace\/([^/]+)\/?$/.exec(loc.pathname)
  if (m?.[1] && m[1] !== 'index.html') {
    try {
      return decodeURIComponent(m[1])
    } catch {
      return m[1]
    }
  }
  return new URLSearchParams(loc.search).get('id')
}

function words(text: string): number {
  const m = text.match(/\S+/g)
  return m ? m.length : 0
}

/** A `<pre>` of `text`, folded to its head with a "Show all" toggle when long. */
function foldedPre(text: string, className = 'out'): HTMLElement {
  const lines = text.split('\n')
  const long = lines.length > FOLD_LINES * FOLD_SLACK || text.length > FOLD_CHARS * FOLD_SLACK
  const pre = el('pre', { class: className })
  if (!long) {
    pre.textContent = text
    return paintHits(pre)
  }
  let head = lines.slice(0, FOLD_LINES).join('\n')
  if (head.length > FOLD_CHARS) head = head.slice(0, FOLD_CHARS)
  const hiddenLines = lines.length - head.split('\n').length
  const hiddenChars = text.length - head.length
  pre.textContent = `${head}…`
  paintHits(pre)
  // Search matches only the folded part holds are counted on the button (and unfolded for a search hit).
  const hiddenHits = hitCount(text) - hitCount(head)
  const lengthMore =
    hiddenLines > 0 ? plural(hiddenLines, 'more line') : plural(hiddenChars, 'more character')
  const more = hiddenHits > 0 ? `${lengthMore}, ${plural(hiddenHits, 'match', 'matches')}` : lengthMore
  const button = el(
    'button',
    {
      type: 'button',
      class: 'fold',
      'aria-expanded': 'false',
      'data-hidden-hits': hiddenHits > 0 ? String(hiddenHits) : undefined,
    },
    `Show all (${more})`,
  )
  button.addEventListener('click', () => {
    const open = button.getAttribute('aria-expanded') === 'true'
    pre.textContent = open ? `${head}…` : text
    paintHits(pre)
    button.setAttribute('aria-expanded', String(!open))
    button.textContent = open ? `Show all (${more})` : 'Show less'
  })
  return el('div', { class: 'folded' }, pre, button)
}

function prettyJson(value: unknown): string {
  if (typeof value === 'string') return value
  try {
    return JSON.stringify(value, null, 2) ?? String(value)
  } catch {
    return String(value)
  }
}

/** JSON on one line with a space after `:` and `,` (like Python's json.dumps, as the dataset writes it). */
function oneLineJson(value: unknown): string {
  return (JSON.stringify(value, null, 1) ?? String(value)).replace(/\n\s*/g, ' ')
}

/**
 * An object's long or multi-line string fields (terminal output, file content, diffs) get their own text
 * block, readable instead of one JSON string full of `\n`; the other fields stay JSON, pretty-printed
 * (`pretty`, for call arguments) or on one line (tool results).
 */
function contentBlocks(content: unknown, className: string, pretty = false): HTMLElement {
  const box = el('div', { class: className })
  if (typeof content === 'string') {
    box.append(foldedPre(content))
    return box
  }
  if (content === null || typeof content !== 'object' || Array.isArray(content)) {
    box.append(foldedPre(prettyJson(content)))
    return box
  }
  const small: Record<string, unknown> = {}
  const big: [string, string][] = []
  for (const [key, value] of Object.entries(content)) {
    if (typeof value === 'string' && (value.length > 100 || value.includes('\n'))) big.push([key, value])
    else small[key] = value
  }
  if (Object.keys(small).length > 0 || big.length === 0) {
    const line = oneLineJson(small)
    const wide = pretty || line.length > ONE_LINE_MAX
    box.append(foldedPre(wide ? prettyJson(small) : line, wide ? 'out' : 'fields'))
  }
  for (const [key, value] of big) {
    box.append(el('div', { class: 'field-label' }, key), foldedPre(value))
  }
  return box
}

function responseBlock(response: Response | undefined, index: number): HTMLElement {
  if (!response) {
    return el(
      'div',
      { class: 'response is-missing' },
      el('p', { class: 'muted' }, 'No response for this call.'),
    )
  }
  const isError = response.error !== null
  const head = el(
    'div',
    { class: 'response-head' },
    el('span', { class: 'response-label' }, `Response ${index + 1}`),
    response.name ? el('code', {}, response.name) : null,
    response.toolCallId ? el('span', { class: 'muted small' }, response.toolCallId) : null,
    isError ? el('span', { class: 'badge badge-error' }, response.errorKind ?? 'error') : null,
    copyButton(() => prettyJson(response.content), 'Copy output'),
  )
  return el(
    'div',
    { class: isError ? 'response is-error' : 'response', 'data-error-kind': response.errorKind ?? undefined },
    head,
    isError ? el('p', { class: 'error-message' }, response.error ?? '') : null,
    contentBlocks(response.content, 'content'),
  )
}

function callBlock(
  call: Call,
  response: Response | undefined,
  index: number,
  toolset: Set<string>,
): HTMLElement {
  const unknown = !call.malformed && toolset.size > 0 && !toolset.has(call.name)
  const copied = call.malformed ? call.raw : prettyJson(call.arguments)
  return el(
    'li',
    { class: 'call' },
    el(
      'div',
      { class: 'call-head' },
      el('span', { class: 'muted small' }, `Call ${index + 1}`),
      el('code', { class: 'call-name' }, call.name),
      call.malformed ? el('span', { class: 'badge badge-error' }, 'malformed JSON') : null,
      unknown ? el('span', { class: 'badge badge-error' }, 'not in the toolset') : null,
      copyButton(() => copied, 'Copy arguments'),
    ),
    call.malformed ? foldedPre(call.raw, 'args') : contentBlocks(call.arguments, 'args', true),
    responseBlock(response, index),
  )
}

function stepBlock(step: Step, index: number, toolset: Set<string>): HTMLElement {
  const n = index + 1
  const id = `step-${n}`
  const failed = step.responses.filter((r) => r.error !== null).length
  const meta = [
    step.calls.length > 0 ? plural(step.calls.length, 'call') : 'answer',
    failed > 0 ? `${failed} failed` : null,
  ]
    .filter(Boolean)
    .join(' · ')
  const article = el(
    'article',
    {
      class: 'step',
      id,
      tabindex: '-1',
      'aria-labelledby': `${id}-title`,
      'data-step': String(n),
      'data-message': String(step.message),
    },
    el(
      'header',
      { class: 'step-head' },
      el('h2', { id: `${id}-title` }, el('a', { href: `#${id}`, class: 'permalink' }, `Step ${n}`)),
      el('span', { class: 'muted small' }, `${meta} · message ${step.message}`),
    ),
  )
  step.thoughts.forEach((thought, k) => {
    if (thought === '') {
      article.append(el('p', { class: 'muted small thought-empty' }, 'Empty reasoning block.'))
      return
    }
    const summary = el(
      'summary',
      {},
      el('span', { class: 'thought-label' }, step.thoughts.length > 1 ? `Reasoning ${k + 1}` : 'Reasoning'),
      el('span', { class: 'muted small' }, ` · ${plural(words(thought), 'word')}`),
    )
    article.append(
      el('details', { class: 'thought' }, summary, paintHits(el('div', { class: 'text' }, thought))),
    )
  })
  if (step.answer !== '') {
    article.append(
      el(
        'div',
        { class: step.calls.length > 0 ? 'answer is-aside' : 'answer' },
        el('div', { class: 'answer-label' }, step.calls.length > 0 ? 'Text beside the calls' : 'Answer'),
        paintHits(el('div', { class: 'text' }, step.answer)),
      ),
    )
  }
  if (step.calls.length > 0) {
    const list = el('ol', { class: 'calls' })
    step.calls.forEach((call, k) => {
      list.append(callBlock(call, step.responses[k], k, toolset))
    })
    article.append(list)
  }
  // Responses beyond the calls (a count mismatch in the row) are shown, not dropped.
  for (let k = step.calls.length; k < step.responses.length; k++) {
    article.append(
      el('p', { class: 'muted small' }, 'Response without a matching call:'),
      responseBlock(step.responses[k], k),
    )
  }
  return article
}

function humanBlock(message: Message, index: number): HTMLElement {
  return el(
    'section',
    { class: 'msg msg-human', 'aria-label': `User message ${index}`, 'data-message': String(index) },
    el('div', { class: 'msg-role' }, 'User'),
    paintHits(el('div', { class: 'text' }, message.value)),
  )
}

function systemBlock(message: Message): HTMLElement {
  const body = el('div')
  const details = el(
    'details',
    { class: 'msg msg-system' },
    el('summary', {}, `System prompt · ${plural(message.value.length, 'character')}`),
    body,
  )
  // Filled on first open: the system prompt repeats the whole toolset and is rarely read.
  details.addEventListener('toggle', () => {
    if (details.open && !body.firstChild) body.append(foldedPre(message.value))
  })
  return details
}

/** The pretty view: system prompt, then human messages and steps in conversation order. */
function prettyView(trace: Trace): DocumentFragment {
  const toolset = new Set(trace.tools.map((t) => t.name))
  const stepOf = new Map<number, [Step, number]>()
  trace.steps.forEach((s, i) => {
    stepOf.set(s.message, [s, i])
  })
  const frag = document.createDocumentFragment()
  trace.messages.forEach((m, i) => {
    if (m.from === 'system') frag.append(systemBlock(m))
    else if (m.from === 'human') frag.append(humanBlock(m, i))
    else if (m.from === 'gpt') {
      const found = stepOf.get(i)
      if (found) frag.append(stepBlock(found[0], found[1], toolset))
    } else if (m.from !== 'tool') {
      frag.append(
        el(
          'section',
          { class: 'msg' },
          el('div', { class: 'msg-role' }, `Role “${m.from}”`),
          foldedPre(m.value),
        ),
      )
    }
  })
  return frag
}

/** The raw view: every message exactly as stored. */
function rawView(trace: Trace): DocumentFragment {
  const frag = document.createDocumentFragment()
  trace.messages.forEach((m, i) => {
    frag.append(
      el(
        'section',
        { class: 'raw-msg', id: `message-${i}`, tabindex: '-1' },
        el(
          'div',
          { class: 'raw-head' },
          el('h2', {}, `Message ${i} · ${m.from}`),
          copyButton(() => m.value),
        ),
        foldedPre(m.value, 'raw'),
      ),
    )
  })
  return frag
}

function header(trace: Trace, id: string): HTMLElement {
  const s = trace.summary
  const api = `/api/trace/${encodeURIComponent(id)}`
  const facts: [string, Node | string][] = [
    ['Id', el('code', {}, trace.id)],
    ['Config', trace.config],
    ['Category', `${trace.category} / ${trace.subcategory}`],
    [
      'Dataset',
      el(
        'span',
        {},
        el('code', {}, trace.dataset),
        ' @ ',
        el('code', { title: trace.revision }, trace.revision.slice(0, 7)),
        trace.sample ? el('strong', {}, ' (generated sample, not the real dataset)') : '',
      ),
    ],
  ]
  const dl = el('dl', { class: 'kv' })
  for (const [k, v] of facts) dl.append(el('dt', {}, k), el('dd', {}, v))
  const numbers = [
    plural(s.messages, 'message'),
    plural(s.gptTurns, 'step'),
    plural(s.toolCalls, 'tool call'),
    plural(s.parallelTurns, 'parallel turn'),
    `${plural(s.toolErrors, 'failed call')}`,
    s.seedError ? 'tutorial heuristic: error' : 'tutorial heuristic: no error',
    plural(s.warnings, 'parse warning'),
  ]
  const exports = el('p', { class: 'exports' }, 'Export: ')
  TRACE_EXPORTS.forEach((x, i) => {
    if (i > 0) exports.append(' · ')
    exports.append(el('a', traceExportLink(api, x.format), x.label))
  })
  exports.append(' · ', el('a', { href: apiUrl(api) }, 'Replay JSON'))
  const toolset = el('ul', { class: 'toolset' })
  for (const t of trace.tools) {
    toolset.append(el('li', {}, el('code', {}, t.name), t.description ? ` — ${t.description}` : ''))
  }
  const head = el(
    'header',
    { class: 'trace-head' },
    el('p', { class: 'crumb' }, el('a', { href: '/traces/' }, 'All traces')),
    el('h1', { class: 'trace-task' }, trace.task || trace.id),
    dl,
    el('ul', { class: 'trace-numbers' }, ...numbers.map((n) => el('li', {}, n))),
    exports,
    el(
      'p',
      { class: 'copy-row' },
      copyButton(() => trace.id, 'Copy id'),
      ' ',
      copyButton(() => location.href.split('#')[0] ?? location.href, 'Copy link'),
    ),
    traceCompareBox(trace),
    el(
      'details',
      { class: 'toolset-details' },
      el('summary', {}, `Toolset · ${plural(trace.tools.length, 'tool')}`),
      toolset,
    ),
  )
  if (trace.warnings.length > 0) {
    const list = el('ul')
    for (const w of trace.warnings) {
      list.append(
        el('li', {}, el('code', {}, w.code), ` ${w.detail}`, w.message >= 0 ? ` (message ${w.message})` : ''),
      )
    }
    head.append(
      el(
        'details',
        { class: 'warnings' },
        el('summary', {}, plural(trace.warnings.length, 'parse warning')),
        list,
      ),
    )
  }
  return head
}

/** Start the island on the viewer page. */
export function startTraceViewer(): void {
  const loading = document.getElementById('trace-loading') as HTMLElement
  const problemBox = document.getElementById('trace-problem') as HTMLElement
  const root = document.getElementById('trace') as HTMLElement
  const id = traceIdFromLocation(location)
  if (!id) {
    loading.hidden = true
    showProblem(
      problemBox,
      {
        title: 'No trace id',
        status: 400,
        detail: 'Open a trace from the list: its address is /trace/<id>.',
      },
      el('a', { href: '/traces/' }, 'Browse the traces'),
    )
    return
  }
  void load(id, loading, problemBox, root)
}

async function load(
  id: string,
  loading: HTMLElement,
  problemBox: HTMLElement,
  root: HTMLElement,
): Promise<void> {
  let trace: Trace
  try {
    const response = await fetch(apiUrl(`/api/trace/${encodeURIComponent(id)}`), {
      headers: { accept: 'application/json' },
    })
    if (!response.ok) {
      const problem = await problemOf(response)
      loading.hidden = true
      showProblem(problemBox, problem, el('a', { href: '/traces/' }, 'Browse the traces'))
      document.title = `${problem.title} · Hermes Trace Explorer`
      return
    }
    trace = (await response.json()) as Trace
  } catch (err) {
    loading.hidden = true
    showProblem(problemBox, { title: 'Network error', status: 0, detail: (err as Error).message })
    return
  }
  render(trace, id, loading, root)
}

function render(trace: Trace, id: string, loading: HTMLElement, root: HTMLElement): void {
  // Opened from a search hit (`?q=`): every text block built below marks the query's matches.
  const hit = traceHitFromSearch(location.search)
  setHitTerms(hit?.terms ?? null)
  performance.mark('trace-render-start')
  const t0 = performance.now()
  const frag = document.createDocumentFragment()
  frag.append(header(trace, id))
  const rawButton = el(
    'button',
    { type: 'button', 'aria-pressed': 'false', id: 'raw-toggle' },
    'Raw messages',
  )
  const maskButton = el(
    'button',
    { type: 'button', 'aria-pressed': 'false', id: 'mask-toggle' },
    'Training mask',
  )
  const expandButton = el('button', { type: 'button', id: 'expand-reasoning' }, 'Expand all reasoning')
  frag.append(
    el(
      'div',
      { class: 'trace-toolbar', role: 'toolbar', 'aria-label': 'View' },
      rawButton,
      maskButton,
      expandButton,
      el(
        'span',
        { class: 'muted small keys' },
        el('kbd', {}, 'j'),
        ' / ',
        el('kbd', {}, 'k'),
        ' next / previous step',
      ),
    ),
  )
  const pretty = el('div', { id: 'trace-content', class: 'trace-content' })
  pretty.append(prettyView(trace))
  const raw = el('div', { id: 'trace-raw', class: 'trace-content', hidden: true })
  const maskBox = el('div', { id: 'trace-mask', class: 'trace-content', hidden: true })
  frag.append(pretty, raw, maskBox)
  root.replaceChildren(frag)
  root.hidden = false
  loading.hidden = true
  document.title = `${trace.task || trace.id} · Trace · Hermes Trace Explorer`
  void root.offsetHeight // the first layout belongs to the render time
  window.__renderMs = performance.now() - t0
  performance.mark('trace-render-end')
  performance.measure('trace-render', 'trace-render-start', 'trace-render-end')

  const steps = Array.from(pretty.querySelectorAll<HTMLElement>('article.step'))
  let current = -1
  let mode: 'pretty' | 'raw' | 'mask' = 'pretty'

  const targets = (): HTMLElement[] =>
    mode === 'raw'
      ? Array.from(raw.querySelectorAll<HTMLElement>('section.raw-msg'))
      : mode === 'pretty'
        ? steps
        : []

  const select = (index: number, options: { updateHash: boolean }) => {
    const list = targets()
    const target = list[index]
    if (!target) return
    for (const s of root.querySelectorAll('.is-current')) s.classList.remove('is-current')
    target.classList.add('is-current')
    current = index
    target.scrollIntoView({ block: 'start' })
    target.focus({ preventScroll: true })
    if (options.updateHash) history.replaceState(null, '', `#${target.id}`)
  }

  /** Index of the first target whose top is at or below the top of the viewport. */
  const firstVisible = (): number => {
    const list = targets()
    const i = list.findIndex((t) => t.getBoundingClientRect().top >= -1)
    return i < 0 ? list.length - 1 : i
  }

  const fromHash = () => {
    if (location.hash === '#mask') {
      setMode('mask')
      return
    }
    const m = /^#(step|message)-(\d+)$/.exec(location.hash)
    if (!m) return
    const n = Number(m[2])
    if (m[1] === 'step') {
      if (mode !== 'pretty') setMode('pretty')
      select(n - 1, { updateHash: false })
    } else {
      if (mode !== 'raw') setMode('raw')
      select(n, { updateHash: false })
    }
  }

  const setMode = (next: typeof mode) => {
    mode = next
    if (next === 'raw' && !raw.firstChild) raw.append(rawView(trace))
    // Built on first use: the mask view fetches /masks/index.json (and the trace's mask when listed).
    if (next === 'mask' && !maskBox.firstChild) maskBox.append(maskView(trace, id))
    raw.hidden = next !== 'raw'
    maskBox.hidden = next !== 'mask'
    pretty.hidden = next !== 'pretty'
    expandButton.hidden = next !== 'pretty'
    rawButton.setAttribute('aria-pressed', String(next === 'raw'))
    maskButton.setAttribute('aria-pressed', String(next === 'mask'))
    current = -1
  }

  /** Leave `#mask` out of the address when the mask view closes (and put it in when it opens). */
  const maskHash = (on: boolean) => {
    if (on) history.replaceState(null, '', '#mask')
    else if (location.hash === '#mask') history.replaceState(null, '', location.pathname + location.search)
  }

  rawButton.addEventListener('click', () => {
    setMode(mode === 'raw' ? 'pretty' : 'raw')
    maskHash(false)
  })
  maskButton.addEventListener('click', () => {
    const on = mode !== 'mask'
    setMode(on ? 'mask' : 'pretty')
    maskHash(on)
  })
  expandButton.addEventListener('click', () => {
    const all = Array.from(pretty.querySelectorAll<HTMLDetailsElement>('details.thought'))
    const open = !all.every((d) => d.open)
    for (const d of all) d.open = open
    expandButton.textContent = open ? 'Collapse all reasoning' : 'Expand all reasoning'
  })
  window.addEventListener('hashchange', fromHash)
  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return
    if (event.key !== 'j' && event.key !== 'k') return
    const t = event.target as HTMLElement | null
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return
    const list = targets()
    if (list.length === 0) return
    event.preventDefault()
    let next: number
    if (current < 0) {
      const v = firstVisible()
      next = event.key === 'j' ? v : Math.max(0, v - 1)
    } else {
      next = event.key === 'j' ? Math.min(list.length - 1, current + 1) : Math.max(0, current - 1)
    }
    select(next, { updateHash: true })
  })
  fromHash()
  if (hit) {
    const toolbar = root.querySelector<HTMLElement>('.trace-toolbar')
    const target = root.querySelector<HTMLElement>('.is-current') ?? hitTarget(pretty, hit.message)
    const view = () => (mode === 'raw' ? raw : mode === 'pretty' ? pretty : null)
    if (toolbar) showHits(hit, root, toolbar, target, view)
  }
}
