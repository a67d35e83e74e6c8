/**
 * A `Trace` -> fine-tuning and interchange formats. Every converter is a pure function of the trace: no I/O,
 * no clock, no randomness, so the same trace always exports to the same bytes (golden-tested in
 * test/shared/export.test.ts against test/fixtures/export/).
 *
 * Formats (their names are public API: `?format=` on `GET /api/trace/:id` and `--format` on the export CLI):
 * - `openai`: OpenAI-style chat messages with structured `tool_calls`, shaped the way Hugging Face TRL's
 *   conversational tool-calling format and transformers chat templates (e.g. Qwen3's) read them.
 * - `openai-raw`: the simple role/content mapping of the tutorial, markup left in the text.
 * - `sharegpt`: the dataset's own row (`conversations` + `tools` JSON string + labels), unchanged.
 * - `sts`: the Hugging Face Hub's Session Trace Simple Format, which the Hub's trace viewer renders.
 *
 * `exportTrace` returns the format's fields; a JSONL line is `{ id, ...fields }` (the caller puts `id` first).
 *
 * Text is never escaped for HTML or re-encoded: strings go out exactly as the trace holds them (non-ASCII
 * literal, `<script>` as plain characters); escaping is the job of whatever renders them.
 */
import { parseToolMessage } from './hermes.ts'
import { isRecord } from './json.ts'
import { pyJsonDumps } from './pyjson.ts'
import type { Call, ParseWarning, Role, Step, ToolDef, Trace } from './types.ts'

/** The export formats, in the order the API documents them. */
export const EXPORT_FORMATS = ['openai', 'openai-raw', 'sharegpt', 'sts'] as const

/** One of `EXPORT_FORMATS`. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

/** True when `x` names an export format (for validating `?format=` and `--format`). */
export function isExportFormat(x: unknown): x is ExportFormat {
  return typeof x === 'string' && (EXPORT_FORMATS as readonly string[]).includes(x)
}

/**
 * Convert a trace to one export format.
 * @returns the format's fields, without `id`: a JSONL line is `{ id: trace.id, ...exportTrace(trace, format) }`
 */
