/**
 * Zod schemas of every JSON answer of the API: the response half of the OpenAPI document
 * (`workers/routes/openapi.ts` turns them into JSON Schema with `z.toJSONSchema`). `shared/types.ts` stays the
 * documented contract; `test/workers/openapi-types.test.ts` proves at type level that `z.infer` of each schema
 * here equals the contract type, so the document cannot drift from the code's types.
 *
 * Descriptions repeat the one-line doc comments of `shared/types.ts` (they become the document's descriptions).
 */

import { z } from 'zod'
import { ERROR_KINDS } from '../shared/filters.ts'

/** 40-hex commit sha, as every answer's `revision` is. */
export const ShaSchema = z
  .string()
  .regex(/^[0-9a-f]{40}$/)
  .describe('Commit sha (40 hex digits).')

/** `unknown` as an always-present property: zod 4 infers a bare `z.unknown()` key as optional. */
const anyJson = () => z.custom<unknown>((): boolean => true)

const count = () => z.number().int().min(0)
const counts = () => z.record(z.string(), z.number())

export const RoleSchema = z.enum(['system', 'human', 'gpt', 'tool']).describe('Author role.')

export const ErrorKindSchema = z.enum(ERROR_KINDS)

export const WarningCodeSchema = z.enum([
  'bad_row',
  'unknown_role',
  'missing_system',
  'bad_tools_json',
  'unbalanced_think',
  'unclosed_tool_call',
  'malformed_call',
  'unknown_tool',
  'unclosed_tool_response',
  'malformed_response',
  'response_count_mismatch',
  'orphan_tool_message',
])

const ProvenanceShape = {
  dataset: z.string().describe('Hub dataset repository, e.g. `lambda/hermes-agent-reasoning-traces`.'),
  revision: ShaSchema.describe('Commit sha of the dataset revision the document was computed from.'),
  sample: z.boolean().describe('True when the data is the generated sample, not the real dataset.'),
}

/**
 * A message's author as the data has it: one of the four roles, or (rare, reported as an `unknown_role` warning)
 * any other string, kept unchanged. The contract type says `Role`; the document admits the other strings too.
 */
const MessageRoleSchema = z
  .union([RoleSchema, z.string()])
  .describe('Author role; other strings are kept and reported as a warning.') as unknown as typeof RoleSchema

export const MessageSchema = z
  .object({
    from: MessageRoleSchema,
    value: z.string().describe('Raw text, with the Hermes markup left in place.'),
  })
  .describe("One entry of a row's `conversations` column, unchanged.")

export const ToolDefSchema = z
  .object({
    name: z.string().describe('Function name as the model must call it.'),
    description: z.string().describe('Human description of the tool.'),
    parameters: anyJson().describe('JSON Schema of the arguments object.'),
  })
  .describe("One tool of the row's toolset (OpenAI function form).")

export const CallSchema = z
  .object({
    name: z.string().describe('Tool name from the payload; `<malformed>` when the payload is not usable.'),
    arguments: anyJson().describe('The `arguments` value of the payload, or null when malformed.'),
    malformed: z.boolean().describe('True when the payload is not valid JSON or lacks a string `name`.'),
    raw: z.string().describe('The payload text between the tags, trimmed, exactly as written.'),
  })
  .describe('A `<tool_call>` block of an assistant turn.')

export const ResponseSchema = z
  .object({
    name: z.string().nullable().describe('`name` field of the response payload, or null.'),
    toolCallId: z.string().nullable().describe('`tool_call_id` field of the response payload, or null.'),
    content: anyJson().describe("The payload's `content`; the raw body text when the payload is not JSON."),
    error: z.string().nullable().describe('One-line description of the failure, or null.'),
    errorKind: ErrorKindSchema.nullable().describe('Taxonomy kind of `error`, or null.'),
  })
  .describe('A `<tool_response>` block, paired with the call at the same position.')

export const StepSchema = z
  .object({
    message: count().describe('Index of the gpt message in `Trace.messages`.'),
    thoughts: z.array(z.string()).describe('Contents of the `<think>` blocks, trimmed.'),
    calls: z.array(CallSchema).describe('The `<tool_call>` blocks in order.'),
    responses: z
      .array(ResponseSchema)
      .describe('Every `<tool_response>` block of the following tool message(s).'),
    answer: z.string().describe('Text left after removing `<think>` and `<tool_call>` blocks, trimmed.'),
  })
  .describe('One assistant (gpt) turn of a replay, with the tool results that answer it.')

