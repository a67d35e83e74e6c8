/**
 * The drill-down list island (`/traces/`): a filter form over `GET /api/traces`, paging, and the state in the
 * URL query, so every view is shareable and back/forward work. Requests pin the page's revision (api.ts). While the API is still computing row
 * summaries (`complete: false`), it says how far it got and polls until done.
 */
import type { TraceSummary } from '../../shared/types.ts'
import { apiUrl } from './api.ts'
import { byId, el, fmtInt, problemOf, showProblem } from './dom.ts'

/** `GET /api/traces` answer. */
interface TracesPage {
  dataset: string
  revision: string
  sample: boolean
  complete: boolean
  rows: number
  rowsTotal: number
  total: number
  offset: number
  limit: number
  items: TraceSummary[]
}

/** Query parameters the form edits (the `/api/traces` filters). */
const FILTERS = [
  'config',
  'category',
  'subcategory',
  'tool',
  'error',
  'q',
  'minMessages',
  'maxMessages',
  'minCalls',
  'maxCalls',
  'minParallel',
] as const

const PAGE_SIZE = 25
/** Re-ask while the API is still counting, at most this long. */
const POLL_MS = 2000
const POLL_FOR_MS = 5 * 60_000

interface Elements {
  form: HTMLFormElement
  results: HTMLElement
  status: HTMLElement
  coverage: HTMLElement
  problem: HTMLElement
  prev: HTMLButtonElement
  next: HTMLButtonElement
  pageInfo: HTMLElement
  subcategory: HTMLSelectElement
  category: HTMLSelectElement
}

/** The view's parameters from a query string: known filters with a value, plus offset and limit. */
export function viewParams(search: string): URLSearchParams {
  const from = new URLSearchParams(search)
  const out = new URLSearchParams()
  for (const key of FILTERS) {
    const v = from.get(key)?.trim()
    if (v) out.set(key, v)
  }
  const offset = Number(from.get('offset'))
  if (Number.isInteger(offset) && offset > 0) out.set('offset', String(offset))
  const limit = Number(from.get('limit'))
  if (Number.isInteger(limit) && limit > 0 && limit <= 100) out.set('limit', String(limit))
  return out
}

function limitOf(params: URLSearchParams): number {
  return Number(params.get('limit')) || PAGE_SIZE
}

/** Put the view's values in the form; a value the options lack (an old link) gets its own option. */
function fillForm(e: Elements, params: URLSearchParams): void {
  for (const key of FILTERS) {
    const field = e.form.elements.namedItem(key)
    if (!(field instanceof HTMLInputElement || field instanceof HTMLSelectElement)) continue
    const value = params.get(key) ?? ''
    if (
      field instanceof HTMLSelectElement &&
      value &&
      !Array.from(field.options).some((o) => o.value === value)
    ) {
      field.append(el('option', { value }, value))
    }
    field.value = value
  }
  filterSubcategories(e)
}

/** Show only the subcategories of the chosen category. */
function filterSubcategories(e: Elements): void {
  const category = e.category.value
  for (const option of Array.from(e.subcategory.options)) {
    const of = option.dataset.category
    option.hidden = Boolean(category && of !== undefined && of !== category)
  }
  const chosen = e.subcategory.selectedOptions[0]
  if (chosen?.hidden) e.subcategory.value = ''
}

function formParams(e: Elements, current: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams()
  const data = new FormData(e.form)
  for (const key of FILTERS) {
    const v = data.get(key)
    if (typeof v === 'string' && v.trim()) out.set(key, v.trim())
  }
  const limit = current.get('limit')
  if (limit) out.set('limit', limit)
  return out
}

function describeFilters(params: URLSearchParams): string {
  const parts: string[] = []
  for (const key of FILTERS) {
    const v = params.get(key)
    if (v) parts.push(`${key} = ${v}`)
  }
  return parts.length ? parts.join(', ') : 'no filter'
}

function errorCell(s: TraceSummary): HTMLTableCellElement {
  const td = el('td', { class: 'num' })
  if (s.toolErrors > 0) {
    const kinds = Object.entries(s.errorKinds)
      .map(([k, n]) => `${k} × ${n}`)
      .join(', ')
    td.append(el('span', { class: 'badge badge-error', title: kinds }, `${s.toolErrors} failed`))
  } else {
    td.append('0')
  }
  return td
}

function table(items: TraceSummary[], caption: string): HTMLTableElement {
  const head = el(
    'tr',
    {},
    el('th', { scope: 'col' }, 'Task'),
    el('th', { scope: 'col' }, 'Config'),
    el('th', { scope: 'col' }, 'Category'),
    el('th', { scope: 'col', class: 'num' }, 'Messages'),
    el('th', { scope: 'col', class: 'num' }, 'Calls'),
    el('th', { scope: 'col', class: 'num' }, 'Errors'),
  )
  const body = el('tbody')
  for (const s of items) {
    body.append(
      el(
        'tr',
        { 'data-id': s.id },
        el('td', { class: 'task' }, el('a', { href: `/trace/${encodeURIComponent(s.id)}` }, s.task || s.id)),
        el('td', {}, s.config),
        el('td', {}, s.category, el('br'), el('span', { class: 'muted small' }, s.subcategory)),
        el('td', { class: 'num' }, String(s.messages)),
        el('td', { class: 'num' }, String(s.toolCalls)),
        errorCell(s),
      ),
    )
  }
  return el(
    'table',
    { class: 'results' },
    el('caption', { class: 'visually-hidden' }, caption),
    el('thead', {}, head),
    body,
  )
}