export function exportTrace(trace: Trace, format: ExportFormat): Record<string, unknown> {
  switch (format) {
    case 'openai':
      return { ...traceToOpenAI(trace) }
    case 'openai-raw':
      return { ...traceToOpenAIRaw(trace) }
    case 'sharegpt':
      return { ...traceToShareGPT(trace) }
    case 'sts':
      return { ...traceToSts(trace) }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Shared walk: the conversation in order, with every call and response given a stable, unique id.
// ---------------------------------------------------------------------------------------------------------

/** A call of an assistant turn with the id its response answers to. */
interface IdentifiedCall {
  call: Call
  id: string
  /** The arguments as an object, or null when they cannot be one (invalid JSON, a non-object value). */
  args: Record<string, unknown> | null
}

/** One `<tool_response>` block with the id of the call it answers. */
interface IdentifiedResult {
  id: string
  name: string | null
  content: unknown
}

/** What the walk yields, one item per conversation message, in order. */
type Turn =
  | { kind: 'system'; text: string }
  | { kind: 'human'; text: string }
  | { kind: 'other'; from: string; text: string }
  | { kind: 'gpt'; step: Step; calls: IdentifiedCall[] }
  | { kind: 'tool'; results: IdentifiedResult[] }

/**
 * A call's arguments as the object chat templates want, or null when there is none to give.
 * `null`/absent arguments are an empty object (a call of a tool without parameters); a string that parses to
 * an object is decoded (some writers double-encode arguments, as OpenAI's own API does).
 */
function callArguments(call: Call): Record<string, unknown> | null {
  if (call.malformed) return null
  const value = call.arguments
  if (value === null || value === undefined) return {}
  if (isRecord(value)) return value
  if (typeof value === 'string') {
    try {
      const parsed: unknown = JSON.parse(value)
      if (isRecord(parsed)) return parsed
    } catch {
      // not JSON: falls through to "cannot be an object"
    }
  }
  return null
}

/** A tool result's content as text: strings as they are, anything else as its JSON text. */
function resultText(content: unknown): string {
  if (typeof content === 'string') return content
  if (content === undefined) return ''
  // JSON.stringify keeps non-ASCII literal and `<`/`>` unescaped; a value it cannot serialise (a cycle, a
  // BigInt: impossible for JSON-parsed content) falls back to String() rather than throwing.
  try {
    return JSON.stringify(content) ?? String(content)
  } catch {
    return String(content)
  }
}

/**
 * Walk the trace's messages in order. Calls and responses pair by position within a step (the dataset's
 * contract: calls carry no id). Ids: the paired response's `tool_call_id` (e.g. `functions.terminal:3`) when it
 * has one, else `call_<step>_<k>` (step index, call index); results of a tool message no gpt turn precedes
 * get `orphan_<message>_<k>`. Ids are made unique over the trace (`#2`, `#3`, ... on a collision) so the
 * call/result links are never ambiguous.
 */
function walkTrace(trace: Trace): Turn[] {
  const stepAt = new Map<number, number>()
  for (const [s, step] of trace.steps.entries()) stepAt.set(step.message, s)
  const used = new Set<string>()
  const unique = (id: string): string => {
    let candidate = id
    for (let n = 2; used.has(candidate); n++) candidate = `${id}#${n}`
    used.add(candidate)
    return candidate
  }

  const turns: Turn[] = []
  // The step whose tool messages are being read, the ids of its positions, and how many responses are used.
  let current: { step: Step; ids: string[]; next: number } | null = null
  for (const [i, msg] of trace.messages.entries()) {
    if (msg.from === 'gpt') {
      const s = stepAt.get(i)
      const step = s === undefined ? undefined : trace.steps[s]
      if (s === undefined || !step) {
        // Every gpt message has a step in a parsed trace; a hand-made trace without one keeps its raw text.
        current = null
        turns.push({ kind: 'other', from: msg.from, text: msg.value })
        continue
      }
      const width = Math.max(step.calls.length, step.responses.length)
      const ids: string[] = []
      for (let k = 0; k < width; k++) ids.push(unique(step.responses[k]?.toolCallId ?? `call_${s}_${k}`))
      const calls = step.calls.map((call, k) => ({ call, id: ids[k] as string, args: callArguments(call) }))
      turns.push({ kind: 'gpt', step, calls })
      current = { step, ids, next: 0 }
    } else if (msg.from === 'tool') {
      // The parser gives one Response per block of each tool message after a gpt turn, in order: count this
      // message's blocks the same way to take its share of the step's responses.
      const scratch: ParseWarning[] = []
      const blocks = parseToolMessage(msg.value, i, scratch)
      if (current) {
        const { step, ids, next } = current
        const results = step.responses.slice(next, next + blocks.length).map((r, j) => ({
          id: ids[next + j] as string,
          name: r.name ?? step.calls[next + j]?.name ?? null,
          content: r.content,
        }))
        current.next = next + blocks.length
        turns.push({ kind: 'tool', results })
      } else {
        // A tool message without a preceding gpt turn (the parser's `orphan_tool_message`): kept, unpaired.
        const results = blocks.map((b, k) => ({
          id: unique(b.toolCallId ?? `orphan_${i}_${k}`),
          name: b.name,
          content: b.content,
        }))
        turns.push({ kind: 'tool', results })
      }
    } else {
      current = null
      if (msg.from === 'system') turns.push({ kind: 'system', text: msg.value })
      else if (msg.from === 'human') turns.push({ kind: 'human', text: msg.value })
      else turns.push({ kind: 'other', from: msg.from, text: msg.value })
    }
  }
  return turns
}

/** The reasoning of a step: non-empty `<think>` contents joined by a blank line, or null when there is none. */
function reasoningOf(step: Step): string | null {
  const parts = step.thoughts.filter((t) => t !== '')
  return parts.length > 0 ? parts.join('\n\n') : null
}

// ---------------------------------------------------------------------------------------------------------
// openai: TRL / transformers conversational tool-calling format
// ---------------------------------------------------------------------------------------------------------

/** A tool call of an `openai` assistant message. */
export interface OpenAIToolCall {
  /** Links the call to its `tool` message: the dataset's `tool_call_id` when known, else `call_<step>_<k>`. */
  id: string
  /** Always `function`: the only tool type OpenAI's format and chat templates know. */
  type: 'function'
  function: {
    /** Tool name as the model wrote it (`<malformed>` when the payload was not valid JSON). */
    name: string
    /**
     * The arguments as an object (a dict in Python), not a JSON string: TRL's tool-calling examples and
     * transformers chat templates render `arguments | tojson`, and several (Qwen3's among them) print a string
     * verbatim, so a string would be double-encoded in training text. `{}` for a malformed call.
     */
    arguments: Record<string, unknown>
  }
  /**
   * Present (true) only when the payload could not be read as a name and an arguments object (invalid JSON,
   * or arguments that are not an object). The call is kept rather than dropped so its tool response still has
   * a call to answer; filter on this flag to exclude such calls from training.
   */
  malformed?: true
  /** Present only with `malformed`: the payload text between the `<tool_call>` tags, exactly as written. */
  raw?: string
}

/** A message of the `openai` format. */
export type OpenAIMessage =
  | {
      /** `system` for the row's system prompt; `user` for a human turn (and a message of an unknown role). */
      role: 'system' | 'user'
      /**
       * The message text, unchanged. The system prompt keeps its `<tools>` listing as the model saw it; a chat
       * template given `tools` adds its own listing too, so strip one if the duplication matters.
       */
      content: string
    }
  | {
      /** One per gpt turn. */
      role: 'assistant'
      /** The answer text outside `<think>` and `<tool_call>` blocks; `""` when none (templates need a string). */
      content: string
      /**
       * The `<think>` contents, joined by a blank line; null when the turn had no (or only empty) reasoning.
       * Always present, so every assistant message has the same keys (a stable Arrow schema in `datasets`).
       * Qwen3's template reads `reasoning_content` and treats null as absent.
       */
      reasoning_content: string | null
      /** The turn's calls in order; absent when none (OpenAI's schema rejects an empty list). */
      tool_calls?: OpenAIToolCall[]
    }
  | {
      /** One per `<tool_response>` block, in order. */
      role: 'tool'
      /** The `id` of the call this result answers (position pairing, as the dataset defines it). */
      tool_call_id: string
      /** The response's tool name, else its call's; TRL's examples give tool messages a name. */
      name: string | null
      /** The result as a string (templates concatenate it): a string as is, an object as its JSON text. */
      content: string
    }

/** A tool of the `openai` format's `tools` list. */
export interface OpenAITool {
  /** Always `function`. */
  type: 'function'
  /** Name, description and JSON Schema of the arguments, as the row's `tools` column gives them. */
  function: { name: string; description: string; parameters: unknown }
}

/** The `openai` export: one training example in TRL's conversational tool-calling form. */
export interface OpenAIExport {
  /** The conversation: system, user, assistant (reasoning + calls) and tool messages in order. */
  messages: OpenAIMessage[]
  /** The row's toolset: TRL passes this column to the chat template, which lists the tools to the model. */
  tools: OpenAITool[]
}

/** The row's toolset in OpenAI function form (the `tools` column's own shape). */
function openAITools(tools: ToolDef[]): OpenAITool[] {
  return tools.map((t) => ({
    type: 'function',
    function: { name: t.name, description: t.description, parameters: t.parameters },
  }))
}

/**
 * `openai`: chat messages with structured tool calls, the shape Hugging Face TRL's conversational tool-calling
 * datasets use (`{ messages, tools }`, https://huggingface.co/docs/trl/dataset_formats#tool-calling) and that
 * transformers chat templates render (`apply_chat_template(messages, tools=tools)`).
 *
 * - system -> `system` (the row's system prompt, unchanged); human -> `user`.
 * - each gpt turn -> one `assistant` message: `content` = answer text (`""` when none), `reasoning_content` =
 *   joined `<think>` contents (null when empty), `tool_calls` = its `<tool_call>` blocks with `arguments` as an
 *   object.
 * - each `<tool_response>` block -> its own `tool` message `{ tool_call_id, name, content }`, content a string.
 * - call ids: the paired response's `tool_call_id` when present, else `call_<step>_<k>`; unique over the trace.
 * - a malformed call (invalid JSON) stays in `tool_calls` with `arguments: {}`, `malformed: true` and the `raw`
 *   payload, so the response that followed it still pairs; it never throws.
 * - a call the tools never answered (fewer responses than calls) gets no invented `tool` message: the data
 *   has none. Results beyond the calls, and tool messages no gpt turn precedes, are kept with their own ids.
 * - numbers in arguments are JavaScript numbers: `1.0` reads as `1`, integers beyond 2^53 lose precision.
 */
export function traceToOpenAI(trace: Trace): OpenAIExport {
  const messages: OpenAIMessage[] = []
  for (const turn of walkTrace(trace)) {
    if (turn.kind === 'system') messages.push({ role: 'system', content: turn.text })
    else if (turn.kind === 'human' || turn.kind === 'other') {
      // An unknown role is not a model or tool turn the parser understood: its text is input, like a user's.
      messages.push({ role: 'user', content: turn.text })
    } else if (turn.kind === 'gpt') {
      const message: OpenAIMessage = {
        role: 'assistant',
        content: turn.step.answer,
        reasoning_content: reasoningOf(turn.step),
      }
      if (turn.calls.length > 0) {
        message.tool_calls = turn.calls.map(({ call, id, args }): OpenAIToolCall => {
          if (args) return { id, type: 'function', function: { name: call.name, arguments: args } }
          return {
            id,
            type: 'function',
            function: { name: call.name, arguments: {} },
            malformed: true,
            raw: call.raw,
          }
        })
      }
      messages.push(message)
    } else {
      for (const r of turn.results) {
        messages.push({ role: 'tool', tool_call_id: r.id, name: r.name, content: resultText(r.content) })
      }
    }
  }
  return { messages, tools: openAITools(trace.tools) }
}

// ---------------------------------------------------------------------------------------------------------
// openai-raw: the tutorial's simple mapping
// ---------------------------------------------------------------------------------------------------------

/** ShareGPT `from` -> OpenAI `role`, as the tutorial maps them. */
const RAW_ROLES: Record<Role, 'system' | 'user' | 'assistant' | 'tool'> = {
  system: 'system',
  human: 'user',
  gpt: 'assistant',
  tool: 'tool',
}

/** The `openai-raw` export. */
export interface OpenAIRawExport {
  messages: {
    /** system/human/gpt/tool -> system/user/assistant/tool; any other `from` passes through unchanged. */
    role: string
    /** The message text byte for byte, Hermes markup (`<think>`, `<tool_call>`, `<tool_response>`) included. */
    content: string
  }[]
}

/**
 * `openai-raw`: the tutorial's mapping, `{ messages: [{ role, content }] }` with system/human/gpt/tool ->
 * system/user/assistant/tool and the content unchanged (markup left in), for training on the Hermes text
 * format itself. Nothing is parsed, so nothing can be lost.
 */
export function traceToOpenAIRaw(trace: Trace): OpenAIRawExport {
  return {
    messages: trace.messages.map((m) => ({
      role: Object.hasOwn(RAW_ROLES, m.from) ? RAW_ROLES[m.from] : m.from,
      content: m.value,
    })),
  }
}

// ---------------------------------------------------------------------------------------------------------
// sharegpt: the dataset's own row
// ---------------------------------------------------------------------------------------------------------

/** The `sharegpt` export: with `id` first it is a row of the dataset, which `parseRow` reads back. */
export interface ShareGPTExport {
  /** The `conversations` column unchanged: `{ from, value }` in order, markup in the text. */
  conversations: { from: string; value: string }[]
  /**
   * The `tools` column as the dataset has it: a JSON string (not a parsed list), so the line has the dataset's
   * own column types. Rebuilt from the parsed toolset with Python's `json.dumps(..., ensure_ascii=False)`
   * layout, which is how hermes-agent wrote it: byte-identical to the original unless the schema held float
   * literals like `1.0`. A column that did not parse comes out as `[]`.
   */
  tools: string
  /** Row labels, unchanged, so the line is a complete dataset row. */
  category: string
  subcategory: string
  task: string
}

/** The `tools` column text of a toolset. */
function toolsColumn(tools: ToolDef[]): string {
  return pyJsonDumps(openAITools(tools), { ensureAscii: false })
}

/**
 * `sharegpt`: the original row, `{ conversations: [{ from, value }], tools, category, subcategory, task }`,
 * unchanged (`tools` kept as the dataset's JSON string). Useful to re-publish a filtered subset in the
 * dataset's own schema.
 */
export function traceToShareGPT(trace: Trace): ShareGPTExport {
  return {
    conversations: trace.messages.map((m) => ({ from: m.from, value: m.value })),
    tools: toolsColumn(trace.tools),
    category: trace.category,
    subcategory: trace.subcategory,
    task: trace.task,
  }
}

// ---------------------------------------------------------------------------------------------------------
// sts: Hugging Face Hub Session Trace Simple Format
// ---------------------------------------------------------------------------------------------------------

/**
 * The STS `harness` id: the agent harness that produced the sessions. The Hub uses it to pick an icon and
 * label; the spec lists `llama.app` as the only recognised id so far, so this one renders with the defaults.
 */
export const STS_HARNESS = 'hermes-agent'

/** Model names of the dataset's configs (docs/dataset.md); the STS `model` field of assistant messages. */
const CONFIG_MODELS: Record<string, string> = {
  kimi: 'Kimi-K2.5',
  'glm-5.1': 'GLM-5.1-FP8',
}

/** The first line of an STS file. */
export interface StsSessionLine {
  /** Must be `session` (spec). */
  type: 'session'
  /** Harness id (spec, required): `hermes-agent`. */
  harness: string
  /** Unique session id (spec, required): the row id. */
  id: string
  /** Human-readable title (spec, optional): the row's task; absent when the row has none. */
  name?: string
  /** Extra metadata, which the spec allows and the viewer ignores: where the session comes from. */
  dataset: string
  config: string
  revision: string
  category: string
  subcategory: string
}

/** The `message` object of an STS message line. Only the spec's fields, nothing else. */
export interface StsMessage {
  /** `user`, `assistant`, `system` or `tool` (spec). */
  role: 'system' | 'user' | 'assistant' | 'tool'
  /** Text, may be empty (spec): the answer text for assistant messages, the result text for tool messages. */
  content: string
  /** Model reasoning, shown as a separate thinking block (spec): the joined `<think>` contents; absent if none. */
  reasoningContent?: string
  /**
   * Assistant tool calls (spec): `{ id, function: { name, arguments } }` with `arguments` a JSON string (always
   * valid JSON): a malformed call's is `{"raw": "<the payload text>"}`, so the viewer shows what the model
   * actually wrote, and its name is recovered from the payload when legible.
   */
  toolCalls?: { id: string; function: { name: string; arguments: string } }[]
  /** On a tool message, the `toolCalls[].id` it answers (spec). */
  toolCallId?: string
  /**
   * Model name (spec), on assistant messages when the config's model is known (docs/dataset.md). The spec's
   * `timestamp` is never set: the dataset records no times, and inventing them would mislead the viewer.
   */
  model?: string
}

/** A message line of an STS file. */
export interface StsMessageLine {
  /** Must be `message` (spec). */
  type: 'message'
  message: StsMessage
}

/** The `sts` export: the lines of one STS file, header first. */
export interface StsExport {
  /** Header line, then one line per system/human/gpt message and one per `<tool_response>` block. */
  lines: [StsSessionLine, ...StsMessageLine[]]
}

/**
 * `sts`: the Hugging Face Hub's Session Trace Simple Format (STS-Format), specified at
 * https://huggingface.co/docs/hub/session-traces-format (source: huggingface/hub-docs,
 * docs/hub/session-traces-format.md). An STS file is JSONL: a session header line
 * `{ type: 'session', harness, id, name? }` then one `{ type: 'message', message: { role, content,
 * reasoningContent?, toolCalls?, toolCallId?, timestamp?, model? } }` line per message; the viewer stitches each
 * `role: 'tool'` message to the call whose id its `toolCallId` names.
 *
 * One trace is one session, so one file: `exportTrace(trace, 'sts')` gives `{ lines }` (an API response, or a
 * JSONL line `{ id, lines }`); `traceToStsJsonl` gives the file text to upload to a Hub dataset or bucket.
 * Mapping: system -> `system`, human -> `user`, each gpt turn -> one `assistant` (answer, reasoning, calls),
 * each `<tool_response>` block -> one `tool` message. Ids follow `traceToOpenAI`. A message of an unknown role
 * becomes `user` (the spec's roles are a closed set). Tool errors (`Response.errorKind`) have no field in the
 * spec, so they show only through the result text.
 */
export function traceToSts(trace: Trace): StsExport {
  const header: StsSessionLine = {
    type: 'session',
    harness: STS_HARNESS,
    id: trace.id,
    ...(trace.task !== '' ? { name: trace.task } : {}),
    dataset: trace.dataset,
    config: trace.config,
    revision: trace.revision,
    category: trace.category,
    subcategory: trace.subcategory,
  }
  const model = Object.hasOwn(CONFIG_MODELS, trace.config) ? CONFIG_MODELS[trace.config] : undefined
  const lines: [StsSessionLine, ...StsMessageLine[]] = [header]
  const push = (message: StsMessage) => lines.push({ type: 'message', message })
  for (const turn of walkTrace(trace)) {
    if (turn.kind === 'system') push({ role: 'system', content: turn.text })
    else if (turn.kind === 'human' || turn.kind === 'other') push({ role: 'user', content: turn.text })
    else if (turn.kind === 'gpt') {
      const message: StsMessage = { role: 'assistant', content: turn.step.answer }
      const reasoning = reasoningOf(turn.step)
      if (reasoning !== null) message.reasoningContent = reasoning
      if (turn.calls.length > 0) {
        message.toolCalls = turn.calls.map(({ call, id, args }) => ({
          id,
          function: {
            name: call.malformed ? stsRecoveredName(call.raw, call.name) : call.name,
            // The spec's `arguments` is a JSON string: a payload that is not a JSON object stays readable as one.
            arguments: JSON.stringify(args ?? { raw: call.raw }),
          },
        }))
      }
      if (model) message.model = model
      push(message)
    } else {
      for (const r of turn.results) push({ role: 'tool', content: resultText(r.content), toolCallId: r.id })
    }
  }
  return { lines }
}

/**
 * The tool name of a malformed payload when its `"name": "…"` is still legible (double or Python-style single
 * quotes), else `fallback`.
 */
function stsRecoveredName(raw: string, fallback: string): string {
  const m = /["']name["']\s*:\s*["']([A-Za-z0-9_.:-]{1,200})["']/.exec(raw)
  return m?.[1] ?? fallback
}

/**
 * The STS file of a trace: one JSON object per line, `\n`-terminated, UTF-8 when encoded. Upload it as a
 * `.jsonl` file to a Hub dataset or bucket to open the session in the Hub's trace viewer.
 */
export function traceToStsJsonl(trace: Trace): string {
  return `${traceToSts(trace)
    .lines.map((line) => JSON.stringify(line))
    .join('\n')}\n`
}
