/**
 * The Hermes markup parser: `<think>`, `<tool_call>` and `<tool_response>` blocks inside message text.
 *
 * Format (hermes-agent trajectories, docs/dataset.md "Markup inside the messages"): a gpt message is
 * `<think>\n…\n</think>\n` + optional text + `<tool_call>\n{json}\n</tool_call>` blocks; a tool message holds
 * one `<tool_response>\n{json}\n</tool_response>` block per call. Real rows deviate (unbalanced think tags,
 * invalid JSON, unclosed blocks), so nothing here throws: deviations become `ParseWarning`s.
 */

import { isRecord, tryParseJson } from './json.ts'
import { type PayloadScan, scanCallPayload } from './payload-scan.ts'
import type { Call, ParseWarning } from './types.ts'

/** The name tutorial-compatible counting gives a call whose payload is not valid JSON. */
export const MALFORMED = '<malformed>'

/** What `parseGptMessage` finds in one assistant message. */
export interface ParsedGpt {
  /** Contents of `<think>` blocks, trimmed, in order. */
  thoughts: string[]
  /** `<tool_call>` blocks, parsed. */
  calls: Call[]
  /** Text outside think and call blocks, trimmed. */
  answer: string
  /** Tutorial counting: tool names of `<tool_call>\s*({…})\s*</tool_call>` matches (`<malformed>` when not JSON). */
  seedCallNames: string[]
  /** Tutorial counting: the matched payloads, for call-length metrics. */
  seedCallPayloads: string[]
  /** The payloads' JSON values (undefined when invalid or not parsed), parsed once for every use. */
  seedCallValues: unknown[]
  /**
   * Statistics mode: the payloads' tutorial lengths where the scan read them without parsing
   * (shared/payload-scan.ts); undefined where the length comes from the value.
   */
  seedCallLengths: (number | undefined)[]
  /** Tutorial counting: number of `<think>(.*?)</think>` matches. */
  seedThinkCount: number
}

/** What `parseToolMessage` finds in one tool message. */
export interface ParsedToolBlock {
  /** `name` of the payload, or null. */
  name: string | null
  /** `tool_call_id` of the payload, or null. */
  toolCallId: string | null
  /** `content` of the payload; the raw body when the payload is not a JSON object. */
  content: unknown
  /** The raw body, trimmed. */
  raw: string
  /** False when the body was not a JSON object. */
  wellFormed: boolean
}

// The tutorial's regexes (Python re with DOTALL), transcribed: `[\s\S]` is Python's DOTALL `.`.
const SEED_CALL = /<tool_call>\s*(\{[\s\S]*?\})\s*<\/tool_call>/g
const SEED_THINK = /<think>[\s\S]*?<\/think>/g
const THINK_OPEN = '<think>'
const THINK_CLOSE = '</think>'
const CALL_OPEN = '<tool_call>'
const CALL_CLOSE = '</tool_call>'
const RESPONSE_OPEN = '<tool_response>'
const RESPONSE_CLOSE = '</tool_response>'

/** Parse one `<tool_call>` payload into a `Call` (`parsed`: the payload's JSON value when already known). */
export function parseCallPayload(raw: string, parsed?: unknown): Call {
  const value = parsed === undefined ? tryParseJson(raw) : parsed
  if (isRecord(value) && typeof value.name === 'string') {
    return { name: value.name, arguments: value.arguments ?? null, malformed: false, raw }
  }
  return { name: MALFORMED, arguments: null, malformed: true, raw }
}

/**
 * Tutorial-compatible call name of a regex-matched payload: `json.loads(m)['name']`, or `<malformed>`
 * when the payload is not valid JSON (or has no name).
 */
function seedCallName(value: unknown): string {
  if (isRecord(value) && value.name !== undefined && value.name !== null) return String(value.name)
  return MALFORMED
}

/** How many of each tag a message holds, and where its first `<think>` and `</think>` are (-1: none). */
interface TagCounts {
  thinkOpens: number
  thinkCloses: number
  callOpens: number
  firstThinkOpen: number
  firstThinkClose: number
}

