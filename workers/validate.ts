/**
 * Request validation with zod at the edge of each route: the same schemas generate the OpenAPI document.
 * Every failure becomes a 400 problem naming the parameter and the value; unknown parameters are refused
 * (a typo must not silently return unfiltered data).
 */
import type { Context } from 'hono'
import { z } from 'zod'
import type { AppEnv } from './env.ts'
import { badParam } from './problem.ts'

/** Parse the query string against an object schema of string-coercing fields. */
export function parseQuery<S extends z.ZodObject>(c: Context<AppEnv>, schema: S): z.infer<S> {
  const url = new URL(c.req.url)
  const raw: Record<string, string> = {}
  const allowed = new Set(Object.keys(schema.shape))
  for (const [key, value] of url.searchParams.entries()) {
    // `revision` is accepted by every route and validated once, by the API middleware (index.ts).
    if (key === 'revision' && !allowed.has(key)) continue
    if (!allowed.has(key)) {
      const known = [...allowed, 'revision'].join(', ')
      throw badParam(key, value, `unknown parameter (allowed: ${known})`)
    }
    if (key in raw) throw badParam(key, value, 'parameter given more than once')
    raw[key] = value
  }
  return parseWith(schema, raw)
}

/** Validate path parameters (or any string record) against a schema. */
export function parseWith<S extends z.ZodType>(schema: S, raw: Record<string, string>): z.infer<S> {
  const result = schema.safeParse(raw)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const param = String(issue?.path[0] ?? 'query')
  throw badParam(param, raw[param] ?? '', issue?.message ?? 'invalid value')
}

/** A row id: UUIDs in the real data; any short token of safe characters is accepted. */
export const idSchema = z
  .string()
  .min(1, 'id is empty')
  .max(128, 'id is longer than 128 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'id must be letters, digits, ".", "_", ":" or "-"')
  .describe('Row id (a 36-character UUID in the real dataset).')

/** A config name (validated against the card later: unknown names get a 400 listing the known ones). */
export const configSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'config must be a short name like "kimi" or "glm-5.1"')
  .describe('Dataset config (subset): `kimi` or `glm-5.1`.')

/** A non-negative integer query parameter, with bounds. */
export function intParam(description: string, min: number, max: number) {
  return z
    .string()
    .regex(/^\d{1,9}$/, 'must be a non-negative integer')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be >= ${min}`).max(max, `must be <= ${max}`))
    .describe(description)
}
