/**
 * Tiny flag parser for the CLIs: `--name value`, `--name=value` and boolean `--flag`. Unknown flags are an
 * error that names the flag, so a typo never silently changes what a script does.
 */
export interface FlagSpec {
  /** Flags that take a value. */
  values: readonly string[]
  /** Flags that are booleans. */
  booleans?: readonly string[]
  /** Flags that may repeat (values collected in order). */
  repeatable?: readonly string[]
}

/** Parsed flags: strings for value flags, true for booleans, arrays for repeatables. */
export type Flags = Record<string, string | boolean | string[]>

/** Parse argv (without node and script) against a spec; throws an Error naming the bad flag. */
export function parseFlags(argv: readonly string[], spec: FlagSpec): Flags {
  const flags: Flags = {}
  const values = new Set(spec.values)
  const booleans = new Set(spec.booleans ?? [])
  const repeatable = new Set(spec.repeatable ?? [])
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (!arg.startsWith('--')) throw new Error(`unexpected argument "${arg}" (flags start with --)`)
    const eq = arg.indexOf('=')
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2)
    if (booleans.has(name)) {
      flags[name] = eq > 0 ? arg.slice(eq + 1) !== 'false' : true
      continue
    }
    if (!values.has(name) && !repeatable.has(name)) throw new Error(`unknown flag "--${name}"`)
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i]
    if (value === undefined || (eq < 0 && value.startsWith('--')))
      throw new Error(`flag "--${name}" needs a value`)
    if (repeatable.has(name)) {
      const list = flags[name]
      flags[name] = Array.isArray(list) ? [...list, value] : [value]
    } else flags[name] = value
  }
  return flags
}

/** A flag's string value, or undefined. */
export function flagString(flags: Flags, name: string): string | undefined {
  const v = flags[name]
  return typeof v === 'string' ? v : undefined
}

/** A flag's positive integer value, or the default; throws naming the flag when it is not one. */
export function flagInt(flags: Flags, name: string, fallback: number): number {
  const v = flagString(flags, name)
  if (v === undefined) return fallback
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`flag "--${name}" must be a non-negative integer, got "${v}"`)
  return n
}
