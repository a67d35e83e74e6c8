/**
 * Error signatures: a failed tool call's message with everything run-specific replaced by placeholders, so the
 * same failure in different rows groups under one key.
 *
 * Two steps. `failureDetail` picks the informative line of the failed response (the exception line of a Python
 * traceback or a Node crash, the `error` field, the output's last line that is not a runtime trailer such as
 * `Node.js v22.9.0`). `failureSignature` normalises that line: URLs, UUIDs, hashes, paths, quoted values and
 * numbers become `<url>`, `<id>`, `<hash>`, `<path>`, `<str>`, `<n>`, whitespace collapses and the result is
 * capped at `SIGNATURE_MAX` characters. A few frequent shapes get a fixed form (`command not found: <word>`,
 * `ModuleNotFoundError: No module named <name>`). Pure and deterministic.
 */

import { isRecord, tryParseJson } from './json.ts'

/** Longest signature (characters); longer ones end with `…`. */
export const SIGNATURE_MAX = 160
/** Longest example message kept beside a signature (characters). */
export const DETAIL_MAX = 160

const TRACEBACK = 'Traceback (most recent call last)'
const HINT = /\s*\[Hint:[\s\S]*$/
/**
 * Lines a runtime prints after the error itself (stack frames, version banners, log pointers, carets) or that
 * report a success beside the failure (go test's `ok <package>`).
 */
const TRAILER =
  /^(?:at\s|ok\s|Node\.js v\d|npm (?:error|ERR!) A complete log|npm (?:error|ERR!)\s*$|\^+$|~+$|File ".*", line \d+|During handling of the above exception)/
/** An exception line: `KeyError: 'x'`, `json.decoder.JSONDecodeError: …`, `Error: …`. */
const EXCEPTION_LINE = /^(?:[A-Za-z_][\w.]*\.)?[A-Z]\w*(?:Error|Exception|Exit|Interrupt|Warning)\b/
const NPM_CODE = /^npm (?:error|ERR!) code (\S+)/

function text(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v)
}

function lines(s: string): string[] {
  return s
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
}

/**
 * The informative line of a block of output: the exception line of a traceback (its last one), the `npm error
 * code` line of an npm failure, else the last line that is not a runtime trailer (stack frame, `Node.js v…`,
 * npm's log pointer, a caret marker). Empty when the text is blank.
 */
export function informativeLine(output: string): string {
  const all = lines(output)
  if (all.length === 0) return ''
  if (output.includes(TRACEBACK)) {
    for (let i = all.length - 1; i >= 0; i--) {
      const line = all[i] as string
      if (EXCEPTION_LINE.test(line)) return line
    }
  }
  for (const line of all) {
    const npm = NPM_CODE.exec(line)
    if (npm) return `npm error code ${npm[1]}`
  }
  for (let i = all.length - 1; i >= 0; i--) {
    const line = all[i] as string
    if (!TRAILER.test(line)) return line
  }
  return all[all.length - 1] as string
}

/**
 * The informative line of a failed call, from its response `content` (the shapes `classifyToolResponse` knows)
 * and the taxonomy's one-line `message`; `null` content (no response) falls back to the message.
 */
export function failureDetail(content: unknown, message: string): string {
  let detail = ''
  if (typeof content === 'string') {
    const body = content.replace(HINT, '')
    const parsed = body === content ? undefined : tryParseJson(body)
    if (isRecord(parsed) && typeof parsed.error === 'string') detail = informativeLine(parsed.error)
    else detail = informativeLine(body)
  } else if (isRecord(content)) {
    const err = content.error
    const hasError = err !== null && err !== undefined && err !== false && err !== ''
    if ('exit_code' in content) {
      // Exit 124 is the sandbox's timeout: the output then is whatever ran before the kill, not the failure.
      if (hasError) detail = informativeLine(text(err))
      else if (content.exit_code !== 124) detail = informativeLine(text(content.output))
      if (detail === '') detail = `exit code ${text(content.exit_code)}`
    } else if (hasError) {
      detail = informativeLine(text(err))
    } else if (content.success === false) {
      detail = informativeLine(text(content.message ?? content.reason ?? ''))
    } else if (content.status === 'timeout') {
      // The output of a timed-out script is its progress so far; the duration says more.
      const secs = content.duration_seconds
      detail = typeof secs === 'number' ? `timed out after ${secs}s` : 'status: timeout'
    } else if (content.status === 'error') {
      detail = informativeLine(text(content.output))
      if (detail === '') detail = 'status: error'
    }
  }
  if (detail === '') detail = message
  return clipLine(detail, DETAIL_MAX)
}

