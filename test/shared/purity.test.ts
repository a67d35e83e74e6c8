/**
 * `shared/` is runtime-neutral (docs/architecture.md "Layers"; layers.test.ts checks its imports): it runs in
 * Node, workerd and the browser, so it must not import `node:` modules or touch I/O globals. Whatever needs
 * I/O takes it as a parameter.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '../../shared')

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : []
  })
}

const FORBIDDEN: [RegExp, string][] = [
  [/from ['"]node:/, 'a node: import'],
  [/from ['"](fs|path|os|crypto|http|https|child_process)['"]/, 'a Node built-in import'],
  [/\bfetch\(/, 'a fetch call'],
  [/\bprocess\./, 'process'],
  [/\b(window|globalThis\.document)\b/, 'a DOM global'],
  [/\bconsole\.log\b/, 'console.log'],
]

describe('shared/ purity', () => {
  for (const file of files(ROOT)) {
    it(`${file.slice(ROOT.length + 1)} has no I/O`, () => {
      const text = readFileSync(file, 'utf8')
      for (const [pattern, what] of FORBIDDEN) {
        expect(pattern.test(text), `${file} contains ${what}`).toBe(false)
      }
    })
  }
})
