/**
 * Faults of the Hub stand-in: what can be switched on (latency, 429/500/503, dropped connections, truncated
 * bodies, ignored Range), for how many requests and which paths, validated with errors naming the bad key.
 */

/** Limits a fault to some requests. */
export interface FaultScope {
  /** Apply to the next `times` matching requests only, then switch off (default: every matching request). */
  times?: number
  /** Apply only when the request path (decoded, without query) contains this substring, e.g. `/__cdn/`. */
  match?: string
}

/**
 * Faults to inject. `true` means "every request"; an object narrows it with {@link FaultScope}.
 * Per request they are tried in this order: `latencyMs` (then the request goes on), `drop`, then the first of
 * `status429` / `status500` / `status503`; `ignoreRange` and `truncate` act (and count) only where a
 * success body is sent (`ignoreRange` only when the request had a Range header). A fault whose `times`
 * runs out is removed.
 */
export interface Faults {
  /** Wait this long before answering (a number: every request). */
  latencyMs?: number | (FaultScope & { ms: number })
  /** 429 with `Retry-After`, `RateLimit: "<bucket>";r=0;t=<s>` and `RateLimit-Policy` (default 1 s). */
  status429?: boolean | (FaultScope & { retryAfter?: number })
  /** 500 Internal Error. */
  status500?: boolean | FaultScope
  /** 503 with `Retry-After` (default 1 s). */
  status503?: boolean | (FaultScope & { retryAfter?: number })
  /** Destroy the connection without any response. */
  drop?: boolean | FaultScope
  /**
   * Send the real headers (Content-Length of the whole body or range) but only `bytes` of the body
   * (default half), then close the connection.
   */
  truncate?: boolean | (FaultScope & { bytes?: number })
  /** Answer 200 with the whole file although a Range was asked (a server that ignores Range). */
  ignoreRange?: boolean | FaultScope
}

/** Name of a fault, as used in {@link Faults} and in the request log. */
export type FaultName = keyof Faults

/** Every fault name, in the order they are tried per request. */
export const FAULT_NAMES: readonly FaultName[] = [
  'latencyMs',
  'status429',
  'status500',
  'status503',
  'drop',
  'truncate',
  'ignoreRange',
]

/** A switched-on fault. */
export interface ActiveFault {
  name: FaultName
  /** Requests left; Infinity when unlimited. */
  left: number
  match: string | null
  ms: number
  retryAfter: number
  bytes: number | null
}

/** Validate and normalise {@link Faults}; the error names the bad key or value. */
export function normalizeFaults(input: unknown): Map<FaultName, ActiveFault> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new Error('faults must be an object like {"status503": {"times": 2, "match": "/__cdn/"}}')
  }
  const out = new Map<FaultName, ActiveFault>()
  for (const [key, raw] of Object.entries(input)) {
    if (!(FAULT_NAMES as readonly string[]).includes(key)) {
      throw new Error(`unknown fault "${key}" (known: ${FAULT_NAMES.join(', ')})`)
    }
    const name = key as FaultName
    if (raw === false || raw === null || raw === undefined) continue
    let spec: Record<string, unknown>
    if (raw === true) spec = {}
    else if (typeof raw === 'number' && name === 'latencyMs') spec = { ms: raw }
    else if (typeof raw === 'object' && !Array.isArray(raw)) spec = raw as Record<string, unknown>
    else throw new Error(`fault "${name}": bad value ${JSON.stringify(raw)}`)
    const allowed = [
      'times',
      'match',
      ...(name === 'latencyMs' ? ['ms'] : []),
      ...(name === 'truncate' ? ['bytes'] : []),
    ]
    if (name === 'status429' || name === 'status503') allowed.push('retryAfter')
    for (const k of Object.keys(spec)) {
      if (!allowed.includes(k))
        throw new Error(`fault "${name}": unknown option "${k}" (known: ${allowed.join(', ')})`)
    }
    const count = (k: string, fallback: number | null): number | null => {
      const v = spec[k]
      if (v === undefined) return fallback
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw new Error(`fault "${name}": ${k} must be a number >= 0, got ${JSON.stringify(v)}`)
      }
      return v
    }
    const match = spec.match
    if (match !== undefined && typeof match !== 'string') {
      throw new Error(`fault "${name}": match must be a string, got ${JSON.stringify(match)}`)
    }
    const times = count('times', Number.POSITIVE_INFINITY) ?? Number.POSITIVE_INFINITY
    const ms = count('ms', 0) ?? 0
    if (name === 'latencyMs' && spec.ms === undefined) throw new Error('fault "latencyMs": ms is required')
    if (times === 0 || (name === 'latencyMs' && ms === 0)) continue
    out.set(name, {
      name,
      left: times,
      match: match ?? null,
      ms,
      retryAfter: count('retryAfter', 1) ?? 1,
      bytes: count('bytes', null),
    })
  }
  return out
}

/** The active faults in the shape {@link Faults} takes, with the `times` left. */
export function describeFaults(faults: Map<FaultName, ActiveFault>): Faults {
  const out: Record<string, unknown> = {}
  for (const f of faults.values()) {
    out[f.name] = {
      ...(Number.isFinite(f.left) ? { times: f.left } : {}),
      ...(f.match !== null ? { match: f.match } : {}),
      ...(f.name === 'latencyMs' ? { ms: f.ms } : {}),
      ...(f.name === 'status429' || f.name === 'status503' ? { retryAfter: f.retryAfter } : {}),
      ...(f.name === 'truncate' && f.bytes !== null ? { bytes: f.bytes } : {}),
    }
  }
  return out as Faults
}
