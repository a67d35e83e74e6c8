/**
 * The trace comparison island (`/compare/trace/?a=<id>&b=<id>`): loads `GET /api/compare` (pinned to the page's
 * revision, api.ts) and renders a differences table, then one row per aligned step with trace A's step on the left
 * and trace B's on the right (an empty cell where one side has no step). `j` / `k` (or the arrow keys once a row
 * has focus) move between rows; the current row is `#row-N` in the address, so a position is shareable too.
 * Every string from the traces goes into the DOM as text, never as HTML.
 *
 * The time from the answer's arrival (parsed) to the first layout of the rendered comparison is
 * `performance.measure('compare-render')` and `window.__compareRenderMs`.
 */
import type {
  AlignedStep,
  AlignKind,
  CompareCall,
  ComparePair,
  CompareStep,
  CompareTraceHeader,
  Comparison,
} from '../../shared/types.ts'
import { apiUrl } from './api.ts'
import { byId, el, fmtInt, plural, problemOf, showProblem } from './dom.ts'

declare global {
  interface Window {
    /** Milliseconds the last comparison took from parsed answer to laid-out DOM (tests, bench). */
    __compareRenderMs?: number
  }
}

/** The two ids of the page: `?a=` and `?b=`, trimmed; null when absent or empty. */
export function compareIdsFromSearch(search: string): { a: string | null; b: string | null } {
  const q = new URLSearchParams(search)
  const get = (k: string) => q.get(k)?.trim() || null
  return { a: get('a'), b: get('b') }
}

/** Address of a trace's own page, at a step when given. */
function traceHref(id: string, step?: number): string {
  return `/trace/${encodeURIComponent(id)}${step ? `#step-${step}` : ''}`
}

const KIND_LABEL: Record<AlignKind, string> = {
  same: 'same tools',
  similar: 'similar tools',
  different: 'different tools',
  'a-only': 'only in A',
  'b-only': 'only in B',
}

function signed(n: number): string {
  return n > 0 ? `+${fmtInt(n)}` : n < 0 ? `−${fmtInt(-n)}` : '0'
}

/** A differences-table row: label, A, B, B − A. */
function diffRow(metric: string, label: Node | string, pair: ComparePair): HTMLTableRowElement {
  const delta = pair.b - pair.a
  return el(
    'tr',
    { 'data-metric': metric, class: delta === 0 ? 'is-equal' : undefined },
    el('th', { scope: 'row' }, label),
    el('td', { class: 'num', 'data-side': 'a' }, fmtInt(pair.a)),
    el('td', { class: 'num', 'data-side': 'b' }, fmtInt(pair.b)),
    el('td', { class: 'num', 'data-side': 'delta' }, signed(delta)),
  )
}

function sideHeader(label: 'A' | 'B', h: CompareTraceHeader): HTMLElement {
  return el(
    'section',
    { class: `cmp-trace side-${label.toLowerCase()}`, 'aria-label': `Trace ${label}` },
    el('p', { class: 'cmp-side-label' }, `Trace ${label}`),
    el('h2', { class: 'cmp-task' }, h.task || h.id),
    el(
      'p',
      { class: 'muted small' },
      `${h.config} · ${h.category} / ${h.subcategory} · `,
      el('a', { href: traceHref(h.id), class: 'cmp-trace-link' }, el('code', {}, h.id)),
    ),
    el(
      'p',
      { class: 'small' },
      [
        plural(h.summary.gptTurns, 'step'),
        plural(h.summary.toolCalls, 'tool call'),
        plural(h.summary.toolErrors, 'failed call'),
        plural(h.summary.messages, 'message'),
      ].join(' · '),
    ),
  )
}

