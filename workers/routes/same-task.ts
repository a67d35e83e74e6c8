/**
 * `GET /api/trace/:id/same-task`: the other rows, in any config, whose task text is identical to this trace's,
 * from the revision's same-task index (`workers/data/same-task.ts`). At most `SAME_TASK_LIMIT` are listed;
 * `total` counts them all. 503 + Retry-After while the row summaries the index needs are still computed.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import type { SameTaskList } from '../../shared/types.ts'
import { sameTaskRows } from '../data/same-task.ts'
import type { AppEnv } from '../env.ts'
import { sendJson } from '../http.ts'
import { parseQuery, parseWith } from '../validate.ts'
import { traceParams } from './trace.ts'

/** Most rows one answer lists. */
export const SAME_TASK_LIMIT = 50

/** No query parameters (but `revision`, accepted by every route). */
export const sameTaskQuery = z.object({})

export const sameTask = new Hono<AppEnv>().get('/:id/same-task', async (c) => {
  const { id } = parseWith(traceParams, { id: c.req.param('id') })
  parseQuery(c, sameTaskQuery)
  const data = c.get('data')
  const t = await data.trace(id)
  const others = await sameTaskRows(data, t.task, t.id)
  const body: SameTaskList = {
    dataset: t.dataset,
    revision: t.revision,
    sample: t.sample,
    id: t.id,
    task: t.task,
    total: others.length,
    traces: others.slice(0, SAME_TASK_LIMIT),
  }
  return sendJson(c, t.revision, body)
})
