/**
 * Golden files: reviewed regression snapshots, never written by the test that reads them. A missing golden
 * fails; `UPDATE_GOLDEN=1` (and only it) rewrites them, after an intended change, for a reviewed diff.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, relative } from 'node:path'
import { expect } from 'vitest'

/** True when the run was asked to rewrite golden files (`UPDATE_GOLDEN=1`). */
export const UPDATE_GOLDEN = Boolean(process.env.UPDATE_GOLDEN)

/** The error a test fails with when its golden is not committed. */
export function missingGolden(path: string): Error {
  const file = relative(process.cwd(), path)
  return new Error(
    `missing golden ${file}: run with UPDATE_GOLDEN=1 to write it (UPDATE_GOLDEN=1 npx vitest run ...), then review and commit it`,
  )
}

/** Under UPDATE_GOLDEN=1 write `actual` to `path`; otherwise fail when `path` is missing. */
export function prepareGolden(path: string, actual: string): void {
  if (UPDATE_GOLDEN) {
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, actual)
  } else if (!existsSync(path)) {
    throw missingGolden(path)
  }
}

/** `actual` must equal the committed golden at `path` byte for byte. */
export function expectGolden(path: string, actual: string): void {
  prepareGolden(path, actual)
  expect(actual).toBe(readFileSync(path, 'utf8'))
}