/** One pass over a message's `<` characters, counting the tags `parseGptMessage` needs. */
export function scanTags(value: string): TagCounts {
  const tags = { thinkOpens: 0, thinkCloses: 0, callOpens: 0, firstThinkOpen: -1, firstThinkClose: -1 }
  for (let at = value.indexOf('<'); at >= 0; at = value.indexOf('<', at + 1)) {
    const next = value.charCodeAt(at + 1)
    if (next === 0x74 /* t */) {
      if (value.startsWith(THINK_OPEN, at)) {
        if (tags.thinkOpens++ === 0) tags.firstThinkOpen = at
      } else if (value.startsWith(CALL_OPEN, at)) {
        tags.callOpens++
      }
    } else if (next === 0x2f /* / */ && value.startsWith(THINK_CLOSE, at)) {
      if (tags.thinkCloses++ === 0) tags.firstThinkClose = at
    }
  }
  return tags
}

/** Thoughts and the text outside them. */
interface SplitThoughts {
  thoughts: string[]
  /** The text outside the thoughts: `base.slice(restAt)` (a scan reads `base`, unsliced, faster). */
  rest: string
  base: string
  restAt: number
  thinkPairs: number
  thinkUnclosed: boolean
}

/**
 * The common shapes, without building the outside text piece by piece: no think tags at all, or one closed
 * `<think>` block with nothing but whitespace before it (the writer's `<think>\n…\n</think>\n` prefix). Gives what
 * `splitThoughts` gives for them (the leading whitespace is left out of `rest`: it holds no tag, and the answer is
 * trimmed). Null for any other shape.
 */
export function simpleThoughts(value: string, tags: TagCounts): SplitThoughts | null {
  if (tags.thinkOpens === 0 && tags.thinkCloses === 0) {
    return { thoughts: [], rest: value, base: value, restAt: 0, thinkPairs: 0, thinkUnclosed: false }
  }
  const open = tags.firstThinkOpen
  const close = tags.firstThinkClose
  if (tags.thinkOpens !== 1 || tags.thinkCloses !== 1 || close < open) return null
  if (open > 0 && value.slice(0, open).trim() !== '') return null
  return {
    thoughts: [value.slice(open + THINK_OPEN.length, close).trim()],
    rest: value.slice(close + THINK_CLOSE.length),
    base: value,
    restAt: close + THINK_CLOSE.length,
    thinkPairs: 1,
    thinkUnclosed: false,
  }
}

/** Every shape: one left-to-right walk, repairing unbalanced and unclosed think tags (with warnings). */
export function splitThoughts(
  value: string,
  tags: TagCounts,
  index: number,
  warnings: ParseWarning[],
): SplitThoughts {
  const thoughts: string[] = []
  let rest = ''
  let pos = 0
  let thinkPairs = 0
  let thinkUnclosed = false
  const opens = tags.thinkOpens
  const closes = tags.thinkCloses
  if (opens !== closes) {
    warnings.push({
      code: 'unbalanced_think',
      message: index,
      detail: `${opens} <think> tag(s) but ${closes} </think> tag(s)`,
    })
  }
  if (opens === 0 && closes > 0) {
    // A stray closing tag: everything before it was reasoning whose opening tag is missing.
    const end = value.indexOf(THINK_CLOSE)
    thoughts.push(value.slice(0, end).trim())
    pos = end + THINK_CLOSE.length
  }
  while (pos < value.length) {
    const open = value.indexOf(THINK_OPEN, pos)
    if (open < 0) {
      rest += value.slice(pos)
      break
    }
    rest += value.slice(pos, open)
    const bodyStart = open + THINK_OPEN.length
    const close = value.indexOf(THINK_CLOSE, bodyStart)
    const nextOpen = value.indexOf(THINK_OPEN, bodyStart)
    if (close >= 0 && (nextOpen < 0 || close < nextOpen)) {
      thoughts.push(value.slice(bodyStart, close).trim())
      thinkPairs++
      pos = close + THINK_CLOSE.length
      continue
    }
    thinkUnclosed = true
    // Unclosed <think>: the reasoning runs to the next <think>, the first <tool_call>, or the end.
    const callAt = value.indexOf(CALL_OPEN, bodyStart)
    let end = value.length
    if (nextOpen >= 0) end = nextOpen
    if (callAt >= 0 && callAt < end) end = callAt
    thoughts.push(value.slice(bodyStart, end).trim())
    pos = end
  }
  rest = rest.split(THINK_CLOSE).join('')
  return { thoughts, rest, base: rest, restAt: 0, thinkPairs, thinkUnclosed }
}

