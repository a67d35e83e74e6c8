/**
 * A dataset row -> `Trace` (the replay document) and `TraceSummary` (the per-row numbers).
 *
 * Steps follow the tutorial's TraceReplayer: one step per gpt message; the tool message(s) after it hold the
 * responses, paired with the calls by position (calls carry no id in this format).
 */
import { classifyToolResponse, seedToolMessageHasError } from './errors.ts'
import { MALFORMED, type ParsedGpt, parseGptMessage, parseToolMessage } from './hermes.ts'
import { isRecord, tryParseJson } from './json.ts'
import { pyLen } from './pyjson.ts'
import type {
  ErrorKind,
  Message,
  ParseWarning,
  Provenance,
  Response,
  Role,
  Step,
  ToolDef,
  Trace,
  TraceSummary,
} from './types.ts'

/** Which dataset, config and revision a row comes from. */
export interface RowContext extends Provenance {
  config: string
}

/** The tutorial-compatible numbers of a row that a `Trace` does not carry, for stats. */
export interface SeedRowData {
  /** Per gpt turn: tool names matched by the tutorial's regex. */
  callNames: string[][]
  /** Per gpt turn: matched call payloads. */
  callPayloads: string[][]
  /** Per gpt turn: the payloads' JSON values (undefined when invalid, or when the length below is known). */
  callValues: unknown[][]
  /** Per gpt turn: tutorial lengths read without parsing (statistics mode); undefined: from the value. */
  callLengths: (number | undefined)[][]
  /** Per gpt turn: number of `<think>` matches. */
  thinkCounts: number[]
  /** The tutorial's heuristic error flag. */
  hasError: boolean
}

/** A parsed row: the trace plus what stats need beyond it. */
export interface ParsedRow {
  trace: Trace
  seed: SeedRowData
  /** gpt turns that hold both calls and plain text. */
  textBesideCallTurns: number
  /** Names of the row's toolset. */
  toolNames: ReadonlySet<string>
}

const ROLES: ReadonlySet<string> = new Set(['system', 'human', 'gpt', 'tool'])

function str(v: unknown): string {
  return typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v)
}

/**
 * Parsed `tools` texts: a config has a handful of distinct toolsets repeated over thousands of rows, so each text
 * is parsed once (bounded: the memo starts over when it holds `TOOLSETS_MEMO` texts). Memoized lists are shared
 * between rows' traces and never mutated.
 */
const toolsets = new Map<string, ToolDef[]>()
const TOOLSETS_MEMO = 16

/** Parse the `tools` column (OpenAI function list as a JSON string) into tool definitions. */
export function toolsFromColumn(text: unknown, warnings: ParseWarning[]): ToolDef[] {
  if (typeof text !== 'string') return toolDefs(text, text, warnings)
  const known = toolsets.get(text)
  if (known) return known
  const tools = toolDefs(text, tryParseJson(text), warnings)
  // Only well-formed lists are memoized: a bad text parses again and records its warning for every row.
  if (tools.length > 0) {
    if (toolsets.size >= TOOLSETS_MEMO) toolsets.clear()
    toolsets.set(text, tools)
  }
  return tools
}

function toolDefs(text: unknown, value: unknown, warnings: ParseWarning[]): ToolDef[] {
  if (!Array.isArray(value)) {
    if (text !== null && text !== undefined && text !== '') {
      warnings.push({ code: 'bad_tools_json', message: -1, detail: 'the tools column is not a JSON array' })
    }
    return []
  }
  const tools: ToolDef[] = []
  for (const entry of value) {
    const fn = isRecord(entry) && isRecord(entry.function) ? entry.function : entry
    if (!isRecord(fn) || typeof fn.name !== 'string') continue
    tools.push({ name: fn.name, description: str(fn.description), parameters: fn.parameters ?? null })
  }
  return tools
}

