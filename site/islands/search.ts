/**
 * The search island (`/search/`): a query box and filters over `GET /api/search`, with the view in the URL
 * (`/search/?q=nginx&role=think,call&config=kimi`), so links restore it and back/forward work; requests pin
 * the page's revision (api.ts). Hits list the trace, config, role, step and a snippet whose matched parts are
 * `<mark>` nodes built from the API's `marks` (snippets are trace text: untrusted, text nodes only); each links
 * to the trace viewer at the hit's step with the query highlighted. "More results" follows the `next` cursor.
 * While the index is still being built the API answers 503 with Retry-After: the page says so, counts down and
 * asks again by itself; an incomplete answer (`complete: false`) is shown and refreshed the same way.
 */
import { apiUrl } from './api.ts'
import { byId, el, fmtInt, type Problem, plural, problemOf, showProblem } from './dom.ts'
import { markedText } from './highlight.ts'

/** A message field the index knows (`role=` filter values, a hit's `field`). */
export const SEARCH_FIELDS = ['system', 'human', 'gpt', 'think', 'call', 'tool'] as const
export type SearchField = (typeof SEARCH_FIELDS)[number]

/** One hit of `GET /api/search`: a message of a trace. */
export interface SearchHit {
  id: string
  config: string
  /** Index of the message in the conversation. */
  message: number
  role: 'system' | 'human' | 'gpt' | 'tool'
  /** Where the best match is. */
  field: SearchField
  /** Index into the replay's `steps` (0-based); null for system and user messages. */
  step: number | null
  score: number
  snippet: { text: string; marks: [number, number][] }
}

/** `GET /api/search` answer. */
export interface SearchPage {
  dataset: string
  revision: string
  sample: boolean
  q: string
  terms: string[]
  total: number
  complete: boolean
  coverage?: unknown
  hits: SearchHit[]
  next: string | null
}

/** Filters besides `q` and `role`, in URL order. */
const FILTERS = ['config', 'tool', 'error'] as const
/** Hits per request. */
const PAGE_SIZE = 20
/** When the API names no Retry-After, ask again after this many seconds; never wait longer than the cap. */
const RETRY_DEFAULT_S = 5
const RETRY_MAX_S = 120
/** Keep retrying (index being built) or refreshing (incomplete answers) this long after the last search. */
const RETRY_FOR_MS = 15 * 60_000

/** What a field is called on the page. */
export const FIELD_LABELS: Record<SearchField, string> = {
  system: 'System prompt',
  human: 'User',
  gpt: 'Answer',
  think: 'Reasoning',
  call: 'Tool call',
  tool: 'Tool output',
}

/**
 * The view's parameters from a query string, normalised: `q` trimmed, `role` as one comma list in the
 * canonical order (a form without JavaScript sends `role=a&role=b`), known filters with a value.
 */
export function searchParams(search: string): URLSearchParams {
  const from = new URLSearchParams(search)
  const out = new URLSearchParams()
  const q = from.get('q')?.trim()
  if (q) out.set('q', q)
  const roles = new Set(from.getAll('role').flatMap((r) => r.split(',').map((x) => x.trim())))
  const known = SEARCH_FIELDS.filter((f) => roles.has(f))
  // Unknown role values stay in the request: the API names them in its 400.
  const unknown = [...roles].filter((r) => r && !(SEARCH_FIELDS as readonly string[]).includes(r))
  if (known.length + unknown.length > 0) out.set('role', [...known, ...unknown].join(','))
  for (const key of FILTERS) {
    const v = from.get(key)?.trim()
    if (v) out.set(key, v)
  }
  return out
}

/**
 * The viewer's address for a hit: the query to highlight (`q`), the hit's message (`m`) and its step, whose
 * permalink is 1-based (`#step-1` is `steps[0]`); system and user messages have no step and open the raw view
 * at the message (`#message-<m>`).
 */
export function hitHref(hit: Pick<SearchHit, 'id' | 'message' | 'step'>, q: string): string {
  const query = new URLSearchParams({ q, m: String(hit.message) })
  const hash = hit.step === null ? `#message-${hit.message}` : `#step-${hit.step + 1}`
  return `/trace/${encodeURIComponent(hit.id)}?${query}${hash}`
}

/** Seconds a 503 asks to wait: `Retry-After` as seconds or an HTTP date, clamped; a default when absent. */
export function retryAfterSeconds(header: string | null, now = Date.now()): number {
  let s = RETRY_DEFAULT_S
  if (header && /^\d+$/.test(header.trim())) s = Number(header.trim())
  else if (header && !Number.isNaN(Date.parse(header))) s = Math.ceil((Date.parse(header) - now) / 1000)
  return Math.min(RETRY_MAX_S, Math.max(1, s))
}

