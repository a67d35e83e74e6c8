/**
 * Flags of every CLI and bench, through `node:util` `parseArgs` (strict: unknown flags and stray positionals
 * are errors, so a typo never silently changes what a script does). This module only words the errors the way
 * the CLIs always have (`unknown flag "--fiel"`, `flag "--file" needs a value`) and converts integer flags.
 */
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util'

/** Option specs as `parseArgs` takes them: `{ name: { type: 'string' | 'boolean', multiple?, short? } }`. */
export type FlagSpec = ParseArgsOptionsConfig

/** The parsed `values` of a spec (string, boolean or string[] per flag; undefined when absent). */
export type Flags<S extends FlagSpec> = ReturnType<typeof parseFlagsTyped<S>>['values']

function parseFlagsTyped<const S extends FlagSpec>(
  argv: readonly string[],
  options: S,
  positionals: boolean,
) {
  return parseArgs({ args: [...argv], options, strict: true, allowPositionals: positionals })
}

/** The flag a `parseArgs` error names (`'--fiel'` in `Unknown option '--fiel'`). */
function flagOf(message: string): string {
  return /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? '?'
}

/** `parseArgs` errors reworded to name the flag the way the CLIs' messages and tests expect. */
function reword(err: unknown): Error {
  const e = err as Error & { code?: string }
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new Error(`unknown flag "${flagOf(e.message)}"`)
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new Error(
        `unexpected argument "${/'([^']*)'/.exec(e.message)?.[1] ?? ''}" (flags start with --)`,
      )
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const flag = flagOf(e.message)
      if (/argument missing|ambiguous/.test(e.message)) return new Error(`flag "${flag}" needs a value`)
      if (/does not take an argument/.test(e.message)) return new Error(`flag "${flag}" takes no value`)
      return new Error(e.message)
    }
    default:
      return e instanceof Error ? e : new Error(String(err))
  }
}

/** Parse argv (without node and script) against a spec; throws an Error naming the bad flag. */
export function parseFlags<const S extends FlagSpec>(argv: readonly string[], options: S): Flags<S> {
  try {
    return parseFlagsTyped(argv, options, false).values
  } catch (err) {
    throw reword(err)
  }
}

/** Like {@link parseFlags}, also returning positional arguments (for benches that take a file). */
export function parseFlagsAndPositionals<const S extends FlagSpec>(
  argv: readonly string[],
  options: S,
): { values: Flags<S>; positionals: string[] } {
  try {
    const { values, positionals } = parseFlagsTyped(argv, options, true)
    return { values, positionals }
  } catch (err) {
    throw reword(err)
  }
}

/**
 * A non-negative integer flag (`--budget-mb 12`), or `fallback` when absent; throws naming the flag and the
 * value when it is not one.
 */
export function flagInt(name: string, value: string | undefined, fallback: number): number
export function flagInt(name: string, value: string | undefined): number | undefined
export function flagInt(name: string, value: string | undefined, fallback?: number): number | undefined {
  if (value === undefined) return fallback
  const n = Number(value)
  if (value.trim() === '' || !Number.isInteger(n) || n < 0)
    throw new Error(`flag "--${name}" must be a non-negative integer, got "${value}"`)
  return n
}
