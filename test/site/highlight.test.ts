/**
 * Search-hit highlighting without a browser (site/islands/highlight.ts): the ranges `matchRanges` finds are
 * checked against an independent oracle written here with regular expressions over the original text (word
 * boundaries by lookaround, case-insensitive matching), on seeded random texts; marks are built as DOM nodes
 * (linkedom), never parsed from the text.
 */
import { parseHTML } from 'linkedom'
import { describe, expect, test } from 'vitest'
import { seededRandom as rng } from '../../scripts/lib/random.ts'
import {
  clearHighlight,
  highlightIn,
  markedText,
  matchRanges,
  parseQueryTerms,
  type QueryTerms,
  type Range,
} from '../../site/islands/highlight.ts'

// Words whose lowercase keeps their length and whose case folding equals toLowerCase (no sigma, no dotted I).
const VOCAB = [
  'error',
  'Error',
  'ERROR',
  'errors',
  'RecursionError',
  'file_not_found',
  'nginx',
  'Nginx',
  'config',
  'configure',
  'café',
  'CAFÉ',
  'привет',
  'Привет',
  'x86',
  '404',
  'a',
  'ab',
]
const SEPARATORS = [' ', '  ', '\n', '. ', ', ', '/', '-', '"', '<', '>', '=', '(', ')', ': ', '\t', '—']

function randomText(next: () => number, words: number): string {
  let out = ''
  for (let i = 0; i < words; i++) {
    out += VOCAB[Math.floor(next() * VOCAB.length)]
    out += SEPARATORS[Math.floor(next() * SEPARATORS.length)]
  }
  return out
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const W = '[\\p{L}\\p{N}_]'
const B = `(?<!${W})`
const E = `(?!${W})`

/** The oracle: every occurrence of each term by regular expression, merged. */
function oracle(text: string, terms: QueryTerms): Range[] {
  const patterns = [
    ...terms.words.map((w) => `${B}${escapeRe(w)}${E}`),
    ...terms.prefixes.map((p) => `${B}${escapeRe(p)}${W}*`),
    ...terms.phrases.map((ws) => `${B}${ws.map(escapeRe).join(`(?:[^\\p{L}\\p{N}_])+`)}${E}`),
  ]
  const ranges: Range[] = []
  for (const pattern of patterns) {
    // Overlapping occurrences (a phrase repeated in a row) are found by restarting one character later.
    const re = new RegExp(pattern, 'giu')
    for (let m = re.exec(text); m; m = re.exec(text)) {
      ranges.push([m.index, m.index + m[0].length])
      re.lastIndex = m.index + 1
    }
  }
  ranges.sort((a, b) => a[0] - b[0])
  const merged: Range[] = []
  for (const r of ranges) {
    const last = merged[merged.length - 1]
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1])
    else merged.push([r[0], r[1]])
  }
  return merged
}

describe('parseQueryTerms', () => {
  test('words, quoted phrases and prefixes, normalised', () => {
    expect(parseQueryTerms('Nginx "Permission  Denied" conf* "Solo" x*')).toEqual({
      words: ['nginx', 'solo', 'x'],
      prefixes: ['conf'],
      phrases: [['permission', 'denied']],
    })
    expect(parseQueryTerms('ＡＢＣ Straße')).toEqual({ words: ['abc', 'straße'], prefixes: [], phrases: [] })
    expect(parseQueryTerms(' ... "" * ')).toEqual({ words: [], prefixes: [], phrases: [] })
    // An unclosed quote runs to the end.
    expect(parseQueryTerms('"no such file').phrases).toEqual([['no', 'such', 'file']])
  })
})