export const ParseWarningSchema = z.object({
  code: WarningCodeSchema,
  message: z.number().int().min(-1).describe('Index of the message concerned, or -1 for the row.'),
  detail: z.string().describe('Human explanation naming the offending value.'),
})

export const TraceSummarySchema = z
  .object({
    id: z.string().describe('Row id (a UUID in the real data).'),
    config: z.string().describe('Config (subset) the row belongs to.'),
    category: z.string(),
    subcategory: z.string(),
    task: z.string().describe("The user's task."),
    messages: count().describe('Messages in `conversations`, system included.'),
    gptTurns: count(),
    toolCalls: count().describe("Tool calls (the tutorial's regex, malformed included)."),
    parallelTurns: count().describe('gpt turns with more than one call.'),
    maxParallel: count(),
    malformedCalls: count(),
    toolErrors: count().describe('Tool responses the taxonomy classifies as errors.'),
    seedError: z.boolean().describe('The tutorial\'s heuristic "has an error" flag.'),
    tools: counts().describe('Calls per tool name.'),
    thinkChars: count(),
    answerChars: count(),
    humanTurns: count(),
    warnings: count().describe('Parse warnings recorded for the row.'),
    errorKinds: z.partialRecord(ErrorKindSchema, z.number()).describe('Failed calls by error kind.'),
    failedTools: counts().describe('Failed calls by tool name.'),
  })
  .describe('Per-row numbers: what `/api/traces` lists and filters.')

export const TraceSchema = z
  .object({
    ...ProvenanceShape,
    id: z.string(),
    config: z.string(),
    category: z.string(),
    subcategory: z.string(),
    task: z.string(),
    tools: z.array(ToolDefSchema),
    messages: z.array(MessageSchema),
    steps: z.array(StepSchema),
    summary: TraceSummarySchema,
    warnings: z.array(ParseWarningSchema),
  })
  .describe('The replay document of one row.')

export const DistributionSchema = z
  .object({
    count: z.number(),
    sum: z.number(),
    min: z.number(),
    max: z.number(),
    mean: z.number(),
    p50: z.number(),
    p90: z.number(),
    p99: z.number(),
    bins: counts().describe('Sparse bin index -> count (bin k: floor(log2(v + 1) * 8) == k).'),
  })
  .describe('A mergeable distribution of non-negative numbers.')

export const ToolErrorStatsSchema = z.object({
  calls: z.number(),
  responses: z.number(),
  errors: z.number(),
  rate: z.number(),
  kinds: z.partialRecord(ErrorKindSchema, z.number()),
})

export const SeedStatsSchema = z
  .object({
    avgTurns: z.number(),
    avgToolCalls: z.number(),
    pctWithError: z.number(),
    pctParallelTurns: z.number(),
    toolCalls: counts(),
    parallelWidths: counts(),
    thoughtsPerTurn: counts(),
    categories: counts(),
  })
  .describe("The tutorial's numbers, with its exact definitions.")

export const CoverageSchema = z
  .object({
    slicesDone: z.number(),
    slicesTotal: z.number(),
    missing: z
      .array(
        z.object({
          start: z.number(),
          end: z.number(),
          state: z.enum(['queued', 'failed']),
          error: z.string().optional(),
        }),
      )
      .describe('Row ranges [start, end) not counted yet (at most 50 listed).'),
    retryAfter: z.number().describe('Seconds after which asking again is worthwhile (also Retry-After).'),
  })
  .describe('Progress of a dataset-wide computation that is not complete yet.')

export const FailureExampleSchema = z
  .object({
    id: z.string().describe('Row id.'),
    step: z.number().int().min(1).describe("Step number, 1-based: the trace viewer's `#step-<n>` anchor."),
    message: z
      .string()
      .describe("The failure's informative line as the response wrote it (<= 160 characters)."),
  })
  .describe('Where one failure of a group can be seen.')

const FailureGroupShape = {
  signature: z.string().describe('The normalised message (`cat: <path>: No such file or directory`).'),
  kind: ErrorKindSchema.describe('Taxonomy kind of these failures.'),
  count: count().describe('Failed calls (exact).'),
  rows: count().describe('Rows with at least one of these failed calls.'),
  recovered: count().describe('Failed calls after which a later step called the same tool successfully.'),
  examples: z.array(FailureExampleSchema).describe('Up to 3 examples: the smallest by (id, step, message).'),
}

export const FailureGroupSchema = z
  .object(FailureGroupShape)
  .describe('The failed calls of one tool that share an error signature and a taxonomy kind.')