/** "12 of 40 slices": how far an incomplete index got, from a coverage object or a record of them per config. */
function coverageText(coverage: unknown): string {
  const parts: { slicesDone: number; slicesTotal: number }[] = []
  const visit = (c: unknown) => {
    if (!c || typeof c !== 'object') return
    const o = c as Record<string, unknown>
    if (typeof o.slicesDone === 'number' && typeof o.slicesTotal === 'number') {
      parts.push({ slicesDone: o.slicesDone, slicesTotal: o.slicesTotal })
    } else {
      for (const v of Object.values(o)) if (v && typeof v === 'object') visit(v)
    }
  }
  visit(coverage)
  if (parts.length === 0) return ''
  const done = parts.reduce((n, p) => n + p.slicesDone, 0)
  const total = parts.reduce((n, p) => n + p.slicesTotal, 0)
  return ` The index covers ${fmtInt(done)} of ${fmtInt(total)} slices so far.`
}

interface Elements {
  form: HTMLFormElement
  q: HTMLInputElement
  hits: HTMLOListElement
  status: HTMLElement
  terms: HTMLElement
  pending: HTMLElement
  problem: HTMLElement
  more: HTMLButtonElement
}

/** Put the view's values in the form; a select value the options lack (an old link) gets its own option. */
function fillForm(e: Elements, params: URLSearchParams): void {
  e.q.value = params.get('q') ?? ''
  const roles = new Set((params.get('role') ?? '').split(','))
  for (const box of Array.from(e.form.querySelectorAll<HTMLInputElement>('input[name="role"]'))) {
    box.checked = roles.has(box.value)
  }
  for (const key of FILTERS) {
    const field = e.form.elements.namedItem(key)
    if (!(field instanceof HTMLSelectElement)) continue
    const value = params.get(key) ?? ''
    if (value && !Array.from(field.options).some((o) => o.value === value)) {
      field.append(el('option', { value }, value))
    }
    field.value = value
  }
}

function formParams(e: Elements): URLSearchParams {
  const data = new FormData(e.form)
  const raw = new URLSearchParams()
  for (const [key, value] of data) if (typeof value === 'string') raw.append(key, value)
  return searchParams(raw.toString())
}

function describeFilters(params: URLSearchParams): string {
  const parts: string[] = []
  const role = params.get('role')
  if (role) {
    parts.push(
      `in ${role
        .split(',')
        .map((r) => FIELD_LABELS[r as SearchField] ?? r)
        .join(', ')}`,
    )
  }
  for (const key of FILTERS) {
    const v = params.get(key)
    if (v) parts.push(`${key} = ${v}`)
  }
  return parts.length > 0 ? ` (${parts.join('; ')})` : ''
}

function hitItem(hit: SearchHit, q: string): HTMLLIElement {
  const where =
    hit.step === null
      ? `message ${hit.message}`
      : `step ${fmtInt(hit.step + 1)} · message ${fmtInt(hit.message)}`
  return el(
    'li',
    {
      class: 'hit',
      'data-id': hit.id,
      'data-config': hit.config,
      'data-message': String(hit.message),
      'data-field': hit.field,
      'data-step': hit.step === null ? undefined : String(hit.step),
    },
    el(
      'div',
      { class: 'hit-head' },
      el('a', { class: 'hit-link', href: hitHref(hit, q) }, el('code', {}, hit.id)),
      el('span', { class: 'badge' }, hit.config),
      el('span', { class: 'badge' }, FIELD_LABELS[hit.field] ?? hit.field),
      el('span', { class: 'muted small' }, where),
    ),
    el('p', { class: 'hit-snippet' }, markedText(hit.snippet.text, hit.snippet.marks)),
  )
}

