/**
 * `/masks/index.json`: which traces have a precomputed training mask (`/masks/<id>.json`), so the trace viewer
 * fetches only files that exist: `{ tokenizer, ids }`.
 */
import type { APIRoute } from 'astro'
import { loadTokenReport } from '../../lib/tokens.ts'

export const GET: APIRoute = async () => {
  const report = await loadTokenReport()
  const body = { tokenizer: report.tokenizer, ids: report.masks.map((m) => m.id) }
  return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } })
}
