/**
 * `/masks/<id>.json`: the training mask of one trace (`TraceMask` in site/lib/tokens.ts), for the trace
 * viewer's token-level view. Written at build time for the few traces `maskCandidates` picks; any other id
 * has no file (the viewer reads `/masks/index.json` first, so it never asks for one that is missing).
 */
import type { APIRoute, GetStaticPaths } from 'astro'
import { loadTraceMasks, type TraceMask } from '../../lib/tokens.ts'

export const getStaticPaths = (async () => {
  const files = await loadTraceMasks()
  return [...files.values()].map((mask) => ({ params: { id: mask.id }, props: { mask } }))
}) satisfies GetStaticPaths

export const GET: APIRoute<{ mask: TraceMask }> = ({ props }) =>
  new Response(JSON.stringify(props.mask), { headers: { 'content-type': 'application/json' } })