const totalsKeys = [
  'messages',
  'toolCalls',
  'gptTurns',
  'callingTurns',
  'parallelTurns',
  'seedErrorRows',
  'errorRows',
  'thinkBlocks',
  'nonEmptyThinkBlocks',
  'thinkWords',
  'responses',
  'errorResponses',
  'malformedCalls',
  'unknownToolCalls',
  'textBesideCallTurns',
  'multiHumanRows',
  'warnings',
] as const

export const StatsSchema = z
  .object({
    ...ProvenanceShape,
    config: z.string(),
    complete: z.boolean().describe('True when every row of the config is counted.'),
    rows: z.number().describe('Rows counted.'),
    rowsTotal: z.number().describe('Rows in the config.'),
    coverage: CoverageSchema.optional().describe('While `complete` is false: what is missing.'),
    seed: SeedStatsSchema,
    totals: z.object(
      Object.fromEntries(totalsKeys.map((k) => [k, z.number()])) as Record<
        (typeof totalsKeys)[number],
        z.ZodNumber
      >,
    ),
    averages: z.object({
      messagesPerRow: z.number(),
      toolCallsPerRow: z.number(),
      gptTurnsPerRow: z.number(),
      thinkWordsPerBlock: z.number(),
      pctRowsWithToolError: z.number(),
      pctResponsesWithError: z.number(),
    }),
    subcategories: counts(),
    roles: counts(),
    messagesPerRow: counts(),
    callsPerRow: counts(),
    lengths: z.object({
      thinkChars: DistributionSchema,
      thinkWords: DistributionSchema,
      callChars: DistributionSchema,
      answerChars: DistributionSchema,
      rowMessages: DistributionSchema,
      rowCalls: DistributionSchema,
    }),
    errorKinds: z.partialRecord(ErrorKindSchema, z.number()),
    toolErrors: z.record(z.string(), ToolErrorStatsSchema),
    warnings: z.partialRecord(WarningCodeSchema, z.number()),
    failures: z
      .record(z.string(), z.array(FailureGroupSchema))
      .describe('Failed calls per tool name, grouped by error signature and kind (exact, complete).'),
  })
  .describe('Dataset statistics of one config.')

export const StatsSetSchema = z
  .object({
    ...ProvenanceShape,
    complete: z.boolean().describe("True when every config's stats are complete."),
    configs: z.record(z.string(), StatsSchema).describe('Config name -> its stats.'),
  })
  .describe('Stats of several configs side by side.')

export const FailureListSchema = z
  .object({
    ...ProvenanceShape,
    complete: z.boolean().describe('True when every row of the configs asked for is counted.'),
    coverage: z
      .record(z.string(), CoverageSchema)
      .optional()
      .describe('While `complete` is false: per config, what is still missing.'),
    groups: z
      .array(
        z
          .object({
            config: z.string().describe('Config of the rows.'),
            tool: z.string().describe('Tool name of the calls.'),
            ...FailureGroupShape,
          })
          .describe('A failure group with its config and tool.'),
      )
      .describe('Groups matching the query, by count descending (at most `limit`).'),
    total: count().describe('Groups matching the query before `limit`.'),
  })
  .describe('`GET /api/failures`: failed calls grouped by error signature, per config and tool.')

export const DatasetsSchema = z
  .object({
    ...ProvenanceShape,
    requested: z.string().describe('The revision asked for (branch, tag or sha) before resolution.'),
    configs: z.array(
      z.object({
        name: z.string(),
        split: z.string(),
        path: z.string().describe('Parquet file path in the repository.'),
        rows: count(),
        bytes: count(),
        rowGroups: count(),
      }),
    ),
  })
  .describe('`GET /api/datasets`: the dataset, its resolved revision and configs.')
export type DatasetsAnswer = z.infer<typeof DatasetsSchema>

export const TraceListSchema = z
  .object({
    ...ProvenanceShape,
    complete: z.boolean().describe('False while summaries are still computed (the list grows).'),
    rows: count().describe('Rows summarised so far.'),
    rowsTotal: count(),
    total: count().describe('Items matching the filters.'),
    offset: count(),
    limit: count(),
    nextCursor: z.string().nullable().describe('Opaque cursor of the next page, null at the end.'),
    items: z.array(TraceSummarySchema),
  })
  .describe('`GET /api/traces`: a page of row summaries.')
export type TraceListAnswer = z.infer<typeof TraceListSchema>

export const TraceExportSchema = z
  .looseObject({
    ...ProvenanceShape,
    id: z.string(),
    config: z.string(),
    format: z.enum(['openai', 'openai-raw', 'sharegpt', 'sts']),
  })
  .describe('`GET /api/trace/{id}?format=`: the export form, its fields beside the provenance.')

