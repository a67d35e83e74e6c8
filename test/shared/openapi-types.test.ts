/**
 * The response schemas of the OpenAPI document (workers/schemas.ts) and the contract types (shared/types.ts) are
 * the same types: checked by the type checker (`npm run typecheck`), so the document cannot drift from the code.
 * The runtime half parses the fixtures' golden traces with the schemas.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, expectTypeOf, it } from 'vitest'
import type { z } from 'zod'
import type { Coverage, FailureList, Stats, StatsSet, Step, Trace, TraceSummary } from '../../shared/types.ts'
import {
  type CoverageSchema,
  type FailureListSchema,
  type StatsSchema,
  type StatsSetSchema,
  type StepSchema,
  TraceSchema,
  type TraceSummarySchema,
} from '../../workers/schemas.ts'

describe('response schemas equal the contract types', () => {
  it('type level', () => {
    expectTypeOf<z.infer<typeof TraceSchema>>().toEqualTypeOf<Trace>()
    expectTypeOf<z.infer<typeof StepSchema>>().toEqualTypeOf<Step>()
    expectTypeOf<z.infer<typeof TraceSummarySchema>>().toEqualTypeOf<TraceSummary>()
    expectTypeOf<z.infer<typeof CoverageSchema>>().toEqualTypeOf<Coverage>()
    expectTypeOf<z.infer<typeof StatsSchema>>().toEqualTypeOf<Stats>()
    expectTypeOf<z.infer<typeof StatsSetSchema>>().toEqualTypeOf<StatsSet>()
    expectTypeOf<z.infer<typeof FailureListSchema>>().toEqualTypeOf<FailureList>()
  })

  it('the golden traces of every fixture parse with TraceSchema', () => {
    const dir = new URL('../fixtures/', import.meta.url)
    const goldens = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.trace.json'),
    )
    expect(goldens.length).toBeGreaterThan(0)
    for (const file of goldens) {
      const trace = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as Trace
      // Goldens are parsed offline (no commit sha): the API always fills in the 40-hex revision.
      const result = TraceSchema.strict().safeParse({ ...trace, revision: 'a'.repeat(40) })
      expect(result.error?.issues ?? [], file).toEqual([])
    }
  })
})
