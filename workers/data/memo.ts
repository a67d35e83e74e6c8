/**
 * Promise helpers for work a request starts itself (never for another request's promises: see shared-work.ts).
 */

/** How long `settleWithin` waits at most. */
export const SETTLE_MS = 15_000

/**
 * Settles when all `promises` have, or after `ms`: a request's waitUntil must not wait forever on I/O that the
 * runtime may have cancelled.
 */
export function settleWithin(promises: Promise<unknown>[], ms = SETTLE_MS): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const cap = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms)
  })
  return Promise.race([Promise.allSettled(promises).then(() => undefined), cap]).finally(() =>
    clearTimeout(timer),
  )
}

/**
 * Like `Promise.all`, but waits for every promise before rethrowing the first failure: a request must not answer
 * (and have its I/O cancelled) while work it started for shared caches is still running.
 */
export async function allSettledOrThrow<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises)
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed) throw failed.reason
  return results.map((r) => (r as PromiseFulfilledResult<T>).value)
}
