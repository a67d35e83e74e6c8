/** Number formats of the site (English, as the dataset and its card). */

const INT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })

/** 7646 -> "7,646". */
export function fmtInt(n: number): string {
  return INT.format(n)
}

/** A mean: 24.525 -> "24.5", 0.042 -> "0.04", 420.3 -> "420". */
export function fmtNum(n: number): string {
  if (!Number.isFinite(n)) return '–'
  if (n === 0) return '0'
  const abs = Math.abs(n)
  if (abs >= 100) return INT.format(n)
  if (abs >= 1) return n.toFixed(1)
  return n.toPrecision(2)
}

/** A percentage given as 0-100: 16.967 -> "17.0%", 0.42 -> "0.42%". */
export function fmtPct(v: number): string {
  if (!Number.isFinite(v)) return '–'
  if (v === 0) return '0%'
  if (v >= 10) return `${v.toFixed(1)}%`
  if (v >= 0.1) return `${v.toPrecision(2)}%`
  return '<0.1%'
}

/** A share of a total as a percentage string; "–" when the total is 0. */
export function fmtShare(part: number, total: number): string {
  return total > 0 ? fmtPct((100 * part) / total) : '–'
}

/** Bytes in binary units: 1067307 -> "1.0 MiB". */
export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB']
  let v = n / 1024
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${v >= 10 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`
}

/** The short name of a config in sentences: `kimi` -> "Kimi", `glm-5.1` -> "GLM-5.1". */
export function configLabel(config: string): string {
  if (config === 'kimi') return 'Kimi'
  if (config.startsWith('glm')) return config.toUpperCase()
  return config
}

/** The first 7 hex digits of a commit sha, or the revision as given when it is not one. */
export function shortRevision(revision: string): string {
  return /^[0-9a-f]{40}$/.test(revision) ? revision.slice(0, 7) : revision
}