const SearchFieldSchema = z.enum(['system', 'human', 'gpt', 'think', 'call', 'tool'])

export const SearchHitSchema = z
  .object({
    id: z.string().describe('Row id of the trace.'),
    config: z.string().describe('Config the row belongs to.'),
    message: count().describe("Index of the message in the row's `conversations`."),
    role: RoleSchema.describe('Role of the message.'),
    field: SearchFieldSchema.describe(
      'Field shown by the snippet: where most matches are (within the `role` filter when given).',
    ),
    step: count()
      .nullable()
      .describe(
        "Index into the replay's `steps` (a tool message: the step whose calls it answers); null for system/human.",
      ),
    score: z.number().describe('BM25 score (k1 = 1.2, b = 0.75).'),
    snippet: z
      .object({
        text: z.string(),
        marks: z.array(z.tuple([count(), count()])),
      })
      .describe("Plain text around the first match, with the matches' [start, end) UTF-16 offsets in it."),
  })
  .describe('One matching message.')

export const SearchAnswerSchema = z
  .object({
    ...ProvenanceShape,
    q: z.string().describe('The query as sent.'),
    terms: z.array(z.string()).describe('Its terms, normalised: words, phrases as "a b", prefixes as "ab*".'),
    total: count().describe('Matching (trace, message) pairs over every page.'),
    complete: z
      .boolean()
      .describe(
        "True when every searched config's index is complete (an incomplete index answers 503 instead).",
      ),
    coverage: CoverageSchema.optional().describe('While `complete` is false: what is missing.'),
    hits: z.array(SearchHitSchema).describe('This page, best first.'),
    next: z.string().nullable().describe('Opaque cursor of the next page, null at the end.'),
  })
  .describe('`GET /api/search`: one page of matching messages.')

export const ChartListSchema = z.object({
  charts: z.array(z.object({ name: z.string(), url: z.string() })),
})

export const ProblemSchema = z
  .object({
    type: z.string().describe('URI naming the kind of problem.'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().describe('What went wrong, naming the bad value.'),
    instance: z.string().optional(),
    param: z.string().optional().describe('The offending parameter, when the client sent it.'),
    value: z.string().optional().describe('Its value (clipped).'),
    retryAfter: z.number().int().optional().describe('Seconds to wait (also the Retry-After header).'),
  })
  .describe('RFC 9457 problem details.')

const cacheTotals = z.record(z.string(), z.number().nullable())

export const HealthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    ...ProvenanceShape,
    requested: z.string(),
    idIndex: z.boolean().nullable().describe('Whether the id index exists; null when storage failed.'),
    configs: z.record(
      z.string(),
      z.union([
        z.object({
          rowsTotal: z.number(),
          stats: z.object({
            complete: z.boolean(),
            slicesDone: z.number(),
            slicesTotal: z.number(),
            rowsDone: z.number(),
            failed: z
              .array(z.object({ slice: z.string(), error: z.string(), at: z.number() }))
              .describe(
                'Slices that failed permanently (at most 20): `<start>-<end>`, the error, when (epoch ms).',
              ),
          }),
          summaries: z.object({ complete: z.boolean() }),
          search: z
            .object({
              complete: z.boolean(),
              slicesDone: z.number(),
              slicesTotal: z.number(),
              manifest: z.boolean(),
              shardsDone: z.number(),
              shardsTotal: z.number(),
            })
            .describe(
              'The search index: slices whose partial index exists, the manifest, the merged shards; `/api/search` answers 503 index-pending until complete.',
            ),
          pageMap: z
            .object({
              needed: z.boolean().describe('The file has big column chunks without a page index.'),
              complete: z.boolean(),
              bytesDone: z.number(),
              bytesTotal: z.number(),
            })
            .describe(
              'The page map (our own page index) the Queue builds for a file without one; traces inside its row groups answer 503 + Retry-After until complete.',
            ),
        }),
        z.object({ error: z.string() }),
      ]),
    ),
    caches: z.object({
      blocks: cacheTotals,
      r2: cacheTotals,
      traceMemoBytes: z.number(),
    }),
    memory: z
      .object({
        capacity: z.number(),
        reserved: z.number(),
        waiting: z.number(),
        peakReserved: z.number(),
        refused: z.number(),
        timedOut: z.number(),
      })
      .describe("The isolate's decode memory gate (bytes; requests waiting, refused, timed out)."),
    queue: z
      .object({
        computed: z.number(),
        retried: z.number(),
        permanent: z.number(),
        deadLetters: z.number(),
        revived: z.number(),
      })
      .describe("This isolate's Queue consumer counters."),
    isolate: z.object({ startedAt: z.string() }),
  })
  .describe('`GET /api/health`: revision, per-config completeness, cache hit ratios.')

