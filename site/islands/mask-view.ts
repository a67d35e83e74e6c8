/**
 * The training-mask view of the trace viewer (`/trace/<id>#mask`): every message marked trained or masked by
 * its role, as Qwen3's chat template labels the rendered conversation, and, for the traces the build tokenized
 * (`/masks/index.json`), the precomputed token counts per message and the tokens themselves, trained ones
 * highlighted. Every token piece goes into the DOM as text, never as HTML.
 */
import type { Trace } from '../../shared/types.ts'
import type { MaskMessage, TraceMask } from '../lib/tokens.ts'
import { TRACE_EXPORTS, traceExportLink } from './api.ts'
import { el, fmtInt, plural } from './dom.ts'

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
export function maskView(trace: Trace, id: string): HTMLElement {
  const api = `/api/trace/${encodeURIComponent(id)}`
  const exportsLine = el('span', {})
  TRACE_EXPORTS.forEach((x, i) => {
    if (i > 0) exportsLine.append(' · ')
    exportsLine.append(el('a', traceExportLink(api, x.format), x.label))
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
