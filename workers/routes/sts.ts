/**
 * `GET /api/trace/:id/sts.jsonl`: one trace as the file the Hugging Face Hub's trace viewer loads (Session Trace
 * Simple format, `shared/export.ts` `traceToStsJsonl`): a session header line, then the messages. Sent as an
 * attachment named `<id>.jsonl`, ready to upload to a Hub dataset (one file per session). `?format=sts` on
 * `/api/trace/:id` keeps its JSON form (`{ lines }`).
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { traceToStsJsonl } from '../../shared/export.ts'
import type { AppEnv } from '../env.ts'
import { CACHE, sendRepresentation } from '../http.ts'
import { parseQuery, parseWith } from '../validate.ts'
import { traceParams } from './trace.ts'

/** No query parameters (but `revision`, accepted by every route). */
export const stsQuery = z.object({})

export const sts = new Hono<AppEnv>().get('/:id/sts.jsonl', async (c) => {
  const { id } = parseWith(traceParams, { id: c.req.param('id') })
  parseQuery(c, stsQuery)
  const t = await c.get('data').trace(id)
  const res = sendRepresentation(c, {
    revision: t.revision,
    body: traceToStsJsonl(t),
    contentType: 'application/x-ndjson; charset=utf-8',
    cache: CACHE.revision,
    etagExtra: 'sts.jsonl',
  })
  // The id is [A-Za-z0-9._:-] (validate.ts): safe in a quoted filename.
  res.headers.set('content-disposition', `attachment; filename="${t.id.replace(/:/g, '_')}.jsonl"`)
  return res
})
