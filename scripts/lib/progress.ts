/**
 * A progress bar on stderr for the CLIs: redrawn in place on a TTY, one line every few seconds otherwise
 * (CI logs), silent with `quiet`.
 */
export interface Progress {
  /** Set the amount done (same unit as total). */
  update(done: number, note?: string): void
  /** Print the final line. */
  finish(note?: string): void
}

/** Create a progress reporter for `total` units labelled `label`. */
export function createProgress(
  label: string,
  total: number,
  options: { quiet?: boolean; unit?: string } = {},
): Progress {
  const started = performance.now()
  const tty = process.stderr.isTTY === true
  let lastDraw = 0
  let done = 0
  const line = (note = '') => {
    const frac = total > 0 ? Math.min(1, done / total) : 1
    const width = 24
    const filled = Math.round(frac * width)
    const secs = (performance.now() - started) / 1000
    const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`
    return `${label} [${bar}] ${(frac * 100).toFixed(0).padStart(3)}% ${done}/${total}${options.unit ? ` ${options.unit}` : ''} ${secs.toFixed(1)}s${note ? ` ${note}` : ''}`
  }
  return {
    update(value, note) {
      done = value
      if (options.quiet) return
      const now = performance.now()
      if (now - lastDraw < (tty ? 100 : 5000)) return
      lastDraw = now
      process.stderr.write(tty ? `\r${line(note)}\x1b[K` : `${line(note)}\n`)
    },
    finish(note) {
      if (options.quiet) return
      process.stderr.write(tty ? `\r${line(note)}\x1b[K\n` : `${line(note)}\n`)
    },
  }
}
