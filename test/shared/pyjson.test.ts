/**
 * Python `json.dumps` compatibility: lengths and texts checked against values printed by CPython 3.11
 * (`len(json.dumps(v))`), and the fast length path against the full serialiser.
 */
import { describe, expect, it } from 'vitest'
import {
  parseJsonPy,
  pyFloatRepr,
  pyJsonDumps,
  pyJsonDumpsLength,
  pyJsonDumpsLengthOf,
  pyLen,
} from '../../shared/pyjson.ts'

const CASES: [unknown, number][] = [
  [
    {
      name: 't',
      arguments: {
        a: [1, 2, {}],
        b: 'x\u007fy',
        c: 'café 🙂 日',
        d: 'q"\\\n\t\u0001',
        e: [],
        f: null,
        g: true,
      },
    },
    155,
  ],
  [[], 2],
  [{}, 2],
  ['plain', 7],
  [['a', 'b'], 10],
  [{ k: { k2: ['v', 1, -2] } }, 27],
]

describe('pyjson', () => {
  for (const [value, pythonLength] of CASES) {
    it(`len(json.dumps(${JSON.stringify(value).slice(0, 40)})) == ${pythonLength}`, () => {
      expect(pyLen(pyJsonDumps(value))).toBe(pythonLength)
      expect(pyJsonDumpsLength(value)).toBe(pythonLength)
    })
  }

  it('measures from the JSON.parse value unless the text has a float or huge-int token', () => {
    // Lengths are Python's: len(json.dumps(json.loads(text))).
    const cases: [string, number | null][] = [
      ['{"a": 1}', 8],
      ['{"a":1,"b":[2,3]}', 21],
      ['{"a": "1.0, 2e5"}', 17], // number-like text inside a string: no number in the value
      ['{"a": 1.0}', null], // Python keeps 1.0; the JS value is 1
      ['[12345678901234567890]', null],
      ['{"a": "é"}', 15],
    ]
    for (const [text, expected] of cases) {
      expect(pyJsonDumpsLengthOf(text, JSON.parse(text)), text).toBe(expected)
      if (expected !== null) expect(pyLen(pyJsonDumps(parseJsonPy(text))), text).toBe(expected)
    }
  })

  it('writes Python separators and ASCII escapes', () => {
    expect(pyJsonDumps({ a: [1, 'é'], b: null })).toBe('{"a": [1, "\\u00e9"], "b": null}')
    expect(pyJsonDumps('🙂', { ensureAscii: true })).toBe('"\\ud83d\\ude42"')
    expect(pyJsonDumps('é', { ensureAscii: false })).toBe('"é"')
  })

  it('prints floats like Python repr, kept by parseJsonPy', () => {
    expect(pyFloatRepr(1)).toBe('1.0')
    expect(pyFloatRepr(1e16)).toBe('1e+16')
    expect(pyFloatRepr(1e-5)).toBe('1e-05')
    expect(pyFloatRepr(0.0001)).toBe('0.0001')
    expect(pyFloatRepr(123456789012345680000)).toBe('1.2345678901234568e+20')
    expect(pyJsonDumps(parseJsonPy('{"t": 1.0, "big": 12345678901234567890, "e": 2e3}'))).toBe(
      '{"t": 1.0, "big": 12345678901234567890, "e": 2000.0}',
    )
  })
})
