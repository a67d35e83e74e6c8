/**
 * A `<tool_call>` payload's name and tutorial length read straight from its text, for statistics mode: no
 * `JSON.parse` (whose value would hold copies of every argument string) and no `JSON.stringify` to measure it.
 *
 * The length is the tutorial's call length, Python's `len(json.dumps(json.loads(payload)))`: separators `", "` and
 * `": "`, no other whitespace, strings escaped with `ensure_ascii` (`\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`, every
 * other control and every code unit from DEL up as a 6-character `\uXXXX`), integers as Python prints them.
 *
 * The scan is sound, not complete: it answers only for payloads it understands fully, and null for anything else
 * (a float or a 16-digit integer, a duplicate key, a key or name with escapes, a top level that is not an object
 * with a string `name`, invalid JSON, nesting deeper than 64), which then take the `JSON.parse` path. Whatever it
 * answers is what that path gives: test/shared/payload-scan.test.ts checks it on random texts against that path,
 * and test/shared/lazy.test.ts checks that statistics mode gives the full parse's stats on the fixtures and a sample.
 */

/** What `scanCallPayload` reads from a payload. */
export interface PayloadScan {
  /** The top-level `name` string. */
  name: string
  /** Python's `len(json.dumps(json.loads(payload)))`. */
  length: number
}

const MAX_DEPTH = 64
/** Integers of more digits may not round-trip through a double (the `JSON.parse` path prints them exactly). */
const MAX_INT_DIGITS = 15

/** Python length of one character of a JSON string once escaped with `ensure_ascii`, by code unit. */
function escapedLength(u: number): number {
  if (u === 0x22 || u === 0x5c) return 2
  if (u >= 0x20) return u < 0x7f ? 1 : 6
  return u === 0x08 || u === 0x09 || u === 0x0a || u === 0x0c || u === 0x0d ? 2 : 6
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  const lower = c | 0x20
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10
  return -1
}

