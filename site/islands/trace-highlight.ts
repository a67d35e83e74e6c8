/**
 * Search hits in the trace viewer: a trace opened from the search page (`/trace/<id>?q=<query>&m=<message>`)
 * marks the query's words, phrases and prefixes in every text the viewer shows (highlight.ts: `<mark>` nodes,
 * never HTML), opens the reasoning blocks and folded outputs of the hit's message that hide a match, and shows
 * a bar with the number of matches, previous / next match and a way to clear the highlight.
 *
 * The viewer calls `paintHits` on each text block it builds (also the lazily built raw view and unfolded
 * outputs), so marks follow the text wherever it is rendered.
 */
import { el, plural } from './dom.ts'
import {
  clearHighlight,
  HIT_CLASS,
  highlightIn,
  isEmptyQuery,
  matchRanges,
  parseQueryTerms,
  type QueryTerms,
} from './highlight.ts'

/** The search hit a trace page was opened for. */
export interface TraceHit {
  /** The query as typed (`?q=`). */
  q: string
  terms: QueryTerms
  /** Index of the hit's message in the conversation (`?m=`), or null. */
  message: number | null
}

/** The hit of `?q=` (and `&m=`) in a query string; null when there is no usable query. */
export function traceHitFromSearch(search: string): TraceHit | null {
  const params = new URLSearchParams(search)
  const q = params.get('q')?.trim() ?? ''
  const terms = parseQueryTerms(q)
  if (isEmptyQuery(terms)) return null
  const m = params.get('m')
  const message = m !== null && /^\d+$/.test(m) ? Number(m) : null
  return { q, terms, message }
}

/** The terms `paintHits` marks; null while no query is highlighted. */
let active: QueryTerms | null = null

/** Start (or with null, stop) painting `terms` into the text blocks the viewer builds from now on. */
export function setHitTerms(terms: QueryTerms | null): void {
  active = terms
}

/** Mark the active query's matches in `node`'s text; returns `node` (so a builder can wrap it in place). */
export function paintHits<T extends Node>(node: T): T {
  if (active) highlightIn(node, active)
  return node
}

/** How many matches of the active query `text` holds (0 when nothing is highlighted). */
export function hitCount(text: string): number {
  return active ? matchRanges(text, active).length : 0
}

/** Closed `<details>` holding a mark open, and folded outputs whose hidden part has matches unfold. */
export function revealHits(container: Element): void {
  for (const button of Array.from(
    container.querySelectorAll<HTMLButtonElement>('button[data-hidden-hits]'),
  )) {
    if (button.getAttribute('aria-expanded') === 'false') button.click()
  }
  for (const mark of Array.from(container.querySelectorAll(`mark.${HIT_CLASS}`))) openAround(mark)
}

function openAround(node: Element): void {
  for (let d = node.closest('details'); d; d = d.parentElement?.closest('details') ?? null) d.open = true
}

/**
 * The element of the pretty view showing message `message`: its step (a gpt message), the step whose calls a
 * tool message answers (the nearest step before it), or the user message; null when none is shown.
 */
export function hitTarget(view: HTMLElement, message: number | null): HTMLElement | null {
  if (message === null) return null
  let before: HTMLElement | null = null
  for (const node of Array.from(view.querySelectorAll<HTMLElement>('[data-message]'))) {
    const m = Number(node.dataset.message)
    if (m === message) return node
    if (m < message) before = node.matches('article.step') ? node : null
  }
  return before
}

function inViewport(node: Element): boolean {
  const r = node.getBoundingClientRect()
  return r.bottom > 0 && r.top < window.innerHeight
}

/**
 * Show the hit: reveal the matches in `target` (the step or message the page was opened at, if any) and bring
 * its first match into view when the target's top left it below the fold; then add the bar to `toolbar`.
 * `view()` is the view shown now (pretty or raw).
 */
export function showHits(
  hit: TraceHit,
  root: HTMLElement,
  toolbar: HTMLElement,
  target: HTMLElement | null,
  view: () => HTMLElement | null,
): void {
  if (target) {
    // Not selected by a `#step-N` / `#message-N` address: scroll to it here.
    if (!target.classList.contains('is-current')) target.scrollIntoView({ block: 'start' })
    revealHits(target)
    const first = target.querySelector(`mark.${HIT_CLASS}`)
    if (first && !inViewport(first)) first.scrollIntoView({ block: 'center' })
  }
  toolbar.append(hitBar(hit, root, view))
}

/** "12 matches for “nginx”", previous / next match, clear. */
function hitBar(hit: TraceHit, root: HTMLElement, view: () => HTMLElement | null): HTMLElement {
  const count = el('span', { class: 'hit-count', role: 'status' })
  const marks = () => Array.from(view()?.querySelectorAll<HTMLElement>(`mark.${HIT_CLASS}`) ?? [])
  let at = -1
  const describe = () => {
    const n = marks().length
    count.textContent =
      n === 0
        ? `No match for “${hit.q}” in this view`
        : at < 0
          ? `${plural(n, 'match', 'matches')} for “${hit.q}”`
          : `${Math.min(at + 1, n)} / ${n} for “${hit.q}”`
  }
  const go = (step: number) => {
    const list = marks()
    if (list.length === 0) return describe()
    at = at < 0 ? (step > 0 ? 0 : list.length - 1) : (at + step + list.length) % list.length
    const mark = list[at] as HTMLElement
    for (const m of root.querySelectorAll(`mark.${HIT_CLASS}.is-current-hit`))
      m.classList.remove('is-current-hit')
    mark.classList.add('is-current-hit')
    openAround(mark)
    mark.scrollIntoView({ block: 'center' })
    describe()
  }
  // Short labels keep the sticky toolbar on one line; the accessible names say it all.
  const prev = el(
    'button',
    { type: 'button', id: 'hit-prev', 'aria-label': 'Previous match', title: 'Previous match' },
    '↑',
  )
  const next = el(
    'button',
    { type: 'button', id: 'hit-next', 'aria-label': 'Next match', title: 'Next match' },
    '↓',
  )
  const clear = el('button', { type: 'button', id: 'hit-clear', 'aria-label': 'Clear highlight' }, 'Clear')
  const bar = el('span', { class: 'hit-bar', id: 'hit-bar' }, count, prev, next, clear)
  prev.addEventListener('click', () => go(-1))
  next.addEventListener('click', () => go(1))
  clear.addEventListener('click', () => {
    setHitTerms(null)
    clearHighlight(root)
    const url = new URL(location.href)
    url.searchParams.delete('q')
    url.searchParams.delete('m')
    history.replaceState(null, '', url.pathname + url.search + url.hash)
    bar.remove()
  })
  // Switching views (raw / pretty) changes which marks count.
  root.addEventListener('click', (event) => {
    if ((event.target as Element | null)?.closest('#raw-toggle, #mask-toggle')) {
      at = -1
      describe()
    }
  })
  describe()
  return bar
}