/** Start the island on the `/search/` page. */
export function startSearch(): void {
  const e: Elements = {
    form: byId('search-form'),
    q: byId('s-q'),
    hits: byId('hits'),
    status: byId('search-status'),
    terms: byId('search-terms'),
    pending: byId('search-pending'),
    problem: byId('search-problem'),
    more: byId('more'),
  }
  let params = searchParams(location.search)
  let controller: AbortController | null = null
  let timer: ReturnType<typeof setTimeout> | undefined
  let retryUntil = 0
  let shown = 0
  let next: string | null = null

  /** Stop whatever is in flight or scheduled. */
  const stop = () => {
    controller?.abort()
    controller = null
    clearTimeout(timer)
  }

  /** Count down `seconds`, saying why in the pending box, then call `again`. */
  const retryIn = (seconds: number, problem: Problem, again: () => void) => {
    let left = seconds
    // The index-pending problem, or another passing trouble (storage, upstream) the API asks to retry.
    const what = /index/i.test(`${problem.title} ${problem.detail}`)
      ? 'The search index is being built'
      : `${problem.title} (${problem.status})`
    const tick = () => {
      if (left <= 0) {
        again()
        return
      }
      e.pending.textContent = `${what}, retrying in ${plural(left, 'second')}. ${problem.detail}`
      left--
      timer = setTimeout(tick, 1000)
    }
    e.pending.hidden = false
    e.pending.dataset.state = 'pending'
    tick()
  }

  /** Show the API's problem; a failed first page also empties the list (a failed "more" keeps it). */
  const fail = (problem: Problem, append: boolean) => {
    showProblem(e.problem, problem, 'Change the words or the filters and search again.')
    e.pending.hidden = true
    if (!append) {
      e.status.textContent = ''
      e.terms.textContent = ''
      e.hits.replaceChildren()
      e.hits.dataset.view = params.toString()
      e.more.hidden = true
    }
  }

  /** Ask the API for the view (`cursor`: the next page, appended). */
  const load = async (cursor: string | null = null) => {
    stop()
    const q = params.get('q')
    document.title = q ? `“${q}” · Search · Hermes Trace Explorer` : 'Search · Hermes Trace Explorer'
    if (!q) {
      e.hits.replaceChildren()
      e.hits.dataset.view = params.toString()
      e.status.textContent = 'Type words to search every message of every trace.'
      e.terms.textContent = ''
      e.problem.hidden = true
      e.pending.hidden = true
      e.more.hidden = true
      return
    }
    const mine = new AbortController()
    controller = mine
    const query = new URLSearchParams(params)
    query.set('limit', String(PAGE_SIZE))
    if (cursor) query.set('cursor', cursor)
    e.hits.setAttribute('aria-busy', 'true')
    if (!cursor) e.status.textContent = 'Searching…'
    e.more.disabled = true
    try {
      const response = await fetch(apiUrl('/api/search', query), {
        signal: mine.signal,
        headers: { accept: 'application/json' },
      })
      if (!response.ok) {
        const retry = response.headers.get('retry-after')
        const problem = await problemOf(response)
        if (mine.signal.aborted) return
        if (response.status === 503 && Date.now() < retryUntil) {
          e.problem.hidden = true
          if (!cursor) e.status.textContent = 'Not ready yet; the page asks again by itself.'
          retryIn(retryAfterSeconds(retry), problem, () => void load(cursor))
          return
        }
        fail(problem, cursor !== null)
        return
      }
      const page = (await response.json()) as SearchPage
      if (mine.signal.aborted) return
      e.problem.hidden = true
      render(page, cursor !== null)
      if (!page.complete && !cursor && Date.now() < retryUntil) {
        const wait = retryAfterSeconds(response.headers.get('retry-after'))
        timer = setTimeout(() => void load(), wait * 1000)
      }
    } catch (err) {
      if ((err as Error).name === 'AbortError') return
      fail({ title: 'Network error', status: 0, detail: (err as Error).message }, cursor !== null)
    } finally {
      if (controller === mine) {
        e.hits.setAttribute('aria-busy', 'false')
        e.more.disabled = false
      }
    }
  }

  const render = (page: SearchPage, append: boolean) => {
    const q = params.get('q') ?? page.q
    const items = page.hits.map((hit) => hitItem(hit, q))
    if (append) e.hits.append(...items)
    else e.hits.replaceChildren(...items)
    shown = append ? shown + items.length : items.length
    next = page.next
    // The view this list shows (tests and scripts wait for it to match the URL).
    e.hits.dataset.view = params.toString()
    e.more.hidden = next === null
    if (page.complete) {
      e.pending.hidden = true
    } else {
      e.pending.textContent = `The search index is still being built: these results are partial and update by themselves.${coverageText(page.coverage)}`
      e.pending.dataset.state = 'partial'
      e.pending.hidden = false
    }
    const sofar = page.complete ? '' : ' so far'
    e.status.textContent =
      page.total === 0
        ? `No message matches${sofar}${describeFilters(params)}.`
        : `${plural(page.total, 'message matches', 'messages match')}${sofar}${describeFilters(params)}; showing ${fmtInt(shown)}.`
    e.terms.textContent = page.terms.length > 0 ? `Searched for: ${page.terms.join(' · ')}` : ''
    // Keyboard users who asked for more land on the first new hit.
    if (append) items[0]?.querySelector<HTMLAnchorElement>('a.hit-link')?.focus()
  }

  /** Go to a view: record it in the history (push), show it in the form, search. */
  const go = (view: URLSearchParams) => {
    params = view
    retryUntil = Date.now() + RETRY_FOR_MS
    const query = params.toString()
    history.pushState(null, '', query ? `/search/?${query}` : '/search/')
    fillForm(e, params)
    void load()
  }

  e.form.addEventListener('submit', (event) => {
    event.preventDefault()
    go(formParams(e))
  })
  // Filters apply as soon as they change (the query box waits for Enter or the button).
  e.form.addEventListener('change', (event) => {
    if ((event.target as Element | null)?.closest('select, input[type="checkbox"]')) go(formParams(e))
  })
  e.more.addEventListener('click', () => {
    if (next) void load(next)
  })
  window.addEventListener('popstate', () => {
    params = searchParams(location.search)
    retryUntil = Date.now() + RETRY_FOR_MS
    fillForm(e, params)
    void load()
  })

  // A shared link or a form sent without JavaScript: show its view under its canonical address.
  const query = params.toString()
  history.replaceState(null, '', `/search/${query ? `?${query}` : ''}${location.hash}`)
  retryUntil = Date.now() + RETRY_FOR_MS
  fillForm(e, params)
  void load()
}
