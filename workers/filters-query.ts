/**
 * The row filters (shared/filters.ts `TraceFilter`) as query parameters: one zod shape shared by
 * `GET /api/traces` and `GET /api/export.jsonl`, so both routes accept, validate and document (OpenAPI) exactly
 * the same filters, and a filter copied from the explorer's URL selects the same rows in an export.
 */
import { z } from 'zod'
import { ERROR_FILTERS } from '../shared/filters.ts'
import { configSchema, intParam } from './validate.ts'

const text = (what: string) =>
  z.string().min(1, `${what} is empty`).max(200, `${what} is longer than 200 characters`)

/** The filter parameters, to spread into a route's query schema (`z.object({ ...filterShape, ... })`). */
export const filterShape = {
  config: configSchema.optional(),
  category: text('category').optional().describe('Exact category, e.g. `Terminal & Coding`.'),
  subcategory: text('subcategory').optional().describe('Exact subcategory.'),
  tool: text('tool')
    .optional()
    .describe('Rows that call this tool (with `error`: rows where this tool failed).'),
  error: z
    .enum(ERROR_FILTERS, { message: `error must be one of ${ERROR_FILTERS.join(', ')}` })
    .optional()
    .describe(
      '`any`: a call failed (taxonomy); `none`: no call failed; `seed`: the tutorial heuristic; or an error kind.',
    ),
  minMessages: intParam('Rows with at least this many messages.', 0, 100_000).optional(),
  maxMessages: intParam('Rows with at most this many messages.', 0, 100_000).optional(),
  minCalls: intParam('Rows with at least this many tool calls.', 0, 100_000).optional(),
  maxCalls: intParam('Rows with at most this many tool calls.', 0, 100_000).optional(),
  minParallel: intParam('Rows whose widest turn has at least this many calls.', 0, 10_000).optional(),
  q: text('q').optional().describe('Case-insensitive substring of the task.'),
}
