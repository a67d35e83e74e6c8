/**
 * The search page's URL handling without a browser (site/islands/search.ts): the view's canonical parameters,
 * the viewer links of hits (1-based step permalinks), and Retry-After.
 */
import { describe, expect, test } from 'vitest'
import { hitHref, retryAfterSeconds, searchParams } from '../../site/islands/search.ts'

describe('searchParams', () => {
  test('one canonical view: q trimmed, roles as one list in conversation-field order, empty filters dropped', () => {
    const p = searchParams('?q=%20nginx%20&role=tool&role=think,gpt&config=kimi&tool=&error=any&limit=5&x=1')
    expect([...p]).toEqual([
      ['q', 'nginx'],
      ['role', 'gpt,think,tool'],
      ['config', 'kimi'],
      ['error', 'any'],
    ])
    // Unknown roles are kept for the API to name in its 400.
    expect(searchParams('?q=a&role=tool,bogus').get('role')).toBe('tool,bogus')
    expect(searchParams('').toString()).toBe('')
  })
})

describe('hitHref', () => {
  test('steps[i] is #step-(i+1); messages without a step open the raw view at the message', () => {
    expect(hitHref({ id: 'a b', message: 7, step: 0 }, 'conf* "no such"')).toBe(
      '/trace/a%20b?q=conf*+%22no+such%22&m=7#step-1',
    )
    expect(hitHref({ id: 'x', message: 1, step: null }, 'nginx')).toBe('/trace/x?q=nginx&m=1#message-1')
  })
})

describe('retryAfterSeconds', () => {
  test('seconds or an HTTP date, clamped to 1..120; 5 without a usable header', () => {
    const now = Date.parse('2026-12-01T10:00:00Z')
    expect(retryAfterSeconds('7', now)).toBe(7)
    expect(retryAfterSeconds('0', now)).toBe(1)
    expect(retryAfterSeconds('86400', now)).toBe(120)
    expect(retryAfterSeconds('Tue, 01 Dec 2026 10:00:30 GMT', now)).toBe(30)
    expect(retryAfterSeconds(null, now)).toBe(5)
    expect(retryAfterSeconds('soon', now)).toBe(5)
  })
})
