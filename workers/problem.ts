/**
 * Errors as RFC 9457 problem details (`application/problem+json`). Every failure the API reports goes through
 * `HttpProblem`; `index.ts`'s `onError` renders it. Messages name the bad value (`unknown config "kimii"`).
 */

/** A problem document. */
export interface ProblemDetails {
  type: string
  title: string
  status: number
  detail: string
  instance?: string
  /** The offending parameter and value, when the client sent it. */
  param?: string
  value?: string
  /** Seconds to wait before retrying (also sent as the Retry-After header). */
  retryAfter?: number
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  507: 'Insufficient Storage',
}

/** An error that becomes a problem+json response. */
export class HttpProblem extends Error {
  override name = 'HttpProblem'
  readonly status: number
  readonly type: string
  readonly param: string | undefined
  readonly value: string | undefined
  readonly retryAfter: number | undefined
  readonly headers: Record<string, string>

  constructor(
    status: number,
    type: string,
    detail: string,
    extra: { param?: string; value?: string; retryAfter?: number; headers?: Record<string, string> } = {},
  ) {
    super(detail)
    this.status = status
    this.type = type
    this.param = extra.param
    this.value = extra.value
    this.retryAfter = extra.retryAfter
    this.headers = extra.headers ?? {}
  }
}

/** Clip a client-supplied value before echoing it (a 10 KB id must not come back whole). */
export function clipValue(value: string, max = 80): string {
  return value.length <= max ? value : `${value.slice(0, max)}… (${value.length} chars)`
}

/** 400 naming the parameter and its bad value. */
export function badParam(param: string, value: string, why: string): HttpProblem {
  const shown = clipValue(value)
  return new HttpProblem(400, 'invalid-parameter', `${why}: ${param}=${JSON.stringify(shown)}`, {
    param,
    value: shown,
  })
}

/** The JSON body and headers of a problem response. */
export function problemResponse(problem: HttpProblem, instance: string): Response {
  const body: ProblemDetails = {
    type: `https://hermes-trace-explorer.dev/problems/${problem.type}`,
    title: TITLES[problem.status] ?? 'Error',
    status: problem.status,
    detail: problem.message,
    instance,
  }
  if (problem.param !== undefined) body.param = problem.param
  if (problem.value !== undefined) body.value = problem.value
  const headers: Record<string, string> = {
    'content-type': 'application/problem+json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'access-control-allow-origin': '*',
    ...problem.headers,
  }
  if (problem.retryAfter !== undefined) {
    body.retryAfter = problem.retryAfter
    headers['retry-after'] = String(problem.retryAfter)
  }
  return new Response(JSON.stringify(body), { status: problem.status, headers })
}
