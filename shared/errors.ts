/**
 * The tool-error taxonomy: does a tool response report a failure, and of which kind?
 *
 * Based on the hermes-agent tool output shapes (docs/dataset.md "Writer byte details"): terminal reports
 * `{output, exit_code, error}` (a non-zero exit keeps `error: null`; a timeout is exit 124), file tools add an
 * `error` field, browser tools say `success: false`, execute_code has a `status`, a failed patch becomes a plain
 * string with a `[Hint: old_string not found…]` suffix. Unlike the tutorial's substring heuristic, `"error": null`
 * is not a failure here.
 */

import { clip, firstResponseBody } from './hermes.ts'
import { isRecord, tryParseJson } from './json.ts'
import { pyJsonDumps } from './pyjson.ts'
import type { ErrorKind } from './types.ts'

/** A classified failure. */
export interface ToolFailure {
  kind: ErrorKind
  /** One line naming what failed, e.g. `exit code 2: ls: cannot access '/x'`. */
  message: string
}

const TIMEOUT = /timed out|timeout/i
const PERMISSION = /permission denied|operation not permitted|EACCES/i
const NOT_FOUND = /no such file|file not found|not found|does not exist|ENOENT/i
const TRACEBACK = 'Traceback (most recent call last)'
const PATCH_MISMATCH = /old_string not found|\[Hint: old_string/i

function hasErrorValue(v: unknown): boolean {
  return v !== null && v !== undefined && v !== false && v !== ''
}

/** Kind from the failure's text, with `fallback` when no rule matches. */
function kindFromText(text: string, fallback: ErrorKind): ErrorKind {
  if (TIMEOUT.test(text)) return 'timeout'
  if (PERMISSION.test(text)) return 'permission'
  if (text.includes(TRACEBACK)) return 'traceback'
  if (NOT_FOUND.test(text)) return 'not_found'
  return fallback
}

function lastLine(text: string): string {
  const lines = text.trimEnd().split('\n')
  return lines[lines.length - 1] ?? ''
}

function asText(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v)
}

/**
 * Classify one tool response's `content`.
 * @returns the failure, or null when the response reports success (or nothing recognisable as failure)
 */
export function classifyToolResponse(content: unknown): ToolFailure | null {
  if (typeof content === 'string') {
    if (PATCH_MISMATCH.test(content)) return { kind: 'patch_mismatch', message: clip(content, 160) }
    if (content.includes(TRACEBACK)) return { kind: 'traceback', message: clip(lastLine(content), 160) }
    if (/^\s*(error|exception)\b/i.test(content)) {
      return { kind: kindFromText(content, 'error_field'), message: clip(content, 160) }
    }
    return null
  }
  if (!isRecord(content)) return null

  if ('exit_code' in content) {
    const code = content.exit_code
    const err = content.error
    const output = asText(content.output)
    const failed = (typeof code === 'number' && code !== 0) || hasErrorValue(err)
    if (!failed) return null
    if (code === 124) return { kind: 'timeout', message: clip(asText(err) || 'exit code 124 (timeout)', 160) }
    const detail = hasErrorValue(err) ? asText(err) : lastLine(output)
    const message = clip(`exit code ${asText(code)}${detail ? `: ${detail}` : ''}`, 160)
    const text = `${asText(err)}\n${output.slice(-4000)}`
    return {
      kind: kindFromText(text, hasErrorValue(err) && code === 0 ? 'error_field' : 'nonzero_exit'),
      message,
    }
  }
  if (hasErrorValue(content.error)) {
    const err = asText(content.error)
    const fallback: ErrorKind = content.success === false ? 'failed' : 'error_field'
    return { kind: kindFromText(err, fallback), message: clip(err, 160) }
  }
  if (content.success === false) {
    const why = asText(content.message ?? content.reason ?? '')
    return { kind: kindFromText(why, 'failed'), message: clip(why || 'success: false', 160) }
  }
  if (content.status === 'error' || content.status === 'timeout') {
    const output = asText(content.output ?? content.error)
    if (content.status === 'timeout')
      return { kind: 'timeout', message: clip(output || 'status: timeout', 160) }
    return { kind: kindFromText(output, 'failed'), message: clip(lastLine(output) || 'status: error', 160) }
  }
  return null
}

/**
 * The tutorial's "has an error" test for one tool message: its first `<tool_response>` body parsed as JSON
 * (else the raw body; else the whole message), serialised by Python's `json.dumps` and lowercased, contains
 * `error`, `"exit_code": 1` or `traceback`. Over-counts on purpose: `"error": null` matches.
 */
export function seedToolMessageHasError(value: string): boolean {
  const body = firstResponseBody(value)
  const text = body ?? value
  // Fast paths, exact by construction: json.dumps never breaks a run of ASCII letters (it only escapes quotes,
  // backslashes, controls and non-ASCII), so "error"/"traceback" in the source text survive; without them and
  // without "exit_code" or a \u escape that could decode to letters, the dumped text cannot match either.
  // A non-unicode /i regex folds ASCII only, like Python's lower() on json.dumps' ASCII output.
  if (/error|traceback/i.test(text)) return true
  if (!/exit_code/i.test(text) && !text.includes('\\u')) return false
  let subject: unknown = text
  if (body !== null) {
    const parsed = tryParseJson(body)
    if (parsed !== undefined) subject = parsed
  }
  const dumped = pyJsonDumps(subject).toLowerCase()
  return dumped.includes('error') || dumped.includes('"exit_code": 1') || dumped.includes('traceback')
}
