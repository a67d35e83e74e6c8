/**
 * The public JSON types of Hermes Trace Explorer (API contract v1).
 *
 * Everything the API returns and the site reads is one of these shapes. Fields are never renamed or
 * removed within v1; new optional fields may be added. Runtime-neutral: no imports.
 */

/** Who wrote a message, as in the dataset's `conversations[].from`. */
export type Role = 'system' | 'human' | 'gpt' | 'tool'

/** One entry of a row's `conversations` column, unchanged. */
export interface Message {
  /** Author role; the real data only has these four (others are kept and reported as a warning). */
  from: Role
  /** Raw text, with the Hermes markup (`<think>`, `<tool_call>`, `<tool_response>`) left in place. */
  value: string
}

/** One tool of the row's toolset, from the `tools` column (OpenAI function form). */
export interface ToolDef {
  /** Function name as the model must call it. */
  name: string
  /** Human description of the tool. */
  description: string
  /** JSON Schema of the arguments object. */
  parameters: unknown
}

/** Where the numbers come from: every API document carries it. */
export interface Provenance {
  /** Hub dataset repository, e.g. `lambda/hermes-agent-reasoning-traces`. */
  dataset: string
  /** Commit sha of the dataset revision the document was computed from. */
  revision: string
  /** True when the data is the generated sample, not the real dataset. */
  sample: boolean
}

/** A `<tool_call>` block of an assistant turn. */
export interface Call {
  /** Tool name from the payload; `<malformed>` when the payload is not a JSON object with a string name. */
  name: string
  /** The `arguments` value of the payload (an object in well-formed calls), or null when malformed. */
  arguments: unknown
  /** True when the payload is not valid JSON or lacks a string `name`. */
  malformed: boolean
  /** The payload text between the tags, trimmed, exactly as written. */
  raw: string
}

/** Kinds of tool failure the taxonomy distinguishes (see shared/errors.ts for the rules). */
export type ErrorKind =
  | 'timeout'
  | 'permission'
  | 'not_found'
  | 'traceback'
  | 'nonzero_exit'
  | 'error_field'
  | 'failed'
  | 'patch_mismatch'
  | 'unknown_tool'
  | 'malformed_call'
  | 'missing_response'

/** A `<tool_response>` block, paired with the call at the same position. */
export interface Response {
  /** `name` field of the response payload, or null when absent / unparsable. */
  name: string | null
  /** `tool_call_id` field of the response payload (e.g. `functions.terminal:3`), or null. */
  toolCallId: string | null
  /** The payload's `content` (object, array or string); the raw body text when the payload is not JSON. */
  content: unknown
  /** A one-line description of the failure when the taxonomy classifies this response as an error. */
  error: string | null
  /** The taxonomy kind of `error`, or null when the response is not an error. */
  errorKind: ErrorKind | null
}

/** One assistant (gpt) turn of a replay, with the tool results that answer it. */
export interface Step {
  /** Index of the gpt message in `Trace.messages`. */
  message: number
  /** Contents of the `<think>` blocks, trimmed (an empty block gives an empty string). */
  thoughts: string[]
  /** The `<tool_call>` blocks in order. */
  calls: Call[]
  /** Every `<tool_response>` block of the tool message(s) that follow, in order (paired with calls by position). */
  responses: Response[]
  /** Text left after removing `<think>` and `<tool_call>` blocks, trimmed. */
  answer: string
}

/** A parse deviation found in a row; parsing never throws, it records these. */
export interface ParseWarning {
  /** Stable machine code, e.g. `unbalanced_think`. */
  code: WarningCode
  /** Index of the message concerned, or -1 for the row as a whole. */
  message: number
  /** Human explanation naming the offending value. */
  detail: string
}

/** Codes of parse warnings. */
export type WarningCode =
  | 'bad_row'
  | 'unknown_role'
  | 'missing_system'
  | 'bad_tools_json'
  | 'unbalanced_think'
  | 'unclosed_tool_call'
  | 'malformed_call'
  | 'unknown_tool'
  | 'unclosed_tool_response'
  | 'malformed_response'
  | 'response_count_mismatch'
  | 'orphan_tool_message'