describe('matchRanges', () => {
  test('equals a regular-expression scan on 300 seeded random texts and queries', () => {
    const next = rng(20261201)
    let marked = 0
    for (let i = 0; i < 300; i++) {
      const text = randomText(next, 5 + Math.floor(next() * 60))
      const pick = () => (VOCAB[Math.floor(next() * VOCAB.length)] as string).toLowerCase()
      const terms: QueryTerms = { words: [], prefixes: [], phrases: [] }
      const kind = i % 4
      if (kind === 0 || kind === 3) terms.words.push(pick())
      if (kind === 1 || kind === 3) {
        const p = pick()
        if (p.length >= 2) terms.prefixes.push(p.slice(0, 2 + Math.floor(next() * (p.length - 1))))
      }
      if (kind === 2 || kind === 3) {
        // A phrase of two adjacent words of the text itself (so phrases do occur).
        const words = text.match(/[\p{L}\p{N}_]+/gu) ?? []
        const at = Math.floor(next() * Math.max(1, words.length - 1))
        if (words.length >= 2)
          terms.phrases.push([words[at] ?? '', words[at + 1] ?? ''].map((w) => w.toLowerCase()))
      }
      const expected = oracle(text, terms)
      expect(matchRanges(text, terms), `${JSON.stringify(text)} ${JSON.stringify(terms)}`).toEqual(expected)
      marked += expected.length
    }
    // The random queries did find things (the comparison was not all empty lists).
    expect(marked).toBeGreaterThan(300)
  })

  test('NFKC: full-width letters match and the marks cover the original characters', () => {
    const text = 'see ＮＧＩＮＸ logs'
    expect(matchRanges(text, parseQueryTerms('nginx'))).toEqual([[4, 9]])
    expect(matchRanges('RecursionError: onerror=', parseQueryTerms('error'))).toEqual([])
    expect(matchRanges('onerror=x', parseQueryTerms('onerror'))).toEqual([[0, 7]])
    // Tag names are markup; the same word elsewhere is a word.
    expect(matchRanges('<think>I think</think>', parseQueryTerms('think'))).toEqual([[9, 14]])
  })
})

describe('DOM marks', () => {
  const { document } = parseHTML('<!doctype html><html><body></body></html>')

  test('markedText builds <mark> nodes from API ranges and keeps markup in the text inert', () => {
    const text = '<img src=x onerror=alert(1)> and <script>x</script>'
    const box = document.createElement('p')
    box.append(
      markedText(
        text,
        [
          [1, 4],
          [11, 18],
        ],
        document,
      ),
    )
    expect(box.textContent).toBe(text)
    expect(Array.from(box.querySelectorAll('mark')).map((m) => m.textContent)).toEqual(['img', 'onerror'])
    expect(box.querySelectorAll('img, script').length).toBe(0)
  })

  test('markedText clips and skips bad ranges without losing or repeating text', () => {
    const text = 'abcdefghij'
    const box = document.createElement('p')
    box.append(
      markedText(
        text,
        [
          [8, 40],
          [-5, 2],
          [1, 3],
          [5, 5],
          [0.5, 3],
          [4, 6],
        ],
        document,
      ),
    )
    expect(box.textContent).toBe(text)
    expect(Array.from(box.querySelectorAll('mark')).map((m) => m.textContent)).toEqual(['ab', 'ef', 'ij'])
  })

  test('highlightIn marks matches in nested text, twice adds nothing, clearHighlight restores the text', () => {
    const box = document.createElement('div')
    const pre = document.createElement('pre')
    pre.textContent = 'Error: <b>nginx</b> failed; NGINX restarted'
    const p = document.createElement('p')
    p.append('permission ', document.createElement('code'), ' denied: Permission Denied')
    box.append(pre, p)
    const before = box.innerHTML
    const terms = parseQueryTerms('nginx "permission denied"')
    expect(highlightIn(box, terms)).toBe(3)
    expect(Array.from(box.querySelectorAll('mark.hit')).map((m) => m.textContent)).toEqual([
      'nginx',
      'NGINX',
      'Permission Denied',
    ])
    expect(box.querySelectorAll('b').length).toBe(0)
    expect(highlightIn(box, terms)).toBe(0)
    clearHighlight(box)
    expect(box.innerHTML).toBe(before)
  })
})
