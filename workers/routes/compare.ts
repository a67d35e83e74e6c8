/**
 * `GET /api/compare?a=<id>&b=<id>`: two traces side by side. Both are loaded like `GET /api/trace/:id` (R2 first,
 * else the row's pages inside the memory gate), then aligned step by step (`shared/compare.ts`). `a` may equal `b`.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { compareTraces } from '../../shared/compare.ts'
import type { Comparison, Trace } from '../../shared/types.ts'
import type { DataContext } from '../data/context.ts'
import { allSettledOrThrow } from '../data/memo.ts'
import type { AppEnv } from '../env.ts'
import { sendJson } from '../http.ts'
import { badParam, HttpProblem } from '../problem.ts'
import { idSchema, parseQuery } from '../validate.ts'

export const compareQuery = z.object({
  a: idSchema.describe('Id of trace A (the left column).'),
  b: idSchema.describe('Id of trace B (the right column); may equal `a`.'),
})

/** The trace of one parameter; an unknown id is a 404 naming that parameter. */
async function traceOf(data: DataContext, param: 'a' | 'b', id: string): Promise<Trace> {
  try {
    return await data.trace(id)
  } catch (err) {
    if (err instanceof HttpProblem && err.status === 404 && err.param === 'id') {
      throw new HttpProblem(404, 'unknown-id', `${param}: ${err.message}`, { param, value: id })
    }
    throw err
  }
}

export const compare = new Hono<AppEnv>().get('/', async (c) => {
  const url = new URL(c.req.url)
  for (const param of ['a', 'b'] as const) {
    if (!url.searchParams.has(param)) throw badParam(param, '', `missing: ${param} must be a trace id`)
  }
  const { a, b } = parseQuery(c, compareQuery)
  const data = c.get('data')
  const [ta, tb] = (await allSettledOrThrow([traceOf(data, 'a', a), traceOf(data, 'b', b)])) as [Trace, Trace]
  const body: Comparison = {
    dataset: ta.dataset,
    revision: ta.revision,
    sample: ta.sample,
    ...compareTraces(ta, tb),
  }
  return sendJson(c, ta.revision, body)
})
