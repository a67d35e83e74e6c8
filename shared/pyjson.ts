/**
 * Python's `json.dumps` in TypeScript, byte for byte, for the tutorial-compatible metrics.
 *
 * The dataset was written by Python (`json.dumps(..., ensure_ascii=False)`) and the tutorial measures with
 * `json.dumps(x)` (default `ensure_ascii=True`): separators `", "` and `": "`, no indent, and with
 * ensure_ascii every character outside printable ASCII escaped as `\uXXXX` (astral characters as a
 * surrogate pair). Floats use Python's `repr`. Lengths are in code points, like Python's `len`.
 */

/** Python `repr(float)` of a finite JS number known to be a float. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN'
  if (x === Number.POSITIVE_INFINITY) return 'Infinity'
  if (x === Number.NEGATIVE_INFINITY) return '-Infinity'
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0'
  // toExponential() without digits gives the shortest round-trip digits, like Python's repr.
  const [mantissa = '0', expText = '0'] = x.toExponential().split('e')
  const exp = Number(expText)
  const negative = mantissa.startsWith('-')
  const digits = mantissa.replace('-', '').replace('.', '')
  const decpt = exp + 1
  let out: string
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) out = `0.${'0'.repeat(-decpt)}${digits}`
    else if (decpt >= digits.length) out = `${digits}${'0'.repeat(decpt - digits.length)}.0`
    else out = `${digits.slice(0, decpt)}.${digits.slice(decpt)}`
  } else {
    const frac = digits.slice(1)
    const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp))
    out = `${digits[0]}${frac ? `.${frac}` : ''}e${exp < 0 ? '-' : '+'}${e}`
  }
  return negative ? `-${out}` : out
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
}

/** Python `json.dumps(str)` of a string (quotes included). */
export function pyJsonString(s: string, ensureAscii = true): string {
  // JSON.stringify escapes exactly what Python escapes (", \, C0 controls with the same short forms), except
  // that it leaves DEL and non-ASCII literal and escapes lone surrogates; patch those differences.
  if (!LONE_SURROGATE_CANDIDATE.test(s)) {
    const json = JSON.stringify(s)
    return ensureAscii ? json.replace(NON_ASCII, asciiEscape) : json
  }
  let out = '"'
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string
    const code = s.charCodeAt(i)
    const short = SHORT_ESCAPES[ch]
    if (short) out += short
    else if (code < 0x20 || (ensureAscii && code > 0x7e)) out += `\\u${code.toString(16).padStart(4, '0')}`
    else out += ch
  }
  return `${out}"`
}

const NON_ASCII = /[\u007f-\uffff]/g
const LONE_SURROGATE_CANDIDATE = /[\uD800-\uDFFF]/