/** Normalise the `conversations` column into messages, recording what had to be repaired. */
function messagesFromColumn(value: unknown, warnings: ParseWarning[]): Message[] {
  // hyparquet may hand back a list as an array-like; the real column is list<struct<from, value>>.
  const list: unknown[] = Array.isArray(value) ? value : []
  if (!Array.isArray(value)) {
    warnings.push({ code: 'bad_row', message: -1, detail: 'conversations is not a list' })
  }
  const messages: Message[] = []
  for (const [i, entry] of list.entries()) {
    const from = isRecord(entry) ? str(entry.from) : ''
    const text = isRecord(entry) ? str(entry.value) : ''
    if (!ROLES.has(from)) {
      warnings.push({ code: 'unknown_role', message: i, detail: `unknown role "${from}"` })
    }
    messages.push({ from: from as Role, value: text })
  }
  if (messages[0]?.from !== 'system') {
    warnings.push({ code: 'missing_system', message: 0, detail: 'the first message is not a system message' })
  }
  return messages
}

/** Options of `parseRow`. */
export interface ParseOptions {
  /**
   * Statistics mode: tool responses that cannot be failures are not JSON-parsed (their `content` is null), nor
   * are call payloads whose name and length a scan reads (their `arguments` are null). Summaries and stats are
   * the same as in full mode; the trace is not a complete replay.
   */
  lazyContent?: boolean
}

/**
 * Parse one dataset row. Never throws: anything unexpected becomes a warning and a best-effort value.
 * @param row an object with the six columns (`id`, `conversations`, `tools`, `category`, `subcategory`, `task`)
 * @param ctx dataset, revision and config the row comes from
 */
export function parseRow(row: unknown, ctx: RowContext, options: ParseOptions = {}): ParsedRow {
  const warnings: ParseWarning[] = []
  const r = isRecord(row) ? row : {}
  if (!isRecord(row)) warnings.push({ code: 'bad_row', message: -1, detail: 'the row is not an object' })
  const id = str(r.id)
  if (!id) warnings.push({ code: 'bad_row', message: -1, detail: 'the row has no id' })
  const messages = messagesFromColumn(r.conversations, warnings)
  const tools = toolsFromColumn(r.tools, warnings)
  const toolNames = new Set(tools.map((t) => t.name))

  const steps: Step[] = []
  const seed: SeedRowData = {
    callNames: [],
    callPayloads: [],
    callValues: [],
    callLengths: [],
    thinkCounts: [],
    hasError: false,
  }
  let textBesideCallTurns = 0
  let current: { step: Step; parsed: ParsedGpt } | null = null

  const finishStep = () => {
    if (!current) return
    const { step } = current
    if (step.calls.length > 0 && step.responses.length !== step.calls.length) {
      warnings.push({
        code: 'response_count_mismatch',
        message: step.message,
        detail: `${step.calls.length} call(s) but ${step.responses.length} response(s)`,
      })
    }
    current = null
  }

  for (const [i, msg] of messages.entries()) {
    if (msg.from === 'gpt') {
      finishStep()
      const parsed = parseGptMessage(msg.value, i, warnings, options.lazyContent)
      for (const call of parsed.calls) {
        if (callFailureKind(call.name, call.malformed, toolNames) === 'unknown_tool') {
          warnings.push({
            code: 'unknown_tool',
            message: i,
            detail: `tool "${call.name}" is not in the row's toolset`,
          })
        }
      }
      if (parsed.calls.length > 0 && parsed.answer !== '') textBesideCallTurns++
      const step: Step = {
        message: i,
        thoughts: parsed.thoughts,
        calls: parsed.calls,
        responses: [],
        answer: parsed.answer,
      }
      steps.push(step)
      seed.callNames.push(parsed.seedCallNames)
      seed.callPayloads.push(parsed.seedCallPayloads)
      seed.callValues.push(parsed.seedCallValues)
      seed.callLengths.push(parsed.seedCallLengths)
      seed.thinkCounts.push(parsed.seedThinkCount)
      current = { step, parsed }
    } else if (msg.from === 'tool') {
      if (!seed.hasError && seedToolMessageHasError(msg.value)) seed.hasError = true
      const blocks = parseToolMessage(msg.value, i, warnings, options.lazyContent)
      if (!current) {
        warnings.push({
          code: 'orphan_tool_message',
          message: i,
          detail: 'tool message without a preceding gpt turn',
        })
        continue
      }
      for (const block of blocks) {
        const failure = classifyToolResponse(block.content)
        const response: Response = {
          name: block.name,
          toolCallId: block.toolCallId,
          content: block.content,
          error: failure?.message ?? null,
          errorKind: failure?.kind ?? null,
        }
        current.step.responses.push(response)
      }
    } else {
      finishStep()
    }
  }
  finishStep()

  const base: Omit<Trace, 'summary'> = {
    id,
    config: ctx.config,
    dataset: ctx.dataset,
    revision: ctx.revision,
    sample: ctx.sample,
    category: str(r.category),
    subcategory: str(r.subcategory),
    task: str(r.task),
    tools,
    messages,
    steps,
    warnings,
  }
  const trace: Trace = { ...base, summary: summarizeTrace(base, seed, toolNames) }
  return { trace, seed, textBesideCallTurns, toolNames }
}

