/**
 * The Worker's cron under `wrangler dev`, which never fires `[triggers]` crons by itself: the scheduled handler
 * called through `/cdn-cgi/local/scheduled` at the deployed cadence (every 5 minutes), as production would.
 */

/** A running emulation: how often the handler answered OK or failed so far. */
export interface LocalCron {
  fired: number
  failed: number
  stop(): void
}

/** Call `base`'s scheduled handler with `cron` every `everyMs` until stopped. */
export function startLocalCron(base: string, cron = '*/5 * * * *', everyMs = 5 * 60_000): LocalCron {
  const state: LocalCron = { fired: 0, failed: 0, stop: () => clearInterval(timer) }
  const timer = setInterval(() => {
    fetch(`${base}/cdn-cgi/local/scheduled?cron=${encodeURIComponent(cron)}`, {
      signal: AbortSignal.timeout(120_000),
    })
      .then(async (res) => {
        await res.arrayBuffer()
        if (res.ok) state.fired++
        else state.failed++
      })
      .catch(() => {
        state.failed++
      })
  }, everyMs)
  return state
}
