/**
 * shared/payload-scan.ts: whatever the scan answers equals what the parsing path gives (`JSON.parse` for the name,
 * `seedCallLength` for the length, itself checked against Python in pyjson.test.ts and the row fixtures), on
 * hand-written payloads whose lengths Python computed, and on random texts, valid and broken.
 */
import { describe, expect, it } from 'vitest'
import { seededRandom as rng } from '../../scripts/lib/random.ts'
import { isRecord } from '../../shared/json.ts'
import { scanCallPayload } from '../../shared/payload-scan.ts'
import { seedCallLength } from '../../shared/stats.ts'

/** What the parsing path gives for a payload: its name and length, or null when it has no string name. */
function parsed(text: string): { name: string; length: number | null } | null {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  if (!isRecord(value) || typeof value.name !== 'string') return null
  return { name: value.name, length: seedCallLength(text, value) }
}

describe('scanCallPayload', () => {
  // Lengths: Python's len(json.dumps(json.loads(text))), computed with python3 when this test was written.
  it.each([
    ['{"name": "x", "arguments": {"a": -0}}', 'x', 36],
    ['{"name":"terminal","arguments":{"command":"ls -la\\n","timeout":30}}', 'terminal', 73],
    [
      '{ "name" : "w" ,\n "arguments" : { "path" : "a\\/b" , "content" : "caf\\u00e9 \u00e9 \\ud83d\\ude42 \ud83d\ude42 \u007f \\u0001 \\t \\" \\\\" } }',
      'w',
      123,
    ],
    ['{"name": "n", "arguments": [1, [2, []], {}, true, false, null, "", -12345678901234]}', 'n', 84],
    ['{"arguments": {"x": {"name": 5}}, "name": "late"}', 'late', 49],
  ])('%s', (text, name, length) => {
    expect(scanCallPayload(text)).toEqual({ name, length })
    expect(parsed(text)).toEqual({ name, length })
  })

  it.each([
    ['{"name": "x", "arguments": {"a": 1.0}}', 'a float (Python prints 1.0)'],
    ['{"name": "x", "arguments": {"a": 1e3}}', 'an exponent'],
    ['{"name": "x", "arguments": {"a": 1234567890123456}}', 'a 16-digit integer'],
    ['{"name": "x", "name": "y"}', 'a duplicate key'],
    ['{"name": "x", "arguments": {"a": 1, "a": 2}}', 'a duplicate nested key'],
    ['{"na\\u006de": "x"}', 'an escaped key'],
    ['{"name": "x\\n"}', 'a name with an escape'],
    ['{"name": 5}', 'a name that is not a string'],
    ['{"arguments": {}}', 'no name'],
    ['["name", "x"]', 'not an object'],
    ['{"name": "x",}', 'a trailing comma'],
    ['{"name": "x", "a": 01}', 'a leading zero'],
    ['{"name": "x", "a": "\u0001"}', 'a raw control character'],
    ['{"name": "x", "a": "\\x"}', 'an invalid escape'],
    ['{"name": "x", "a": "\\u12"}', 'a short \\u escape'],
    ['{"name": "x"} {}', 'text after the value'],
    ['{"name": "x", "a": tru}', 'a broken literal'],
    ['{"name": "x"\u00a0}', 'whitespace JSON does not allow'],
    [`{"name": "x", "a": ${'['.repeat(70)}${']'.repeat(70)}}`, 'nesting deeper than 64'],
  ])('no answer for %s (%s)', (text) => {
    expect(scanCallPayload(text)).toBeNull()
  })

  it('reads a payload inside a longer text by its bounds', () => {
    const text = '<tool_call>\n{"name": "t", "arguments": {}}\n</tool_call>'
    const start = text.indexOf('\n')
    const end = text.lastIndexOf('\n')
    expect(scanCallPayload(text, start, end)).toEqual({ name: 't', length: 30 })
    expect(parsed(text.slice(start, end))).toEqual({ name: 't', length: 30 })
  })

  it('answers only what parsing gives, on 20,000 random texts (valid and broken)', () => {
    const next = rng(5)
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T
    const CHARS = [
      'a',
      ' ',
      'é',
      '\u00e9',
      '🙂',
      '\u007f',
      '"',
      '\\',
      '\n',
      '\t',
      '\u0001',
      '/',
      '<',
      '中',
      '\ud800',
      '\r',
      '\b',
      '\f',
      'u',
      'b',
    ]
    // Controls JSON has a two-character escape for (`\n`...): written that way or as `\u00XX`.
    const SHORT_ESCAPES = ['\n', '\t', '\r', '\b', '\f']
    const KEYS = ['name', 'arguments', 'path', 'a', 'b', 'content', 'é']
    const SPACE = ['', '', ' ', '\n', '  ', '\t', '\r\n']
    // A JSON string with random characters, each written plainly or as some escape.
    const str = (): string => {
      let out = '"'
      const n = Math.floor(next() * 6)
      for (let i = 0; i < n; i++) {
        const c = pick(CHARS)
        const code = c.charCodeAt(0)
        const r = next()
        if (c === '"' || c === '\\') out += `\\${c}`
        else if (SHORT_ESCAPES.includes(c) && r < 0.7) out += JSON.stringify(c).slice(1, -1)
        else if (c.length === 1 && (r < 0.3 || code < 0x20)) out += `\\u${code.toString(16).padStart(4, '0')}`
        else if (c === '/' && r < 0.6) out += '\\/'
        else out += c
      }
      return `${out}"`
    }
    const num = () =>
      pick(['0', '-0', '7', '-42', '123456789012345', '1234567890123456', '1.5', '2e3', '-0.0'])
    const value = (depth: number): string => {
      const r = next()
      if (depth > 3 || r < 0.35) return str()
      if (r < 0.5) return num()
      if (r < 0.6) return pick(['true', 'false', 'null'])
      if (r < 0.8) {
        const items = Array.from({ length: Math.floor(next() * 4) }, () => value(depth + 1))
        return `[${items.map((x) => pick(SPACE) + x + pick(SPACE)).join(',')}]`
      }
      return object(depth + 1, false)
    }
    const object = (depth: number, top: boolean): string => {
      const entries: string[] = []
      const n = Math.floor(next() * 4)
      if (top && next() < 0.9)
        entries.push(`"name":${pick(SPACE)}${next() < 0.9 ? `"${pick(KEYS)}"` : value(depth)}`)
      for (let i = 0; i < n; i++) {
        entries.push(
          `${pick(SPACE)}"${pick(KEYS)}"${pick(SPACE)}:${pick(SPACE)}${value(depth)}${pick(SPACE)}`,
        )
      }
      if (top) entries.sort(() => next() - 0.5)
      return `{${entries.join(',')}}`
    }
    let answered = 0
    let valid = 0
    for (let n = 0; n < 20000; n++) {
      let text = pick(SPACE) + object(0, true) + pick(SPACE)
      if (next() < 0.25) {
        // Break it: drop, double or change one character.
        const at = Math.floor(next() * text.length)
        const r = next()
        text =
          r < 0.33
            ? text.slice(0, at) + text.slice(at + 1)
            : r < 0.66
              ? text.slice(0, at) + text[at] + text.slice(at)
              : text.slice(0, at) + pick([',', '"', '\\', '}', ']', ':', '0']) + text.slice(at + 1)
      }
      const expected = parsed(text)
      if (expected && expected.length !== null) valid++
      const scan = scanCallPayload(text)
      if (scan === null) continue
      answered++
      expect(scan, text).toEqual(expected)
    }
    // The scan answers for most payloads that parse (the rest have floats, long integers, duplicate keys...).
    expect(valid).toBeGreaterThan(5000)
    expect(answered).toBeGreaterThan(valid * 0.4)
  })
})