/** Start the island on the `/traces/` page. */
export function startTracesList(): void {
  const e: Elements = {
    form: byId('filters'),
    results: byId('results'),
    status: byId('status'),
    coverage: byId('coverage'),
    problem: byId('problem'),
    prev: byId('prev'),
    next: byId('next'),
    pageInfo: byId('page-info'),
    subcategory: byId('f-subcategory'),
    category: byId('f-category'),
  }
  let params = viewParams(location.search)
  let controller: AbortController | null = null
  let pollTimer: ReturnType<typeof setTimeout> | undefined
  let pollUntil = 0
  let last: TracesPage | null = null

  const load = async (poll = false) => {
    controller?.abort()
    clearTimeout(pollTimer)
    const mine = new AbortController()
    controller = mine
    if (!poll) pollUntil = Date.now() + POLL_FOR_MS
    const query = new URLSearchParams(params)
    query.set('limit', String(limitOf(params)))
    e.results.setAttribute('aria-busy', 'true')
    if (!poll) e.status.textContent = 'Loading…'
    try {
      const response = await fetch(apiUrl('/api/traces', query), {
        signal: mine.signal,
        headers: { accept: 'application/json' },
      })
      if (!response.ok) {
        const problem = await problemOf(response)
        if (mine.signal.aborted) return
        showProblem(e.problem, problem, 'Change the filters and apply them again.')
        e.status.textContent = ''
        e.results.replaceChildren()
        e.coverage.hidden = true
        last = null
        updatePager()
        if (problem.status >= 500 && Date.now() < pollUntil)
          pollTimer = setTimeout(() => load(true), POLL_MS * 2)
        return
      }
      const page = (await response.json()) as TracesPage
      if (mine.signal.aborted) return
      e.problem.hidden = true
      render(page)
      if (!page.complete && Date.now() < pollUntil) pollTimer = setTimeout(() => load(true), POLL_MS)
    } catch (err) {
      if ((err as Error).name === 'AbortError') return
      showProblem(e.problem, { title: 'Network error', status: 0, detail: (err as Error).message })
      e.status.textContent = ''
    } finally {
      if (controller === mine) e.results.setAttribute('aria-busy', 'false')
    }
  }

  const render = (page: TracesPage) => {
    last = page
    // The view this table shows (tests and scripts wait for it to match the URL).
    e.results.dataset.view = params.toString()
    if (page.complete) {
      e.coverage.hidden = true
    } else {
      e.coverage.textContent = `Still computing row summaries: counted ${fmtInt(page.rows)} of ${fmtInt(page.rowsTotal)} rows so far. The list updates by itself.`
      e.coverage.hidden = false
    }
    const first = page.total === 0 ? 0 : page.offset + 1
    const lastRow = Math.min(page.offset + page.items.length, page.total)
    const filters = describeFilters(params)
    const sofar = page.complete ? '' : ' so far'
    e.status.textContent =
      page.total === 0
        ? `No rows match${sofar} (${filters}).`
        : `Rows ${fmtInt(first)}–${fmtInt(lastRow)} of ${fmtInt(page.total)} matching${sofar} (${filters}).`
    if (page.items.length === 0) {
      e.results.replaceChildren(
        page.total > 0
          ? el('p', {}, 'This page is past the last row. ', el('a', { href: '/traces/' }, 'Start over'))
          : '',
      )
    } else {
      e.results.replaceChildren(el('div', { class: 'table-scroll' }, table(page.items, e.status.textContent)))
    }
    updatePager()
  }

  const updatePager = () => {
    const limit = limitOf(params)
    const offset = Number(params.get('offset')) || 0
    e.prev.disabled = offset <= 0
    e.next.disabled = !last || offset + limit >= last.total
    if (last && last.total > 0) {
      const pages = Math.max(1, Math.ceil(last.total / limit))
      e.pageInfo.textContent = `Page ${Math.floor(offset / limit) + 1} of ${pages}`
    } else {
      e.pageInfo.textContent = ''
    }
  }

  /** Go to a view: record it in the history (push), show it, load it. */
  const go = (next: URLSearchParams) => {
    params = next
    const query = params.toString()
    history.pushState(null, '', query ? `/traces/?${query}` : '/traces/')
    fillForm(e, params)
    void load()
  }

  e.form.addEventListener('submit', (event) => {
    event.preventDefault()
    go(formParams(e, params))
  })
  e.form.addEventListener('reset', (event) => {
    event.preventDefault()
    go(new URLSearchParams())
  })
  e.category.addEventListener('change', () => filterSubcategories(e))
  e.prev.addEventListener('click', () => {
    const next = new URLSearchParams(params)
    const offset = Math.max(0, (Number(params.get('offset')) || 0) - limitOf(params))
    if (offset > 0) next.set('offset', String(offset))
    else next.delete('offset')
    go(next)
  })
  e.next.addEventListener('click', () => {
    const next = new URLSearchParams(params)
    next.set('offset', String((Number(params.get('offset')) || 0) + limitOf(params)))
    go(next)
  })
  window.addEventListener('popstate', () => {
    params = viewParams(location.search)
    fillForm(e, params)
    void load()
  })

  fillForm(e, params)
  void load()
}