/**
 * Split a gpt message into thoughts, calls and answer text.
 * @param value the message text
 * @param index the message's index in the conversation (for warnings)
 * @param warnings receives deviations found
 * @param lazy statistics mode: payloads the scan reads are not parsed (their calls' `arguments` are null)
 */
export function parseGptMessage(
  value: string,
  index: number,
  warnings: ParseWarning[],
  lazy = false,
): ParsedGpt {
  // Think blocks first (reasoning may mention "<tool_call>" literally), then calls in the remaining text.
  const tags = scanTags(value)
  const { thoughts, rest, base, restAt, thinkPairs, thinkUnclosed } =
    simpleThoughts(value, tags) ?? splitThoughts(value, tags, index, warnings)
  const calls: Call[] = []

  // Calls in the text outside thoughts.
  let answer = ''
  let cpos = 0
  let allClosed = true
  const raws: string[] = []
  const values: unknown[] = []
  const scans: (PayloadScan | null)[] = []
  while (cpos < rest.length) {
    const open = rest.indexOf(CALL_OPEN, cpos)
    if (open < 0) {
      answer += rest.slice(cpos)
      break
    }
    answer += rest.slice(cpos, open)
    const bodyStart = open + CALL_OPEN.length
    const close = rest.indexOf(CALL_CLOSE, bodyStart)
    const raw = (close < 0 ? rest.slice(bodyStart) : rest.slice(bodyStart, close)).trim()
    if (close < 0) {
      allClosed = false
      warnings.push({
        code: 'unclosed_tool_call',
        message: index,
        detail: '<tool_call> without </tool_call>',
      })
    }
    const scan = lazy
      ? scanCallPayload(base, restAt + bodyStart, restAt + (close < 0 ? rest.length : close))
      : null
    const parsed = scan ? undefined : tryParseJson(raw)
    raws.push(raw)
    values.push(parsed)
    scans.push(scan)
    const call: Call = scan
      ? { name: scan.name, arguments: null, malformed: false, raw }
      : parseCallPayload(raw, parsed)
    if (call.malformed) {
      warnings.push({
        code: 'malformed_call',
        message: index,
        detail: `invalid call payload: ${clip(raw, 80)}`,
      })
    }
    calls.push(call)
    cpos = close < 0 ? rest.length : close + CALL_CLOSE.length
  }
  // The tutorial's counting. When every `<tool_call>` of the message is a closed block outside the reasoning
  // whose trimmed payload starts with '{' and ends with '}', its regex matches exactly those payloads (the lazy
  // `\{…\}` can only end at the block's own `</tool_call>`, the first one after the tag): reuse them. Likewise
  // its `<think>(.*?)</think>` count equals the pairs found when no `<think>` was left unclosed.
  const seedCallNames: string[] = []
  const seedCallPayloads: string[] = []
  const seedCallValues: unknown[] = []
  const seedCallLengths: (number | undefined)[] = []
  const addSeedCall = (payload: string, parsed: unknown, scan: PayloadScan | null | undefined) => {
    seedCallPayloads.push(payload)
    seedCallValues.push(parsed)
    seedCallNames.push(scan ? scan.name : seedCallName(parsed))
    seedCallLengths.push(scan ? scan.length : undefined)
  }
  const blocksAreSeedMatches =
    allClosed && tags.callOpens === raws.length && raws.every((r) => r.startsWith('{') && r.endsWith('}'))
  if (blocksAreSeedMatches) {
    for (const [k, raw] of raws.entries()) {
      addSeedCall(raw, values[k], scans[k])
    }
  } else if (value.includes(CALL_OPEN)) {
    for (const m of value.matchAll(SEED_CALL)) {
      const payload = m[1] as string
      const known = raws.indexOf(payload)
      const scan = known >= 0 ? scans[known] : lazy ? scanCallPayload(payload) : null
      const parsed = known >= 0 ? values[known] : scan ? undefined : tryParseJson(payload)
      addSeedCall(payload, parsed, scan)
    }
  }
  const seedThinkCount = !thinkUnclosed ? thinkPairs : (value.match(SEED_THINK)?.length ?? 0)
  return {
    thoughts,
    calls,
    answer: answer.trim(),
    seedCallNames,
    seedCallPayloads,
    seedCallValues,
    seedCallLengths,
    seedThinkCount,
  }
}

