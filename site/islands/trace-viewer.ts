/**
 * The trace viewer island (`/trace/<id>`): loads `GET /api/trace/:id` (pinned to the page's revision, api.ts)
 * and replays it. Step permalinks (`#step-7`) scroll to and highlight a step; `j` / `k` move between steps;
 * a raw/pretty toggle shows the original messages; the training-mask view (`#mask`) marks every message
 * trained or masked and, for the traces the build tokenized (`/masks/index.json`), shows token counts and
 * the tokens themselves. Every string from the trace (and every token piece) goes into the DOM as text,
 * never as HTML.
 *
 * Rendering a long trace stays smooth: the whole DOM is built off-document in one fragment and attached
 * once, the raw view is only built when first asked for, folded outputs keep their full text out of the DOM
 * until "Show all", and steps use `content-visibility: auto` (trace.css). The time from the start of the
 * build to the first layout is `performance.measure('trace-render')` and `window.__renderMs`.
 */
import type { Call, Message, Response, Step, Trace } from '../../shared/types.ts'
import type { MaskMessage, TraceMask } from '../lib/tokens.ts'
import { apiUrl } from './api.ts'
import { copyButton, el, fmtInt, problemOf, showProblem } from './dom.ts'

declare global {
  interface Window {
    /** Milliseconds the last trace took to build, attach and lay out (for the bench and the tests). */
    __renderMs?: number
  }
}

/** Export formats of `GET /api/trace/:id?format=`. */
const EXPORTS = [
  { format: 'openai', label: 'OpenAI messages' },
  { format: 'openai-raw', label: 'OpenAI (raw text)' },
  { format: 'sharegpt', label: 'ShareGPT' },
  { format: 'sts', label: 'Session-Trace (STS)' },
] as const

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

function plural(n: number, one: string, many = `${one}s`): string {
  return `${fmtInt(n)} ${n === 1 ? one : many}`
}