/** oEmbed 1.0 `rich` answer (https://oembed.com/ §2.3.4). */
export const OEmbedSchema = z
  .object({
    type: z.literal('rich'),
    version: z.literal('1.0'),
    title: z.string(),
    provider_name: z.string(),
    provider_url: z.string(),
    html: z.string().describe('An `<iframe>` showing the chart page.'),
    width: z.number().int(),
    height: z.number().int(),
    cache_age: z.number().int().optional(),
  })
  .describe('oEmbed 1.0 rich response.')
export type OEmbedAnswer = z.infer<typeof OEmbedSchema>

export const CompareCallSchema = z
  .object({
    name: z.string().describe('Tool name (`<malformed>` when the payload is not usable).'),
    preview: z.string().describe('The arguments as one line of JSON (raw payload when malformed), clipped.'),
    outcome: z
      .union([z.literal('ok'), ErrorKindSchema])
      .describe('`ok`, or the failure kind (`missing_response`: no response came).'),
  })
  .describe('One call of a compared step.')

export const CompareStepSchema = z
  .object({
    step: z.number().int().min(1).describe("1-based step number in its trace (the viewer's `#step-N`)."),
    message: count().describe("Index of the gpt message in the trace's `messages`."),
    calls: z.array(CompareCallSchema),
    failures: count().describe('Calls whose outcome is not `ok`.'),
    thinkChars: count().describe("Code points of the step's `<think>` content."),
    answerChars: count().describe("Code points of the step's answer text."),
  })
  .describe('One step of one trace, as a side of an aligned row.')

const AlignKindSchema = z.enum(['same', 'similar', 'different', 'a-only', 'b-only'])

export const AlignedStepSchema = z
  .object({
    kind: AlignKindSchema.describe(
      '`same` (identical tool-name sequence), `similar` (a tool in common), `different`, `a-only`, `b-only`.',
    ),
    a: CompareStepSchema.nullable().describe('The step of trace A, or null (a gap).'),
    b: CompareStepSchema.nullable().describe('The step of trace B, or null (a gap).'),
  })
  .describe('One row of the alignment.')

const comparePair = () => z.object({ a: count(), b: count() })

export const CompareSummarySchema = z
  .object({
    steps: comparePair(),
    calls: comparePair(),
    callsPerTool: z
      .array(z.object({ tool: z.string(), a: count(), b: count() }))
      .describe('Calls per tool, by a + b descending, then name.'),
    failures: comparePair().describe('Calls whose outcome is not `ok` (unanswered calls included).'),
    failuresByKind: z
      .array(z.object({ kind: ErrorKindSchema, a: count(), b: count() }))
      .describe('Failed calls by kind, by a + b descending, then kind.'),
    thinkChars: comparePair().describe('Code points of `<think>` content (no token counts in the replay).'),
    answerChars: comparePair().describe('Code points of answer text over every step.'),
    finalAnswerChars: comparePair().describe(
      'Code points of the answer of the last step when it calls no tool, else 0.',
    ),
    alignment: z.object({
      same: count(),
      similar: count(),
      different: count(),
      'a-only': count(),
      'b-only': count(),
    }),
    cost: z.number().min(0).describe('Cost of the alignment (docs/api.md: the alignment rule).'),
  })
  .describe('Differences between two traces, in numbers.')

const CompareTraceHeaderSchema = z.object({
  id: z.string(),
  config: z.string(),
  category: z.string(),
  subcategory: z.string(),
  task: z.string(),
  summary: TraceSummarySchema,
})

export const ComparisonSchema = z
  .object({
    ...ProvenanceShape,
    a: CompareTraceHeaderSchema.describe('Trace A.'),
    b: CompareTraceHeaderSchema.describe('Trace B.'),
    steps: z.array(AlignedStepSchema).describe('The step alignment, in order of both traces.'),
    summary: CompareSummarySchema,
  })
  .describe('`GET /api/compare`: two traces side by side.')

export const SameTaskListSchema = z
  .object({
    ...ProvenanceShape,
    id: z.string().describe('The trace asked about.'),
    task: z.string().describe('Its task text.'),
    total: count().describe('Other rows (any config) with exactly this task.'),
    traces: z.array(TraceSummarySchema).describe('The first of them (at most 50).'),
  })
  .describe('`GET /api/trace/{id}/same-task`: rows with the identical task text.')