/** Per-row numbers: what `/api/traces` lists and filters. */
export interface TraceSummary {
  /** Row id (a UUID in the real data). */
  id: string
  /** Config (subset) the row belongs to: `kimi` or `glm-5.1`. */
  config: string
  /** Row category, e.g. `Terminal & Coding`. */
  category: string
  /** Row subcategory. */
  subcategory: string
  /** The user's task (<= 100 chars in the real data). */
  task: string
  /** Number of messages in `conversations`, system included (the tutorial's "turns"). */
  messages: number
  /** Number of gpt messages. */
  gptTurns: number
  /** Tool calls, counted with the tutorial's regex (malformed payloads included). */
  toolCalls: number
  /** gpt turns with more than one call. */
  parallelTurns: number
  /** Largest number of calls in one gpt turn. */
  maxParallel: number
  /** Calls whose payload is not valid JSON. */
  malformedCalls: number
  /** Tool responses the taxonomy classifies as errors. */
  toolErrors: number
  /** The tutorial's heuristic "has an error" flag (over-counts: `"error": null` matches). */
  seedError: boolean
  /** Calls per tool name (the tutorial's counting). */
  tools: Record<string, number>
  /** Characters of `<think>` content over the row. */
  thinkChars: number
  /** Characters of answer text (outside think and call blocks) over the row. */
  answerChars: number
  /** Number of human messages. */
  humanTurns: number
  /** Number of parse warnings recorded for the row. */
  warnings: number
  /** Failed calls by error kind (taxonomy; includes unknown tools and malformed calls). */
  errorKinds: Partial<Record<ErrorKind, number>>
  /** Failed calls by tool name. */
  failedTools: Record<string, number>
}

/** The replay document of one row: `GET /api/trace/:id`. */
export interface Trace extends Provenance {
  /** Row id. */
  id: string
  /** Config of the row. */
  config: string
  /** Row category. */
  category: string
  /** Row subcategory. */
  subcategory: string
  /** The user's task. */
  task: string
  /** The row's toolset, parsed from the `tools` JSON string (empty when it does not parse). */
  tools: ToolDef[]
  /** The raw conversation in order. */
  messages: Message[]
  /** One step per gpt message, in order (the tutorial's TraceReplayer). */
  steps: Step[]
  /** Per-row numbers. */
  summary: TraceSummary
  /** Parse deviations found in the row. */
  warnings: ParseWarning[]
}

/**
 * A mergeable distribution of non-negative numbers: exact count/sum/min/max plus log-spaced bins.
 * Bin `k` holds values v with `floor(log2(v + 1) * 8) == k` (about 9% wide), so quantiles are within a bin.
 */
export interface Distribution {
  /** Number of values. */
  count: number
  /** Sum of values. */
  sum: number
  /** Smallest value (0 when empty). */
  min: number
  /** Largest value (0 when empty). */
  max: number
  /** Mean (derived: sum / count). */
  mean: number
  /** Quantiles estimated from the bins (derived). */
  p50: number
  p90: number
  p99: number
  /** Sparse bin index -> count. */
  bins: Record<string, number>
}

/** Error numbers of one tool. */
export interface ToolErrorStats {
  /** Calls to the tool (structured parser; malformed calls count under `<malformed>`). */
  calls: number
  /** Responses paired with those calls. */
  responses: number
  /** Calls that failed (response classified as error, unknown tool, or malformed call). */
  errors: number
  /** errors / calls (derived; 0 when no calls). */
  rate: number
  /** Failures by kind. */
  kinds: Partial<Record<ErrorKind, number>>
}

/** The tutorial's numbers, with its exact definitions (see docs/metrics.md). */
export interface SeedStats {
  /** Mean messages per row (system included). */
  avgTurns: number
  /** Mean tool calls per row (regex count in gpt messages). */
  avgToolCalls: number
  /** Percentage (0-100) of rows the heuristic flags as having an error. */
  pctWithError: number
  /** Percentage (0-100) of gpt turns with calls that have more than one call. */
  pctParallelTurns: number
  /** Calls per tool name; invalid JSON payloads count as `<malformed>`. */
  toolCalls: Record<string, number>
  /** Calls in one gpt turn -> number of gpt turns (turns with at least one call). */
  parallelWidths: Record<string, number>
  /** `<think>` blocks in one gpt turn -> number of gpt turns. */
  thoughtsPerTurn: Record<string, number>
  /** Category -> rows. */
  categories: Record<string, number>
}

/** Dataset statistics of one config: `GET /api/stats`. Mergeable: see `mergeStats`. */
/** Progress of a dataset-wide computation that is not complete yet. */
export interface Coverage {
  /** Slices (row ranges) whose partial results exist. */
  slicesDone: number
  /** Slices the config is cut into. */
  slicesTotal: number
  /** Row ranges [start, end) not counted yet (at most 50 listed), queued for computation or failed. */
  missing: { start: number; end: number; state: 'queued' | 'failed'; error?: string }[]
  /** Seconds after which asking again is worthwhile (also the Retry-After header). */
  retryAfter: number
}