function asciiEscape(ch: string): string {
  return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`
}

/** Options of `pyJsonDumps`. */
export interface PyDumpsOptions {
  /** Python's `ensure_ascii` (default true, like `json.dumps`). */
  ensureAscii?: boolean
  /** Numbers to print as Python floats even when integral (from `parseJsonPy`). */
  floats?: ReadonlySet<unknown>
}

/** Python `json.dumps(value)` with default separators. Integral numbers print as ints. */
export function pyJsonDumps(value: unknown, options: PyDumpsOptions = {}): string {
  const ensureAscii = options.ensureAscii ?? true
  const dump = (v: unknown): string => {
    if (v === null || v === undefined) return 'null'
    if (v === true) return 'true'
    if (v === false) return 'false'
    if (typeof v === 'number') return Number.isInteger(v) ? intRepr(v) : pyFloatRepr(v)
    if (typeof v === 'string') return pyJsonString(v, ensureAscii)
    if (v instanceof PyFloat) return pyFloatRepr(v.value)
    if (v instanceof PyInt) return v.text
    if (Array.isArray(v)) return v.length === 0 ? '[]' : `[${v.map(dump).join(', ')}]`
    if (typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>)
      if (entries.length === 0) return '{}'
      return `{${entries.map(([k, x]) => `${pyJsonString(k, ensureAscii)}: ${dump(x)}`).join(', ')}}`
    }
    return 'null'
  }
  return dump(value)
}

function intRepr(v: number): string {
  // Number.prototype.toString switches to exponent form at 1e21; Python ints never do.
  return Math.abs(v) < 1e21 ? String(v) : BigInt(v).toString()
}

/** A JSON number that was written as a float (`1.0`, `2e3`), kept so `pyJsonDumps` prints it as Python would. */
export class PyFloat {
  readonly value: number
  constructor(value: number) {
    this.value = value
  }
}

/** A JSON integer too large for a double, kept as its exact digits. */
export class PyInt {
  readonly text: string
  constructor(text: string) {
    this.text = text
  }
}

/**
 * `len(json.dumps(value))` (ensure_ascii) of a plain JSON value (no `PyFloat`/`PyInt`), without building Python's
 * text: the native `JSON.stringify` escapes quotes, backslashes and controls exactly like Python; Python then adds
 * one space per `,`/`:` separator and writes every other non-ASCII code unit (and DEL) as a 6-char `\uXXXX`.
 */
export function pyJsonDumpsLength(value: unknown): number {
  return dumpsLength(value, walk(value).separators)
}

/**
 * `len(json.dumps(json.loads(text)))` from `value`, what `JSON.parse(text)` gave, or null when Python's round trip
 * may differ from it: `text` has a float or huge-int token (see `hasPythonOnlyNumbers`, checked only when the
 * value holds a number at all).
 */
export function pyJsonDumpsLengthOf(text: string, value: unknown): number | null {
  const shape = walk(value)
  if (shape.numbers && hasPythonOnlyNumbers(text)) return null
  return dumpsLength(value, shape.separators)
}

function dumpsLength(value: unknown, separators: number): number {
  const json = JSON.stringify(value) ?? 'null'
  let extra = separators
  if (WIDE_CHAR.test(json)) extra += 5 * json.replace(ASCII_RUN, '').length
  return json.length + extra
}

const WIDE_CHAR = /[\u007f-\uffff]/
// biome-ignore lint/suspicious/noControlCharactersInRegex: every ASCII code unit, controls included
const ASCII_RUN = /[\u0000-\u007e]+/g

/**
 * The `, ` and `: ` separators Python writes for a value (one more character each than JSON.stringify), and
 * whether it holds a number.
 */
function walk(value: unknown): { separators: number; numbers: boolean } {
  const shape = { separators: 0, numbers: false }
  const visit = (v: unknown): void => {
    if (typeof v === 'number') shape.numbers = true
    if (v === null || typeof v !== 'object') return
    if (Array.isArray(v)) {
      if (v.length > 1) shape.separators += v.length - 1
      for (const item of v) visit(item)
      return
    }
    let entries = 0
    for (const key in v) {
      entries++
      visit((v as Record<string, unknown>)[key])
    }
    shape.separators += entries + (entries > 1 ? entries - 1 : 0)
  }
  visit(value)
  return shape
}

/** Length in code points (Python `len`) of a string. */
export function pyLen(s: string): number {
  if (!SURROGATE.test(s)) return s.length
  let n = s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--
        i++
      }
    }
  }
  return n
}

const SURROGATE = /[\uD800-\uDBFF]/
// In JSON a number token always follows ':', '[' or ',' (plus whitespace): this finds every float token and
// every integer too long for a double (and some look-alikes inside strings, which only cost the slow path).
const PYTHON_ONLY_NUMBER = /[:[,]\s*-?\d(?:\d*[.eE]|\d{15})/

/** True when JSON text may hold a float or huge-int token, which Python round-trips differently from JS. */
export function hasPythonOnlyNumbers(text: string): boolean {
  return PYTHON_ONLY_NUMBER.test(text) || /^\s*-?\d/.test(text)
}

/**
 * `JSON.parse` that keeps what Python's `json.loads` would distinguish: numbers written as floats
 * become `PyFloat`, integers beyond 2^53 become `PyInt`. Falls back to plain `JSON.parse` (fast) when
 * the text has no such number. Throws like `JSON.parse` on invalid JSON.
 */
export function parseJsonPy(text: string): unknown {
  if (!hasPythonOnlyNumbers(text)) return JSON.parse(text)
  return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) => {
    if (typeof value !== 'number' || context?.source === undefined) return value
    const src = context.source
    if (/[.eE]/.test(src)) return new PyFloat(value)
    if (!Number.isSafeInteger(value))
      return new PyInt(src.replace(/^-?0+(?=\d)/, (m) => (m.startsWith('-') ? '-' : '')))
    return value
  })
}
