/**
 * The trace viewer's ways to a comparison: "Compare with…" (a form taking any trace id, sent to
 * `/compare/trace/?a=<this>&b=<id>`, and a link to the search page to find one) and "Same task elsewhere" (the rows,
 * in any config, with this trace's exact task text, from `GET /api/trace/:id/same-task`, each with a link to the
 * comparison), asked for when its disclosure opens. While the API is still building its same-task index (503 +
 * Retry-After) the list says so and asks again. Every string from the API goes into the DOM as text.
 */
import type { SameTaskList, Trace } from '../../shared/types.ts'
import { apiUrl } from './api.ts'
import { el, plural, problemOf } from './dom.ts'

/** Ask again at most this many times while the index is built. */
const MAX_RETRIES = 20

/** The comparison page of two traces. */
export function compareHref(a: string, b: string): string {
  return `/compare/trace/?${new URLSearchParams({ a, b })}`
}

function compareWithForm(trace: Trace): HTMLFormElement {
  return el(
    'form',
    { class: 'compare-with', action: '/compare/trace/', method: 'get', id: 'compare-with' },
    el('input', { type: 'hidden', name: 'a', value: trace.id }),
    el('label', { for: 'compare-with-id' }, 'Compare with…'),
    el('input', {
      id: 'compare-with-id',
      name: 'b',
      type: 'text',
      required: true,
      placeholder: 'another trace id',
      autocomplete: 'off',
      spellcheck: 'false',
    }),
    el('button', { type: 'submit' }, 'Compare'),
    el('a', { href: '/search/' }, 'Find a trace'),
  )
}

function sameTaskItems(list: HTMLElement, trace: Trace, body: SameTaskList): void {
  list.replaceChildren()
  for (const s of body.traces) {
    list.append(
      el(
        'li',
        { 'data-id': s.id },
        el('a', { href: `/trace/${encodeURIComponent(s.id)}` }, el('code', {}, s.id)),
        ` · ${s.config} · ${plural(s.gptTurns, 'step')} · ${plural(s.toolErrors, 'failed call')} · `,
        el('a', { href: compareHref(trace.id, s.id), class: 'compare-link' }, 'compare'),
      ),
    )
  }
}

async function loadSameTask(
  trace: Trace,
  status: HTMLElement,
  list: HTMLElement,
  attempt = 0,
): Promise<void> {
  let response: Response
  try {
    response = await fetch(apiUrl(`/api/trace/${encodeURIComponent(trace.id)}/same-task`), {
      headers: { accept: 'application/json' },
    })
  } catch (err) {
    status.textContent = `Could not load the list: ${(err as Error).message}`
    return
  }
  if (response.status === 503 && attempt < MAX_RETRIES) {
    const wait = Math.min(60, Math.max(1, Number(response.headers.get('retry-after')) || 5))
    await response.body?.cancel()
    status.textContent = `The same-task index is still being built; asking again in ${plural(wait, 'second')}.`
    setTimeout(() => void loadSameTask(trace, status, list, attempt + 1), wait * 1000)
    return
  }
  if (!response.ok) {
    const problem = await problemOf(response)
    status.textContent = `Could not load the list: ${problem.title} (${problem.status}). ${problem.detail}`
    return
  }
  const body = (await response.json()) as SameTaskList
  sameTaskItems(list, trace, body)
  status.dataset.total = String(body.total)
  status.textContent =
    body.total === 0
      ? 'No other trace has exactly this task.'
      : body.total > body.traces.length
        ? `${plural(body.total, 'other trace')} with exactly this task; the first ${body.traces.length}:`
        : `${plural(body.total, 'other trace')} with exactly this task:`
}

/**
 * The "Compare with…" form and the "Same task elsewhere" list of a trace. The list is asked for when its
 * disclosure first opens: a trace page costs no second request unless someone wants the list.
 */
export function traceCompareBox(trace: Trace): HTMLElement {
  const status = el('p', { class: 'muted small', id: 'same-task-status', role: 'status' }, 'Loading…')
  const list = el('ul', { class: 'same-task-list', id: 'same-task-list' })
  const details = el(
    'details',
    { class: 'same-task', id: 'same-task' },
    el('summary', {}, 'Same task elsewhere'),
    status,
    list,
  )
  let asked = false
  details.addEventListener('toggle', () => {
    if (!details.open || asked) return
    asked = true
    void loadSameTask(trace, status, list)
  })
  return el(
    'section',
    { class: 'trace-compare', 'aria-label': 'Compare this trace' },
    compareWithForm(trace),
    details,
  )
}