export interface Stats extends Provenance {
  /** Config these numbers describe. */
  config: string
  /** True when every row of the config is counted. */
  complete: boolean
  /** Rows counted. */
  rows: number
  /** Rows in the config (known from the parquet footer; equals `rows` when complete). */
  rowsTotal: number
  /** While `complete` is false (API answers only): what is still missing and when to ask again. */
  coverage?: Coverage
  /** The tutorial-compatible block. */
  seed: SeedStats
  /** Raw integer totals every average is derived from. */
  totals: {
    messages: number
    toolCalls: number
    gptTurns: number
    callingTurns: number
    parallelTurns: number
    seedErrorRows: number
    errorRows: number
    thinkBlocks: number
    nonEmptyThinkBlocks: number
    thinkWords: number
    responses: number
    errorResponses: number
    malformedCalls: number
    unknownToolCalls: number
    textBesideCallTurns: number
    multiHumanRows: number
    warnings: number
  }
  /** Derived averages (from totals). */
  averages: {
    messagesPerRow: number
    toolCallsPerRow: number
    gptTurnsPerRow: number
    thinkWordsPerBlock: number
    /** Percentage (0-100) of rows with at least one real tool error (taxonomy). */
    pctRowsWithToolError: number
    /** Percentage (0-100) of tool responses that are errors (taxonomy). */
    pctResponsesWithError: number
  }
  /** `category / subcategory` key -> rows. */
  subcategories: Record<string, number>
  /** Messages by role. */
  roles: Record<string, number>
  /** Messages per row -> rows. */
  messagesPerRow: Record<string, number>
  /** Tool calls per row -> rows. */
  callsPerRow: Record<string, number>
  /** Length distributions in characters (think: per block; call: Python json.dumps length; answer: per turn). */
  lengths: {
    thinkChars: Distribution
    thinkWords: Distribution
    callChars: Distribution
    answerChars: Distribution
    rowMessages: Distribution
    rowCalls: Distribution
  }
  /** Error taxonomy: failures by kind, over all calls. */
  errorKinds: Partial<Record<ErrorKind, number>>
  /** Per tool name: calls, errors, rate, kinds. */
  toolErrors: Record<string, ToolErrorStats>
  /** Parse warnings by code. */
  warnings: Partial<Record<WarningCode, number>>
  /**
   * Failed calls per tool name, grouped by error signature and kind (exact and complete: every failed call of
   * `toolErrors` is in one group). Groups by count, descending. See `shared/failures.ts`.
   */
  failures: Record<string, FailureGroup[]>
}

/** Where one failure of a group can be seen. */
export interface FailureExample {
  /** Row id. */
  id: string
  /** Step number, 1-based: the trace viewer's `#step-<n>` anchor. */
  step: number
  /** The failure's informative line as the response wrote it (one line, at most 160 characters). */
  message: string
}

/** The failed calls of one tool that share an error signature and a taxonomy kind. */
export interface FailureGroup {
  /** The normalised message (`cat: <path>: No such file or directory`), at most 160 characters. */
  signature: string
  /** Taxonomy kind of these failures. */
  kind: ErrorKind
  /** Failed calls (exact). */
  count: number
  /** Rows with at least one of these failed calls. */
  rows: number
  /** Failed calls after which a later step of the same row called the same tool successfully. */
  recovered: number
  /** Up to 3 examples: the smallest by (id, step, message), so any merge order keeps the same ones. */
  examples: FailureExample[]
}

/** One group of `GET /api/failures`: a `FailureGroup` with its config and tool. */
export interface FailureListGroup extends FailureGroup {
  /** Config of the rows. */
  config: string
  /** Tool name of the calls. */
  tool: string
}

/** `GET /api/failures`: failure groups of one or every config, most frequent first. */
export interface FailureList extends Provenance {
  /** True when every row of the configs asked for is counted. */
  complete: boolean
  /** While `complete` is false: per config, what is still missing and when to ask again. */
  coverage?: Record<string, Coverage>
  /** Groups matching the query, by count descending (at most `limit`). */
  groups: FailureListGroup[]
  /** Groups matching the query before `limit`. */
  total: number
}

/** Stats of several configs side by side: `GET /api/stats` without `config`, and the stats CLI on a dataset dir. */
export interface StatsSet extends Provenance {
  /** True when every config's stats are complete. */
  complete: boolean
  /** Config name -> its stats, in the card's order. */
  configs: Record<string, Stats>
}

