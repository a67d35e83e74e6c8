/**
 * Answers for a pinned revision (`?revision=<sha>`) never change: they are marked immutable and kept in the
 * Cache API of the data centre (`caches.default`), keyed by the full URL. Only complete, successful JSON and
 * SVG answers are stored (a partial stats document says `max-age=5` and is never marked immutable).
 */

/** Cache-Control of an answer that can never change. */
export const IMMUTABLE = 'public, max-age=31536000, immutable'

function edgeCache(): Cache | null {
  return typeof caches === 'undefined' ? null : (caches as unknown as { default: Cache }).default
}

/** A stored answer for this request, if any (Cache API failures read as a miss). */
export async function edgeCacheMatch(request: Request): Promise<Response | undefined> {
  const cache = edgeCache()
  if (!cache || request.method !== 'GET' || request.headers.has('if-none-match')) return undefined
  try {
    return await cache.match(request)
  } catch {
    return undefined
  }
}

/** Store an immutable answer (only when its Cache-Control says immutable); the work is handed to `defer`. */
export function edgeCachePut(
  request: Request,
  response: Response,
  defer: (p: Promise<unknown>) => void,
): void {
  const cache = edgeCache()
  if (!cache || request.method !== 'GET' || response.status !== 200) return
  if (!(response.headers.get('cache-control') ?? '').includes('immutable')) return
  defer(cache.put(request, response.clone()).catch(() => undefined))
}