function clipLine(s: string, max: number): string {
  const one = s.replace(/\s+/g, ' ').trim()
  return one.length <= max ? one : `${one.slice(0, max - 1)}…`
}

// ---------------------------------------------------------------------------------------------------------
// Normalisation rules, applied in this order (earlier placeholders are never rewritten by later rules).

const URL_RE = /\b(?:https?|wss?|ftp|file):\/\/[^\s'"<>`)\]},]+/g
const UUID_RE = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi
const HEX_RE = /\b(?:0x[0-9a-f]+|(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,})\b/gi
/** `bash: foo: command not found`, `sh: 1: foo: not found`, `zsh: command not found: foo`. */
const COMMAND_NOT_FOUND =
  /^(?:(?:[\w./-]+: )?(?:line \d+: )?\S+: command not found|(?:[\w./-]+: )?\d+: \S+: not found|(?:[\w./-]+: )?command not found: \S+)$/
const NO_MODULE = /\bNo module named ['"]?[\w.]+['"]?/g
/** pip's requirement in its resolver errors: `… found for celery==7.0.0`. */
const PIP_REQUIREMENT = /\b(No matching distribution found for|satisfies the requirement) \S+/g
/** Quoted values: the quote must not sit inside a word (so `can't` is no quote). */
const QUOTED_RE = /(?<![\w'"`])(['"`])([^'"`\n]{0,200})\1(?![\w'"`])/g
/** Absolute, home and dot-relative paths; other relative paths need two slashes or a file extension. */
const PATH_RE =
  /(?<![\w<>/.:-])(?:(?:~|\.{1,2})?\/[\w.@+~-]+(?:\/[\w.@+~-]*)*|[\w@+~-][\w.@+~-]*(?:\/[\w@+~-][\w.@+~-]*){2,}|[\w@+~-][\w.@+~-]*\/(?:[\w@+~-][\w.@+~-]*\/)*[\w@+~-]*\.[A-Za-z][\w]{0,5})(?![\w/])/g
const REF_RE = /(?<![\w<])@[a-z]+\d+\b/g
const VERSION_RE = /(?<![\w<.])v\d+(?:\.\d+)+\b/g
/** Numbers not glued to a word: `42`, `-1`, `3.14`, `2,150`, `7.57s`, `30000ms`, `127.0.0.1`. */
const NUMBER_RE =
  /(?<![\w<.])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)*(?:ms|s|m|h|[kKMG]i?B|[kKMG]|%)?(?![\w>])/g

function placeholderFor(quoted: string): string {
  PATH_RE.lastIndex = 0
  const path = PATH_RE.exec(quoted)
  PATH_RE.lastIndex = 0
  return path && path[0] === quoted ? '<path>' : '<str>'
}

/**
 * The signature of a failure's informative line (see the module comment). Idempotent:
 * `failureSignature(failureSignature(x)) === failureSignature(x)`.
 */
export function failureSignature(detail: string): string {
  let s = detail.replace(/\s+/g, ' ').trim()
  if (COMMAND_NOT_FOUND.test(s)) return 'command not found: <word>'
  s = s.replace(URL_RE, '<url>')
  s = s.replace(UUID_RE, '<id>')
  s = s.replace(NO_MODULE, 'No module named <name>')
  s = s.replace(PIP_REQUIREMENT, '$1 <pkg>')
  s = s.replace(QUOTED_RE, (_m, _q: string, inner: string) => placeholderFor(inner))
  s = s.replace(PATH_RE, '<path>')
  s = s.replace(HEX_RE, '<hash>')
  s = s.replace(REF_RE, '<ref>')
  s = s.replace(VERSION_RE, 'v<n>')
  s = s.replace(NUMBER_RE, (m) => `<n>${/[a-zA-Z%]+$/.exec(m)?.[0] ?? ''}`)
  s = s
    .replace(/=+ (.*?) =+$/, '$1')
    .replace(/^=+|=+$/g, '')
    .trim()
  if (s === '') s = '(empty message)'
  return s.length <= SIGNATURE_MAX ? s : `${s.slice(0, SIGNATURE_MAX - 1)}…`
}