/** Row -> replay document. */
export function traceFromRow(row: unknown, ctx: RowContext): Trace {
  return parseRow(row, ctx).trace
}

/** True when a call failed before any response could tell: malformed payload or a tool outside the toolset. */
export function callFailureKind(
  callName: string,
  malformed: boolean,
  toolNames: ReadonlySet<string>,
): 'malformed_call' | 'unknown_tool' | null {
  if (malformed) return 'malformed_call'
  if (toolNames.size > 0 && !toolNames.has(callName)) return 'unknown_tool'
  return null
}

function summarizeTrace(
  trace: Omit<Trace, 'summary'>,
  seed: SeedRowData,
  toolNames: ReadonlySet<string>,
): TraceSummary {
  let toolCalls = 0
  let parallelTurns = 0
  let maxParallel = 0
  const tools: Record<string, number> = {}
  for (const names of seed.callNames) {
    toolCalls += names.length
    if (names.length > 1) parallelTurns++
    if (names.length > maxParallel) maxParallel = names.length
    for (const name of names) tools[name] = (tools[name] ?? 0) + 1
  }
  let malformedCalls = 0
  let toolErrors = 0
  const errorKinds: Partial<Record<ErrorKind, number>> = {}
  const failedTools: Record<string, number> = {}
  let thinkChars = 0
  let answerChars = 0
  for (const step of trace.steps) {
    for (const t of step.thoughts) thinkChars += pyLen(t)
    answerChars += pyLen(step.answer)
    for (const [k, call] of step.calls.entries()) {
      if (call.malformed) malformedCalls++
      const kind = callFailureKind(call.name, call.malformed, toolNames) ?? step.responses[k]?.errorKind
      if (kind) {
        toolErrors++
        errorKinds[kind] = (errorKinds[kind] ?? 0) + 1
        failedTools[call.name] = (failedTools[call.name] ?? 0) + 1
      }
    }
  }
  let humanTurns = 0
  for (const m of trace.messages) if (m.from === 'human') humanTurns++
  // Seed counting names invalid JSON `<malformed>`; count structured malformed calls too (they can differ
  // when a payload does not even start with `{`).
  malformedCalls = Math.max(malformedCalls, tools[MALFORMED] ?? 0)
  return {
    id: trace.id,
    config: trace.config,
    category: trace.category,
    subcategory: trace.subcategory,
    task: trace.task,
    messages: trace.messages.length,
    gptTurns: trace.steps.length,
    toolCalls,
    parallelTurns,
    maxParallel,
    malformedCalls,
    toolErrors,
    seedError: seed.hasError,
    tools,
    thinkChars,
    answerChars,
    humanTurns,
    warnings: trace.warnings.length,
    errorKinds,
    failedTools,
  }
}
