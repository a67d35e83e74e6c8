/**
 * API URLs of the islands, pinned to the revision the page was built from: `<meta name="hte-revision">`
 * (site/layouts/Base.astro) holds the build's commit sha, and every request and link into the API carries it
 * as `?revision=<sha>`, so the rows a drill-down lists are counted from the same data as the charts (answers
 * for a pinned sha are immutable and edge-cached). No meta (a build whose revision is not a sha): not pinned.
 */

const SHA = /^[0-9a-f]{40}$/

/** The commit sha the page was built from, or null. */
export function pageRevision(doc: Pick<Document, 'querySelector'> = document): string | null {
  const value = doc.querySelector<HTMLMetaElement>('meta[name="hte-revision"]')?.content ?? ''
  return SHA.test(value) ? value : null
}

/** `path` with `params` and the page's revision: `apiUrl('/api/traces', q)` -> `/api/traces?…&revision=<sha>`. */
export function apiUrl(path: string, params: URLSearchParams | Record<string, string> = {}): string {
  const query = new URLSearchParams(params)
  const revision = pageRevision()
  if (revision) query.set('revision', revision)
  const q = query.toString()
  return q ? `${path}?${q}` : path
}

/** Export formats of `GET /api/trace/:id?format=`. */
export const TRACE_EXPORTS = [
  { format: 'openai', label: 'OpenAI messages' },
  { format: 'openai-raw', label: 'OpenAI (raw text)' },
  { format: 'sharegpt', label: 'ShareGPT' },
  { format: 'sts', label: 'Session-Trace (STS)' },
] as const

/**
 * The link attributes of one trace export: STS is the file the Hub's trace viewer loads (one session per .jsonl),
 * downloaded ready to upload; the other formats are the JSON answers of `?format=`.
 */
export function traceExportLink(
  api: string,
  format: (typeof TRACE_EXPORTS)[number]['format'],
): { href: string; download?: string } {
  return format === 'sts'
    ? { href: apiUrl(`${api}/sts.jsonl`), download: '' }
    : { href: apiUrl(api, { format }) }
}
