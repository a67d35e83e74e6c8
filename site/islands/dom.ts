/**
 * DOM helpers of the islands. Data from the API is untrusted (tasks and tool outputs hold `<script>` on
 * purpose in the sample), so text only ever goes through `textContent` / text nodes, never `innerHTML`.
 */

/** Attributes `el` may set: strings become attributes, booleans toggle them, undefined/null skips. */
export type Attrs = Record<string, string | number | boolean | undefined | null>

/** A child: a node, or text (as a text node). */
export type Child = Node | string | null | undefined | false

/** Create `<tag>` with attributes and children; strings become text nodes (never parsed as HTML). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue
    node.setAttribute(name, value === true ? '' : String(value))
  }
  append(node, ...children)
  return node
}

/** The page element with this id (the island's markup); throws naming it when the page lacks it. */
export function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id)
  if (!node) throw new Error(`#${id} is missing`)
  return node as T
}

/** Append children to `parent` (strings as text nodes). */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child)
  }
}

/** An RFC 9457 problem document, as the API answers errors. */
export interface Problem {
  title: string
  status: number
  detail: string
}

/** The problem an error response describes (problem+json, or a generic one from the status line). */
export async function problemOf(response: Response): Promise<Problem> {
  let body: unknown = null
  try {
    body = await response.json()
  } catch {
    // not JSON: fall back to the status line
  }
  const b = (body ?? {}) as Record<string, unknown>
  return {
    title: typeof b.title === 'string' ? b.title : response.statusText || 'Request failed',
    status: typeof b.status === 'number' ? b.status : response.status,
    detail: typeof b.detail === 'string' ? b.detail : `The server answered ${response.status}.`,
  }
}

/** Fill `box` with a readable error: a heading, the detail and an optional hint. */
export function showProblem(box: HTMLElement, problem: Problem, hint?: Child): void {
  box.replaceChildren(el('h2', {}, problem.status ? `${problem.title} (${problem.status})` : problem.title))
  append(box, el('p', {}, problem.detail), hint ? el('p', {}, hint) : null)
  box.hidden = false
}

/** Copy `text` to the clipboard; resolves false where the clipboard is not available (no console noise). */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (!navigator.clipboard) return false
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    return false
  }
}

/** A "Copy" button for the text `get()` returns; says "Copied" (or how to copy by hand) for a moment. */
export function copyButton(get: () => string, label = 'Copy'): HTMLButtonElement {
  const button = el('button', { type: 'button', class: 'copy' }, label)
  button.addEventListener('click', async () => {
    const ok = await copyText(get())
    button.textContent = ok ? 'Copied' : 'Copy failed'
    setTimeout(() => {
      button.textContent = label
    }, 1500)
  })
  return button
}

/** One formatter for every number: `toLocaleString` builds a new one per call (~60 µs each, measurable in lists). */
const INT_FORMAT = new Intl.NumberFormat('en-US')

/** 7646 -> "7,646". */
export function fmtInt(n: number): string {
  return INT_FORMAT.format(n)
}

/** `3 calls`, `1 call`: a count with its noun. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${fmtInt(n)} ${n === 1 ? one : many}`
}