/**
 * Split a tool message into its `<tool_response>` blocks. A message without any block is one block
 * holding the whole text (some writers omit the tags).
 */
export function parseToolMessage(
  value: string,
  index: number,
  warnings: ParseWarning[],
  lazy = false,
): ParsedToolBlock[] {
  const blocks: ParsedToolBlock[] = []
  let pos = 0
  const block = lazy ? lazyToolBlock : toolBlock
  if (!value.includes(RESPONSE_OPEN)) return [block(value.trim(), index, warnings)]
  while (pos < value.length) {
    const open = value.indexOf(RESPONSE_OPEN, pos)
    if (open < 0) break
    const bodyStart = open + RESPONSE_OPEN.length
    const close = value.indexOf(RESPONSE_CLOSE, bodyStart)
    if (close < 0) {
      warnings.push({
        code: 'unclosed_tool_response',
        message: index,
        detail: '<tool_response> without </tool_response>',
      })
    }
    blocks.push(
      block((close < 0 ? value.slice(bodyStart) : value.slice(bodyStart, close)).trim(), index, warnings),
    )
    pos = close < 0 ? value.length : close + RESPONSE_CLOSE.length
  }
  return blocks
}

function toolBlock(raw: string, index: number, warnings: ParseWarning[]): ParsedToolBlock {
  const value = tryParseJson(raw)
  if (isRecord(value)) {
    return {
      name: typeof value.name === 'string' ? value.name : null,
      toolCallId: typeof value.tool_call_id === 'string' ? value.tool_call_id : null,
      content: 'content' in value ? value.content : value,
      raw,
      wellFormed: true,
    }
  }
  warnings.push({
    code: 'malformed_response',
    message: index,
    detail: `response is not a JSON object: ${clip(raw, 80)}`,
  })
  return { name: null, toolCallId: null, content: raw, raw, wellFormed: false }
}

// The hermes-agent writer's response prefix (Python json.dumps key order), with name and id captured.
const CLEAN_RESPONSE = /^\{"tool_call_id": "([^"\\]*)", "name": "([^"\\]*)", "content": [{[]/
// Everything that can make the taxonomy report a failure of an object `content` (see errors.ts), written so it
// also matches some non-failures (then the body is parsed): a non-zero exit code, an error value that is not
// null/false/"", success false, a failed status; plus \u-escaped letters, which could spell any of those keys.
// The lookaheads reject whitespace too, so `\s*` cannot stop short of the value: `"exit_code": 0` must not match
// by reading ` 0` as the value.
const FAILURE_SIGNAL =
  /"exit_code"\s*:\s*(?!\s|0\s*[,}])|"error"\s*:\s*(?!\s|null\s*[,}]|false\s*[,}]|""\s*[,}])|"success"\s*:\s*false|"status"\s*:\s*"(?:error|timeout)"|\\u00[4-7][0-9a-fA-F]/

/**
 * For statistics only: a response block whose content cannot be a failure is not parsed (most of a row's
 * bytes). Its `content` is null. Blocks that might fail, hold string content or deviate from the writer's
 * form are parsed exactly like `toolBlock`, so the taxonomy counts are identical.
 */
function lazyToolBlock(raw: string, index: number, warnings: ParseWarning[]): ParsedToolBlock {
  const clean = CLEAN_RESPONSE.exec(raw)
  if (!clean || !raw.endsWith('}') || FAILURE_SIGNAL.test(raw)) return toolBlock(raw, index, warnings)
  return { name: clean[2] as string, toolCallId: clean[1] as string, content: null, raw, wellFormed: true }
}

/** The first `<tool_response>` body of a tool message as the tutorial finds it, or null when none. */
export function firstResponseBody(value: string): string | null {
  const open = value.indexOf(RESPONSE_OPEN)
  if (open < 0) return null
  const close = value.indexOf(RESPONSE_CLOSE, open + RESPONSE_OPEN.length)
  if (close < 0) return null
  return value.slice(open + RESPONSE_OPEN.length, close)
}

/** Shorten a string for a warning message. */
export function clip(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ')
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`
}