function summaryTable(c: Comparison): HTMLElement {
  const s = c.summary
  const body = el(
    'tbody',
    {},
    diffRow('steps', 'Steps', s.steps),
    diffRow('calls', 'Tool calls', s.calls),
    diffRow('failures', 'Failed calls', s.failures),
    diffRow('thinkChars', 'Reasoning (characters)', s.thinkChars),
    diffRow('answerChars', 'Answer text (characters)', s.answerChars),
    diffRow('finalAnswerChars', 'Final answer (characters)', s.finalAnswerChars),
  )
  for (const t of s.callsPerTool) {
    body.append(diffRow(`tool:${t.tool}`, el('span', {}, 'Calls to ', el('code', {}, t.tool)), t))
  }
  for (const k of s.failuresByKind) {
    body.append(diffRow(`kind:${k.kind}`, el('span', {}, 'Failures: ', el('code', {}, k.kind)), k))
  }
  return el(
    'div',
    { class: 'table-scroll' },
    el(
      'table',
      { class: 'cmp-summary', id: 'compare-summary' },
      el(
        'caption',
        {},
        'Characters are Unicode code points (the traces carry no token counts). The final answer is the last step’s text when that step calls no tool.',
      ),
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', { scope: 'col' }, 'Measure'),
          el('th', { scope: 'col', class: 'num' }, 'A'),
          el('th', { scope: 'col', class: 'num' }, 'B'),
          el('th', { scope: 'col', class: 'num' }, 'B − A'),
        ),
      ),
      body,
    ),
  )
}

function callItem(call: CompareCall): HTMLLIElement {
  const failed = call.outcome !== 'ok'
  return el(
    'li',
    { class: failed ? 'cmp-call is-failed' : 'cmp-call', 'data-outcome': call.outcome },
    el('code', { class: 'cmp-call-name' }, call.name),
    ' ',
    failed
      ? el('span', { class: 'badge badge-error' }, `failed: ${call.outcome}`)
      : el('span', { class: 'cmp-ok' }, 'ok'),
    call.preview ? el('span', { class: 'cmp-preview' }, call.preview) : null,
  )
}

function stepCell(side: 'a' | 'b', id: string, step: CompareStep | null): HTMLElement {
  const label = side.toUpperCase()
  if (!step) {
    return el(
      'div',
      { class: `cmp-cell side-${side} is-empty`, 'data-side': side },
      el('span', { class: 'cmp-cell-side' }, label),
      el('p', { class: 'muted small' }, `No step of ${label} here.`),
    )
  }
  const facts = [
    step.calls.length > 0 ? plural(step.calls.length, 'call') : 'answer',
    step.failures > 0 ? `${fmtInt(step.failures)} failed` : null,
    `reasoning ${plural(step.thinkChars, 'char')}`,
    `answer ${plural(step.answerChars, 'char')}`,
  ].filter(Boolean)
  const cell = el(
    'div',
    {
      class: step.failures > 0 ? `cmp-cell side-${side} has-failure` : `cmp-cell side-${side}`,
      'data-side': side,
      'data-step': String(step.step),
    },
    el(
      'div',
      { class: 'cmp-cell-head' },
      el('span', { class: 'cmp-cell-side' }, label),
      el('a', { href: traceHref(id, step.step), class: 'cmp-step-link' }, `Step ${step.step}`),
      el('span', { class: 'muted small' }, facts.join(' · ')),
    ),
  )
  if (step.calls.length > 0) {
    const list = el('ul', { class: 'cmp-calls' })
    for (const call of step.calls) list.append(callItem(call))
    cell.append(list)
  }
  return cell
}

function alignedRow(row: AlignedStep, n: number, c: Comparison): HTMLLIElement {
  return el(
    'li',
    {
      class: `cmp-row kind-${row.kind}`,
      id: `row-${n}`,
      tabindex: '-1',
      'data-kind': row.kind,
      'aria-label': `Row ${n}: ${KIND_LABEL[row.kind]}`,
    },
    stepCell('a', c.a.id, row.a),
    stepCell('b', c.b.id, row.b),
  )
}

function legend(c: Comparison): HTMLElement {
  const p = el('p', { class: 'cmp-legend small' }, `${plural(c.steps.length, 'aligned row')}: `)
  const kinds = Object.keys(KIND_LABEL) as AlignKind[]
  kinds.forEach((k, i) => {
    if (i > 0) p.append(' · ')
    p.append(
      el('span', { class: `cmp-kind kind-${k}` }, `${fmtInt(c.summary.alignment[k])} ${KIND_LABEL[k]}`),
    )
  })
  return p
}

