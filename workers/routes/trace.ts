/** `GET /api/trace/:id`: the replay JSON of one row; `?format=` for the export forms. */
import { Hono } from 'hono'
import { z } from 'zod'
import { EXPORT_FORMATS, exportTrace } from '../../shared/export.ts'
import type { AppEnv } from '../env.ts'
import { sendJson, sendJsonText } from '../http.ts'
import { idSchema, parseQuery, parseWith } from '../validate.ts'

export const traceQuery = z.object({
  format: z
    .enum(['trace', ...EXPORT_FORMATS], {
      message: `format must be one of trace, ${EXPORT_FORMATS.join(', ')}`,
    })
    .optional()
    .describe('`trace` (default): the replay document; or an export format.'),
})
export const traceParams = z.object({ id: idSchema })

export const trace = new Hono<AppEnv>().get('/:id', async (c) => {
  const { id } = parseWith(traceParams, { id: c.req.param('id') })
  const { format = 'trace' } = parseQuery(c, traceQuery)
  const data = c.get('data')
  if (format === 'trace') {
    // The document as R2 keeps it: a cold trace is serialised once, a cached one never parsed here.
    const { json, revision } = await data.traceJson(id)
    return sendJsonText(c, revision, json)
  }
  const t = await data.trace(id)
  const body = {
    id: t.id,
    dataset: t.dataset,
    revision: t.revision,
    sample: t.sample,
    config: t.config,
    format,
    ...exportTrace(t, format),
  }
  return sendJson(c, t.revision, body)
})