// What a string scan stops at: a character that is not printable ASCII (a control, or DEL and up), and a backslash
// not followed by a character of an escape that keeps its length (or the second half of a `\\`).
// biome-ignore lint/suspicious/noControlCharactersInRegex: what printable ASCII is not
const SPECIAL = /[\u0000-\u001f\u007f-\uffff]|\\[^"\\bfnrt]/g

/** Where the global `pattern` first matches in `text` at or after `from`, or `end` when it does not before `end`. */
function searchFrom(pattern: RegExp, text: string, from: number, end: number): number {
  pattern.lastIndex = from
  const m = pattern.exec(text)
  return m ? Math.min(m.index, end) : end
}

/**
 * Whether the character at `at`, inside a string, is escaped: an odd run of backslashes precedes it. The run stops at
 * the string's opening quote at the latest.
 */
function escapedAt(text: string, at: number): boolean {
  let k = at - 1
  while (text.charCodeAt(k) === 0x5c) k--
  return ((at - 1 - k) & 1) === 1
}

class Scanner {
  private readonly text: string
  private readonly end: number
  pos: number
  /** The top-level `name` value, once read. */
  name: string | null = null
  /** The next match of `SPECIAL` at or after the position it was looked for from (`end`: none before it). */
  private nextSpecial = -1

  constructor(text: string, start: number, end: number) {
    this.text = text
    this.pos = start
    this.end = end
  }

  skipSpace(): void {
    const { text, end } = this
    let i = this.pos
    while (i < end) {
      const c = text.charCodeAt(i)
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break
      i++
    }
    this.pos = i
  }

  /** The Python length of the value at `pos` (moving past it), or -1. */
  value(depth: number): number {
    if (this.pos >= this.end) return -1
    const c = this.text.charCodeAt(this.pos)
    if (c === 0x22) return this.string()
    if (c === 0x7b) return depth < MAX_DEPTH ? this.object(depth + 1) : -1
    if (c === 0x5b) return depth < MAX_DEPTH ? this.array(depth + 1) : -1
    if (c === 0x74) return this.literal('true')
    if (c === 0x66) return this.literal('false')
    if (c === 0x6e) return this.literal('null')
    return this.number()
  }

  private literal(word: string): number {
    if (this.pos + word.length > this.end || !this.text.startsWith(word, this.pos)) return -1
    this.pos += word.length
    return word.length
  }

  /** An integer of at most `MAX_INT_DIGITS` digits; Python prints `-0` as `0`. */
  private number(): number {
    const { text, end } = this
    const start = this.pos
    let i = start
    if (i < end && text.charCodeAt(i) === 0x2d) i++
    const digitsAt = i
    while (i < end) {
      const c = text.charCodeAt(i)
      if (c < 0x30 || c > 0x39) break
      i++
    }
    const digits = i - digitsAt
    if (digits === 0 || digits > MAX_INT_DIGITS) return -1
    if (digits > 1 && text.charCodeAt(digitsAt) === 0x30) return -1 // a leading zero: not JSON
    if (i < end) {
      const c = text.charCodeAt(i)
      if (c === 0x2e || c === 0x65 || c === 0x45) return -1 // a float
    }
    this.pos = i
    const negativeZero = digits === 1 && digitsAt > start && text.charCodeAt(digitsAt) === 0x30
    return negativeZero ? 1 : i - start
  }

  /**
   * A string at `pos` (its opening quote): its escaped Python length, quotes included, or -1.
   *
   * The writer's text already has Python's form except in a few places, so the length is the raw length plus
   * corrections, and no step is taken per ordinary escape: `\n`, `\"`, `\\`, `\t`, `\r`, `\b` and `\f` keep their two
   * characters; each code unit from DEL up becomes a 6-character `\uXXXX` (+5); `\/` becomes `/` (-1); `\uXXXX`
   * becomes what `escapedLength` gives. Two searches: the closing quote (a `"` after an even run of backslashes), and
   * `SPECIAL`, remembered across the payload's strings so the text is searched once: the characters that are not
   * printable ASCII (a control inside a string is not JSON) and the backslashes not followed by one of `"\bfnrt`, the
   * other escapes, each checked and corrected (or the second half of a `\\`, skipped).
   */
  string(): number {
    const { text, end } = this
    const open = this.pos
    let close = open
    for (;;) {
      close = text.indexOf('"', close + 1)
      if (close < 0 || close >= end) return -1
      if (!escapedAt(text, close)) break
    }
    let length = close - open + 1
    if (this.nextSpecial <= open) this.nextSpecial = searchFrom(SPECIAL, text, open + 1, end)
    while (this.nextSpecial < close) {
      const at = this.nextSpecial
      let after = at + 1
      const c = text.charCodeAt(at)
      if (c !== 0x5c) {
        if (c < 0x20) return -1 // a raw control character: not JSON
        length += 5
      } else {
        if (!escapedAt(text, at)) {
          // An escape starts here (else this is the second half of a `\\`).
          const e = text.charCodeAt(at + 1)
          if (e === 0x2f) {
            length -= 1
            after = at + 2
          } else if (e === 0x75 && at + 5 < close) {
            let u = 0
            for (let h = 2; h < 6; h++) {
              const v = hexValue(text.charCodeAt(at + h))
              if (v < 0) return -1
              u = u * 16 + v
            }
            length += escapedLength(u) - 6
            after = at + 6
          } else {
            return -1
          }
        }
      }
      this.nextSpecial = searchFrom(SPECIAL, text, after, end)
    }
    this.pos = close + 1
    return length
  }

  private array(depth: number): number {
    this.pos++
    this.skipSpace()
    if (this.pos < this.end && this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos++
      return 2
    }
    let length = 2
    for (let n = 0; ; n++) {
      const item = this.value(depth)
      if (item < 0) return -1
      length += item + (n > 0 ? 2 : 0)
      this.skipSpace()
      if (this.pos >= this.end) return -1
      const c = this.text.charCodeAt(this.pos++)
      if (c === 0x5d) return length
      if (c !== 0x2c) return -1
      this.skipSpace()
    }
  }

  private object(depth: number): number {
    this.pos++
    this.skipSpace()
    if (this.pos < this.end && this.text.charCodeAt(this.pos) === 0x7d) {
      this.pos++
      return 2
    }
    let length = 2
    const keys: string[] = []
    for (let n = 0; ; n++) {
      if (this.pos >= this.end || this.text.charCodeAt(this.pos) !== 0x22) return -1
      const keyStart = this.pos
      const keyLength = this.string()
      if (keyLength < 0) return -1
      const key = this.text.slice(keyStart + 1, this.pos - 1)
      // Escaped keys could spell a key seen before in another way: not handled here.
      if (key.includes('\\') || keys.includes(key)) return -1
      keys.push(key)
      this.skipSpace()
      if (this.pos >= this.end || this.text.charCodeAt(this.pos) !== 0x3a) return -1
      this.pos++
      this.skipSpace()
      const valueStart = this.pos
      const value = this.value(depth)
      if (value < 0) return -1
      if (depth === 1 && key === 'name') {
        const raw = this.text.slice(valueStart, this.pos)
        if (raw.charCodeAt(0) !== 0x22 || raw.includes('\\')) return -1
        this.name = raw.slice(1, -1)
      }
      length += keyLength + 2 + value + (n > 0 ? 2 : 0)
      this.skipSpace()
      if (this.pos >= this.end) return -1
      const c = this.text.charCodeAt(this.pos++)
      if (c === 0x7d) return length
      if (c !== 0x2c) return -1
      this.skipSpace()
    }
  }
}

/**
 * The name and tutorial length of the call payload `text` (or of `text.slice(start, end)`), or null when the scan
 * does not answer (see the file comment): then parse it.
 */
export function scanCallPayload(text: string, start = 0, end = text.length): PayloadScan | null {
  const scanner = new Scanner(text, start, end)
  scanner.skipSpace()
  if (scanner.pos >= end || text.charCodeAt(scanner.pos) !== 0x7b) return null
  const length = scanner.value(0)
  if (length < 0) return null
  scanner.skipSpace()
  if (scanner.pos !== end || scanner.name === null) return null
  return { name: scanner.name, length }
}