/** The whole comparison, built off-document. */
function comparisonView(c: Comparison): DocumentFragment {
  const frag = document.createDocumentFragment()
  const swap = new URLSearchParams({ a: c.b.id, b: c.a.id })
  frag.append(
    el('div', { class: 'cmp-traces' }, sideHeader('A', c.a), sideHeader('B', c.b)),
    el(
      'p',
      { class: 'small cmp-links' },
      el('a', { href: `/compare/trace/?${swap}` }, 'Swap A and B'),
      c.sample ? el('strong', {}, ' · Generated sample, not the real dataset.') : '',
    ),
    el('h2', { id: 'differences' }, 'Differences'),
    summaryTable(c),
    el('h2', { id: 'steps' }, 'Steps side by side'),
    legend(c),
    el(
      'p',
      { class: 'muted small' },
      'Steps are aligned by the tools they call (a sequence alignment, not step numbers). ',
      el('kbd', {}, 'j'),
      ' / ',
      el('kbd', {}, 'k'),
      ' next / previous row.',
    ),
  )
  const list = el('ol', { class: 'cmp-rows', id: 'compare-rows' })
  c.steps.forEach((row, i) => {
    list.append(alignedRow(row, i + 1, c))
  })
  frag.append(list)
  return frag
}

interface Elements {
  form: HTMLFormElement
  loading: HTMLElement
  problem: HTMLElement
  root: HTMLElement
}

/** Start the island on the comparison page. */
export function startCompareTrace(): void {
  const els: Elements = {
    form: byId<HTMLFormElement>('compare-form'),
    loading: byId('compare-loading'),
    problem: byId('compare-problem'),
    root: byId('compare'),
  }
  const { a, b } = compareIdsFromSearch(location.search)
  const inputA = els.form.elements.namedItem('a') as HTMLInputElement
  const inputB = els.form.elements.namedItem('b') as HTMLInputElement
  inputA.value = a ?? ''
  inputB.value = b ?? ''
  if (!a || !b) return
  void load(a, b, els)
}

async function load(a: string, b: string, els: Elements): Promise<void> {
  els.loading.hidden = false
  let comparison: Comparison
  try {
    const response = await fetch(apiUrl('/api/compare', { a, b }), {
      headers: { accept: 'application/json' },
    })
    if (!response.ok) {
      const problem = await problemOf(response)
      els.loading.hidden = true
      showProblem(els.problem, problem, el('a', { href: '/traces/' }, 'Browse the traces'))
      document.title = `${problem.title} · Hermes Trace Explorer`
      return
    }
    comparison = (await response.json()) as Comparison
  } catch (err) {
    els.loading.hidden = true
    showProblem(els.problem, { title: 'Network error', status: 0, detail: (err as Error).message })
    return
  }
  render(comparison, els)
}

function render(c: Comparison, els: Elements): void {
  performance.mark('compare-render-start')
  const t0 = performance.now()
  els.root.replaceChildren(comparisonView(c))
  els.root.hidden = false
  els.loading.hidden = true
  document.title = `Compare ${c.a.task || c.a.id} · Hermes Trace Explorer`
  void els.root.offsetHeight // the first layout belongs to the render time
  window.__compareRenderMs = performance.now() - t0
  performance.mark('compare-render-end')
  performance.measure('compare-render', 'compare-render-start', 'compare-render-end')
  navigation(els.root)
}

/** j/k (and arrows once a row has focus) move between rows; `#row-N` in the address selects one. */
function navigation(root: HTMLElement): void {
  const rows = Array.from(root.querySelectorAll<HTMLElement>('li.cmp-row'))
  let current = -1
  const select = (index: number, updateHash: boolean) => {
    const row = rows[index]
    if (!row) return
    rows[current]?.classList.remove('is-current')
    row.classList.add('is-current')
    current = index
    row.scrollIntoView({ block: 'nearest' })
    row.focus({ preventScroll: true })
    if (updateHash) history.replaceState(null, '', `${location.pathname}${location.search}#${row.id}`)
  }
  const fromHash = () => {
    const m = /^#row-(\d+)$/.exec(location.hash)
    if (m) select(Number(m[1]) - 1, false)
  }
  window.addEventListener('hashchange', fromHash)
  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return
    const t = event.target as HTMLElement | null
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(t.tagName))) return
    const onRow = t?.classList.contains('cmp-row') ?? false
    const down = event.key === 'j' || (onRow && event.key === 'ArrowDown')
    const up = event.key === 'k' || (onRow && event.key === 'ArrowUp')
    if (!down && !up) return
    if (rows.length === 0) return
    event.preventDefault()
    if (current < 0) {
      const first = rows.findIndex((r) => r.getBoundingClientRect().top >= -1)
      select(first < 0 ? rows.length - 1 : first, true)
      return
    }
    select(down ? Math.min(rows.length - 1, current + 1) : Math.max(0, current - 1), true)
  })
  fromHash()
}