/** What became of one call in a comparison: `ok`, or its failure kind (`missing_response`: no response came). */
export type CallOutcome = 'ok' | ErrorKind

/** One call of a compared step. */
export interface CompareCall {
  /** Tool name from the payload (`<malformed>` when the payload is not usable). */
  name: string
  /** The arguments as one line of JSON (the raw payload when malformed), whitespace collapsed, clipped to 120 characters. */
  preview: string
  /** `ok`, or the failure kind (taxonomy). */
  outcome: CallOutcome
}

/** One step of one trace, as a side of an aligned row. */
export interface CompareStep {
  /** 1-based step number in its trace (the viewer's `#step-N`). */
  step: number
  /** Index of the gpt message in the trace's `messages`. */
  message: number
  /** The step's calls in order. */
  calls: CompareCall[]
  /** Calls whose outcome is not `ok`. */
  failures: number
  /** Code points of the step's `<think>` content. */
  thinkChars: number
  /** Code points of the step's answer text (outside think and call blocks). */
  answerChars: number
}

/**
 * How the two sides of an aligned row relate: `same` (identical sequence of tool names, both empty included),
 * `similar` (some tool name in common), `different` (none in common), `a-only` / `b-only` (a gap on the other side).
 */
export type AlignKind = 'same' | 'similar' | 'different' | 'a-only' | 'b-only'

/** One row of the alignment: a step of trace A beside a step of trace B (either may be missing). */
export interface AlignedStep {
  /** How the sides relate. */
  kind: AlignKind
  /** The step of trace A, or null when only B has a step here. */
  a: CompareStep | null
  /** The step of trace B, or null when only A has a step here. */
  b: CompareStep | null
}

/** A number for each side of a comparison. */
export interface ComparePair {
  /** Trace A's value. */
  a: number
  /** Trace B's value. */
  b: number
}

/** Calls to one tool on each side. */
export interface CompareToolCount extends ComparePair {
  /** Tool name. */
  tool: string
}

/** Failed calls of one kind on each side. */
export interface CompareKindCount extends ComparePair {
  /** Failure kind. */
  kind: ErrorKind
}

/** Differences between two traces, in numbers. */
export interface CompareSummary {
  /** Steps (gpt turns). */
  steps: ComparePair
  /** Calls, malformed included. */
  calls: ComparePair
  /** Calls per tool name, by a + b descending, then name. */
  callsPerTool: CompareToolCount[]
  /** Calls whose outcome is not `ok` (unanswered calls included). */
  failures: ComparePair
  /** Failed calls by kind, by a + b descending, then kind. */
  failuresByKind: CompareKindCount[]
  /** Reasoning size in code points of `<think>` content (the replay carries no token counts). */
  thinkChars: ComparePair
  /** Code points of answer text over every step. */
  answerChars: ComparePair
  /** Code points of the final answer: the answer of the last step when it calls no tool, else 0. */
  finalAnswerChars: ComparePair
  /** Aligned rows of each kind. */
  alignment: Record<AlignKind, number>
  /** Cost of the alignment (gap 1; substitution 0 when identical, else 0.5 + the Dice distance of the tool-name multisets). */
  cost: number
}

/** Who a compared trace is. */
export interface CompareTraceHeader {
  /** Row id. */
  id: string
  /** Config of the row. */
  config: string
  /** Row category. */
  category: string
  /** Row subcategory. */
  subcategory: string
  /** The user's task. */
  task: string
  /** The row's numbers. */
  summary: TraceSummary
}

/** Two traces side by side: `GET /api/compare?a=&b=`. */
export interface Comparison extends Provenance {
  /** Trace A (`a`). */
  a: CompareTraceHeader
  /** Trace B (`b`). */
  b: CompareTraceHeader
  /** The step alignment, in order of both traces. */
  steps: AlignedStep[]
  /** Differences in numbers. */
  summary: CompareSummary
}

/** Rows with the identical task text: `GET /api/trace/:id/same-task`. */
export interface SameTaskList extends Provenance {
  /** The trace asked about. */
  id: string
  /** Its task text. */
  task: string
  /** Other rows (any config) with exactly this task. */
  total: number
  /** The first of them (at most 50), in the card's config order, then row order. */
  traces: TraceSummary[]
}

/** Where a config's search index stands (`search` of each config in `/api/health`). */
export interface SearchIndexProgress {
  complete: boolean
  slicesDone: number
  slicesTotal: number
  manifest: boolean
  shardsDone: number
  shardsTotal: number
}