/** A `<pre>` of `text`, folded to its head with a "Show all" toggle when long. */
function foldedPre(text: string, className = 'out'): HTMLElement {
  const lines = text.split('\n')
  const long = lines.length > FOLD_LINES * FOLD_SLACK || text.length > FOLD_CHARS * FOLD_SLACK
  const pre = el('pre', { class: className })
  if (!long) {
    pre.textContent = text
    return pre
  }
  let head = lines.slice(0, FOLD_LINES).join('\n')
  if (head.length > FOLD_CHARS) head = head.slice(0, FOLD_CHARS)
  const hiddenLines = lines.length - head.split('\n').length
  const hiddenChars = text.length - head.length
  pre.textContent = `${head}…`
  const more = hiddenLines > 0 ? plural(hiddenLines, 'more line') : plural(hiddenChars, 'more character')
  const button = el(
    'button',
    { type: 'button', class: 'fold', 'aria-expanded': 'false' },
    `Show all (${more})`,
  )
  button.addEventListener('click', () => {
    const open = button.getAttribute('aria-expanded') === 'true'
    pre.textContent = open ? `${head}…` : text
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
    { class: 'step', id, tabindex: '-1', 'aria-labelledby': `${id}-title`, 'data-step': String(n) },
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
    article.append(el('details', { class: 'thought' }, summary, el('div', { class: 'text' }, thought)))
  })
  if (step.answer !== '') {
    article.append(
      el(
        'div',
        { class: step.calls.length > 0 ? 'answer is-aside' : 'answer' },
        el('div', { class: 'answer-label' }, step.calls.length > 0 ? 'Text beside the calls' : 'Answer'),
        el('div', { class: 'text' }, step.answer),
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
    { class: 'msg msg-human', 'aria-label': `User message ${index}` },
    el('div', { class: 'msg-role' }, 'User'),
    el('div', { class: 'text' }, message.value),
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

// ---- Training mask ---------------------------------------------------------------------------------

/** Role names as the mask view shows them (the dataset's role in parentheses). */
const ROLE_LABELS: Record<string, string> = {
  system: 'system',
  human: 'user (human)',
  gpt: 'assistant (gpt)',
  tool: 'tool',
  template: 'template text',
}

/** Characters of a message shown as its preview in the mask table. */
const PREVIEW_CHARS = 90

/** The viewer's reading of `/masks/index.json`, fetched at most once per page. */
let maskIndex: Promise<Set<string>> | null = null

function maskIds(): Promise<Set<string>> {
  maskIndex ??= fetch('/masks/index.json', { headers: { accept: 'application/json' } })
    .then(async (r) => {
      if (!r.ok) return new Set<string>()
      const body = (await r.json()) as { ids?: unknown }
      return new Set(
        Array.isArray(body.ids) ? body.ids.filter((x): x is string => typeof x === 'string') : [],
      )
    })
    .catch(() => new Set<string>())
  return maskIndex
}

/**
 * The precomputed mask of trace `id`: null when the build did not tokenize it (not in the index, or a 404),
 * throws on other failures.
 */
async function loadMask(id: string): Promise<TraceMask | null> {
  if (!(await maskIds()).has(id)) return null
  const response = await fetch(`/masks/${encodeURIComponent(id)}.json`, {
    headers: { accept: 'application/json' },
  })
  if (response.status === 404) return null
  if (!response.ok) throw new Error(`/masks/${id}.json answered ${response.status}`)
  return (await response.json()) as TraceMask
}

/** Role-based marking, as Qwen3's chat template labels the rendered conversation. */
function trainedByRole(from: string): boolean {
  return from === 'gpt'
}

function previewOf(text: string): string {
  // Only the head matters: long system prompts and tool outputs are not flattened whole.
  const flat = text
    .slice(0, PREVIEW_CHARS * 4)
    .replace(/\s+/g, ' ')
    .trim()
  return flat.length > PREVIEW_CHARS ? `${flat.slice(0, PREVIEW_CHARS)}…` : flat
}

function labelBadge(trained: boolean): HTMLElement {
  return el(
    'span',
    { class: `badge mask-badge ${trained ? 'is-trained' : 'is-masked'}` },
    trained ? 'trained' : 'masked',
  )
}

function maskRow(index: number, role: string, trained: boolean, preview: string): HTMLTableRowElement {
  return el(
    'tr',
    { 'data-message': String(index), 'data-role': role, 'data-label': trained ? 'trained' : 'masked' },
    el('td', { class: 'num' }, index >= 0 ? el('a', { href: `#message-${index}` }, String(index)) : '–'),
    el('td', {}, ROLE_LABELS[role] ?? role),
    el('td', {}, labelBadge(trained)),
    el('td', { class: 'num mask-tokens' }, '–'),
    el('td', { class: 'num mask-trained' }, '–'),
    el('td', { class: 'mask-preview' }, preview),
  )
}

function pctText(part: number, whole: number): string {
  if (whole <= 0) return '–'
  const v = (100 * part) / whole
  return `${v >= 10 ? v.toFixed(1) : v.toPrecision(2)}%`
}

/** The token text as shown: newlines and tabs get a visible marker before them. */
function visiblePiece(piece: string): string {
  return piece.replace(/\n/g, '↵\n').replace(/\t/g, '→\t')
}

/** Trained tokens of `mask` in `[a, b)`. */
function trainedIn(mask: TraceMask, a: number, b: number): number {
  let n = 0
  for (const [start, end, trained] of mask.mask) {
    if (trained) n += Math.max(0, Math.min(end, b) - Math.max(start, a))
  }
  return n
}

/** "… 10,043 tokens not listed (all masked) …" */
function gapText(mask: TraceMask, a: number, b: number): string {
  const trained = trainedIn(mask, a, b)
  const which =
    trained === 0 ? 'all masked' : trained === b - a ? 'all trained' : `${fmtInt(trained)} trained`
  return `… ${plural(b - a, 'token')} not listed (${which}) …`
}

/** One `<span>` per listed token, trained ones highlighted, with message labels and gap markers. */
function tokenView(mask: TraceMask): HTMLElement {
  // A scroll box: focusable, so the tokens can be scrolled by keyboard (WCAG 2.1.1).
  const box = el('div', {
    class: 'tokens',
    id: 'mask-tokens',
    tabindex: '0',
    role: 'region',
    'aria-labelledby': 'mask-tokens-title',
  })
  const frag = document.createDocumentFragment()
  let r = 0
  let seg = 0
  let lastMessage = Number.NaN
  let piece = 0
  let shown = 0
  for (const [w, [start, end]] of mask.windows.entries()) {
    if (start > shown) {
      frag.append(el('span', { class: 'tok-gap' }, `${w === 0 ? '' : '\n'}${gapText(mask, shown, start)}\n`))
    }
    for (let i = start; i < end; i++, piece++) {
      while (r < mask.mask.length && (mask.mask[r]?.[1] ?? 0) <= i) r++
      while (seg < mask.segments.length && (mask.segments[seg]?.[1] ?? 0) <= i) seg++
      const segment = mask.segments[seg]
      const message = segment ? segment[2] : -1
      if (message !== lastMessage) {
        lastMessage = message
        const role = mask.messages.find((m) => m.message === message)?.role ?? 'template'
        frag.append(
          el(
            'span',
            { class: 'tok-label' },
            message >= 0 ? `message ${message} · ${ROLE_LABELS[role] ?? role}` : 'template text',
          ),
        )
      }
      const trained = mask.mask[r]?.[2] === true
      const text = mask.tokens[piece] ?? ''
      const special = /^<\|[a-z_]+\|>$/.test(text)
      frag.append(
        el(
          'span',
          {
            class: `tok ${trained ? 'is-trained' : 'is-masked'}${special ? ' is-special' : ''}${text === '' ? ' is-cont' : ''}`,
            title: `token ${i}${segment ? ` · ${segment[3]}` : ''} · ${trained ? 'trained' : 'masked (-100)'}`,
          },
          visiblePiece(text),
        ),
      )
    }
    shown = end
  }
  if (shown < mask.total) {
    frag.append(el('span', { class: 'tok-gap' }, `\n${gapText(mask, shown, mask.total)}`))
  }
  box.append(frag)
  return box
}

function setCounts(tr: HTMLTableRowElement, m: MaskMessage): void {
  const tokens = tr.querySelector<HTMLElement>('.mask-tokens')
  const trained = tr.querySelector<HTMLElement>('.mask-trained')
  if (tokens) tokens.textContent = fmtInt(m.tokens)
  if (trained) trained.textContent = fmtInt(m.trainedTokens)
}

/** Fill the mask view's counts, totals and token list from a loaded mask. */
function showMask(view: HTMLElement, trace: Trace, mask: TraceMask): void {
  const totals = view.querySelector('#mask-totals') as HTMLElement
  const rows = view.querySelector('#mask-messages tbody') as HTMLElement
  const own = mask.messages.filter((m) => m.message >= 0)
  if (mask.id !== trace.id || own.length !== trace.messages.length) {
    totals.textContent =
      'The precomputed token counts do not match this trace (built from other data): only the role-based marking is shown.'
    return
  }
  const byMessage = new Map<number, MaskMessage>(mask.messages.map((m) => [m.message, m]))
  for (const tr of rows.querySelectorAll<HTMLTableRowElement>('tr[data-message]')) {
    const m = byMessage.get(Number(tr.dataset.message))
    if (!m) continue
    setCounts(tr, m)
    // The file's marking is the token-level truth; it agrees with the roles by construction.
    tr.dataset.label = m.trained ? 'trained' : 'masked'
    tr.children[2]?.replaceChildren(labelBadge(m.trained))
  }
  const template = byMessage.get(-1)
  if (template) {
    const tr = maskRow(-1, 'template', template.trained, 'Text of the chat template outside every message.')
    setCounts(tr, template)
    rows.prepend(tr)
  }
  totals.replaceChildren(
    el('strong', {}, `${fmtInt(mask.total)} tokens`),
    ` · ${fmtInt(mask.trainable)} trained (${pctText(mask.trainable, mask.total)} trainable share)`,
    ` · with the <think> blocks masked too: ${fmtInt(mask.trainableNoThink)} (${pctText(mask.trainableNoThink, mask.total)})`,
    el('span', { class: 'muted small' }, ` · ${mask.tokenizer}, whole conversation, no truncation`),
  )
  view.append(
    el('h3', { id: 'mask-tokens-title' }, 'Tokens'),
    el(
      'p',
      { class: 'mask-legend small' },
      el('span', { class: 'tok is-trained' }, 'trained'),
      ' ',
      el('span', { class: 'tok is-masked' }, 'masked'),
      ' · one box per token · ',
      el('span', { class: 'tok is-masked' }, '↵'),
      ' marks a newline. ',
      mask.note,
    ),
    tokenView(mask),
  )
}

/** The mask view: the rule, the per-message table, then (async) the precomputed counts and tokens. */
function maskView(trace: Trace, id: string): HTMLElement {
  const api = `/api/trace/${encodeURIComponent(id)}`
  const exportsLine = el('span', {})
  EXPORTS.forEach((x, i) => {
    if (i > 0) exportsLine.append(' · ')
    exportsLine.append(el('a', { href: apiUrl(api, { format: x.format }) }, x.label))
  })
  const rows = el('tbody')
  trace.messages.forEach((m, i) => {
    rows.append(maskRow(i, m.from, trainedByRole(m.from), previewOf(m.value)))
  })
  const totals = el(
    'p',
    { id: 'mask-totals', class: 'mask-totals', role: 'status' },
    'Looking for precomputed token counts…',
  )
  const view = el(
    'section',
    { class: 'mask-view', 'aria-labelledby': 'mask-title' },
    el('h2', { id: 'mask-title' }, 'Training mask'),
    el(
      'p',
      { class: 'mask-explain' },
      el('strong', {}, 'Trained'),
      ' tokens carry labels equal to their input ids and count in the fine-tuning loss; every other token is ',
      el('strong', {}, 'masked'),
      ' (label -100, ignored). Export formats: ',
      exportsLine,
      '; tokenized with these labels: ',
      el('code', {}, 'npm run export -- --tokenize'),
      '.',
    ),
    el(
      'p',
      { class: 'mask-rule small' },
      'Marked from the roles, as Qwen3’s chat template does: assistant (gpt) messages are trained (reasoning, answer text, tool calls and the closing <|im_end|>; not the <|im_start|>assistant header), system, user (human) and tool messages are masked.',
    ),
    totals,
    el(
      'div',
      { class: 'table-scroll' },
      el(
        'table',
        { id: 'mask-messages', class: 'mask-messages' },
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            el('th', { scope: 'col', class: 'num' }, 'Message'),
            el('th', { scope: 'col' }, 'Role'),
            el('th', { scope: 'col' }, 'Label'),
            el('th', { scope: 'col', class: 'num' }, 'Tokens'),
            el('th', { scope: 'col', class: 'num' }, 'Trained'),
            el('th', { scope: 'col' }, 'Starts with'),
          ),
        ),
        rows,
      ),
    ),
  )
  loadMask(id).then(
    (mask) => {
      if (mask) {
        showMask(view, trace, mask)
        view.dataset.mask = 'loaded'
        return
      }
      totals.replaceChildren(
        'No token-level mask was precomputed for this trace: the build tokenizes a few traces (',
        el('a', { href: '/#mask-traces-title' }, 'listed on the report'),
        '). The marking above follows from the roles; token counts for any row: ',
        el('code', {}, 'npm run export -- --tokenize'),
        '.',
      )
      view.dataset.mask = 'none'
    },
    (err: unknown) => {
      totals.textContent = `The precomputed token counts could not be loaded (${(err as Error).message}); the marking above follows from the roles.`
      view.dataset.mask = 'error'
    },
  )
  return view
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
  EXPORTS.forEach((x, i) => {
    if (i > 0) exports.append(' · ')
    exports.append(el('a', { href: apiUrl(api, { format: x.format }) }, x.label))
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
}
