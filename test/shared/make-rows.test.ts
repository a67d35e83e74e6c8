/**
 * The only independent expectations of the parser: `test/fixtures/make_rows.py` writes every fixture row with
 * Python's own `json.dumps` and its tutorial numbers with a transcription of the tutorial's code. This test
 * reruns it (standard-library Python 3, `python3` on PATH) into a temporary directory and fails on any
 * difference from the committed `rows/*.row.json` and `rows/*.seed.json`, so neither can drift from the script.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const FIXTURES = join(import.meta.dirname, '../fixtures')
const ROWS = join(FIXTURES, 'rows')
/** The files make_rows.py owns (the .trace.json goldens are the parser's, checked by parser.test.ts). */
const isScriptOutput = (f: string) => f.endsWith('.row.json') || f.endsWith('.seed.json')
const committed = readdirSync(ROWS).filter(isScriptOutput).sort()

let out: string
let stdout: string

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'hte-make-rows-'))
  try {
    stdout = execFileSync('python3', [join(FIXTURES, 'make_rows.py'), out], { encoding: 'utf8' })
  } catch (err) {
    throw new Error(
      `python3 test/fixtures/make_rows.py failed (python3 must be on PATH): ${err instanceof Error ? err.message : String(err)}`,
    )
  }
})

afterAll(() => {
  if (out) rmSync(out, { recursive: true, force: true })
})

describe('make_rows.py reproduces the committed fixtures', () => {
  it('writes exactly the committed row and seed files', () => {
    expect(committed.length).toBeGreaterThanOrEqual(38)
    expect(stdout.trim()).toBe(`${committed.length / 2} cases`)
    expect(readdirSync(out).sort()).toEqual(committed)
  })

  it.each(committed)('%s is byte-identical to the script output', (file) => {
    const fresh = readFileSync(join(out, file), 'utf8')
    const hint = `${file} differs from make_rows.py's output: fix the script or rerun it`
    expect(readFileSync(join(ROWS, file), 'utf8'), hint).toBe(fresh)
  })
})
