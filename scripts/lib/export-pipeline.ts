/**
 * The export CLI: stream dataset parquet files in bounded memory and write one training/interchange record per
 * row, filtered like the explorer's lists, as JSONL or parquet. Progress and the final summary go to stderr.
 *
 *   npm run export -- --file data/kimi/train.parquet --config kimi --format openai --out kimi.jsonl
 *   npm run export -- --dataset-dir sample-data --format sharegpt --error none --out ok.parquet --output-format parquet
 *   npm run export -- --dataset-dir sample-data --tokenize --max-len 32768 --no-think-loss --out train.jsonl
 *
 * Input: --file F [--config C] (the config defaults to F's directory name, as in data/<config>/train.parquet)
 * or --dataset-dir D (every config its card declares, in the card's order; --config C keeps one). In
 * dataset-dir mode every record carries its `config` right after `id`.
 *
 * Output: --out FILE (written to FILE.partial-<pid>, renamed when complete), or --out - / no --out for stdout
 * (JSONL only). --output-format jsonl (default) | parquet.
 * - JSONL: one line per row, `{"id": ..., ...exportTrace(trace, format)}`, `id` first: `messages` + `tools`
 *   (openai), `messages` (openai-raw), `conversations` + `tools` + `category` + `subcategory` + `task` (sharegpt,
 *   a dataset row), `lines` (sts: the session's STS lines).
 * - parquet (hyparquet-writer, snappy): columns `id` (+ `config`) and one column per field. `sharegpt` keeps the
 *   dataset's own schema (`conversations` as list<struct<from, value>>, the rest strings); the other formats'
 *   fields are UTF-8 columns holding the field's JSON text (their messages are heterogeneous objects, which
 *   no fixed Arrow struct describes). The `huggingface` key-value metadata declares the features for `datasets`.
 *
 * Filters (`shared/filters.ts`, the same semantics as `GET /api/traces`): --category --subcategory --tool --error
 * (any|none|seed|<error kind>) --min-messages --max-messages --min-calls --max-calls --min-parallel --q; --limit N
 * stops after N written rows (0: no limit).
 *
 * Tokenized examples (--tokenize; see scripts/lib/tokenize.ts for the masking method): each row's `openai`
 * export rendered with the Qwen3 chat template and tokenized: `{"id", "input_ids", "labels", "n_tokens",
 * "n_trainable"}`; `labels` is -100 outside the assistant's own tokens. --max-len N truncates on the right
 * (both arrays cut at N), --no-think-loss masks `<think>…</think>` blocks, --verify re-tokenizes every row
 * whole with the tokenizer library's own encoder and skips a row whose ids differ (never seen; ~6x slower, as
 * the library encodes ~1.3 MB/s against ~8 MB/s for the export's cached encoder). In parquet `input_ids` /
 * `labels` are list<int32> and `n_tokens` / `n_trainable` int32. A row that cannot be tokenized is skipped and
 * reported on stderr.
 *
 * Other flags: --dataset NAME, --revision SHA, --sample (provenance of the parsed traces), --budget-mb N (decoded
 * bytes per parquet slice), --quiet (no progress bar; the summary line is always printed).
 */
import { once } from 'node:events'
import { createWriteStream, existsSync, rmSync, statSync, type WriteStream } from 'node:fs'
import { rename } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { fileWriter, ParquetWriter, type SchemaElement } from 'hyparquet-writer'
import { DEFAULT_DATASET } from '../shared/dataset.ts'
import { EXPORT_FORMATS, type ExportFormat, exportTrace, isExportFormat } from '../shared/export.ts'
import { ERROR_FILTERS, isErrorFilter, matchesFilter, type TraceFilter } from '../shared/filters.ts'
import { DEFAULT_SLICE_BUDGET } from '../shared/parquet.ts'
import { parseRow, type RowContext } from '../shared/trace.ts'
import { type Flags, flagInt, flagString, parseFlags } from './lib/args.ts'
import { datasetDirRevision, readDatasetDir } from './lib/dataset-dir.ts'
import { openLocalParquet, streamRowSlices } from './lib/local-parquet.ts'
import { createProgress } from './lib/progress.ts'
import { type ChatTokenizer, countTrainable, loadTokenizer, tokenizeTrace } from './lib/tokenize.ts'

/** Output file formats. */
export const OUTPUT_FORMATS = ['jsonl', 'parquet'] as const

/** One of `OUTPUT_FORMATS`. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number]

/** The fields each export format adds after `id`, in order (checked against every exported row). */
export const FORMAT_FIELDS: Record<ExportFormat, readonly string[]> = {
  openai: ['messages', 'tools'],
  'openai-raw': ['messages'],
  sharegpt: ['conversations', 'tools', 'category', 'subcategory', 'task'],
  sts: ['lines'],
}

/** A writable text stream (process.stdout, a file stream, a test's PassThrough). */
export type TextSink = NodeJS.WritableStream

/** Options of `exportDataset`. */
export interface ExportOptions {
  /** One parquet file (with `config`), or ... */
  file?: string
  /** The config of `file`; with `datasetDir`, export only this config. Default: the file's directory name. */
  config?: string
  /** ... a dataset directory with a card (every config it declares). */
  datasetDir?: string
  /** Export format (default `openai`). With `tokenize`, only `openai` (the tokenized text is rendered from it). */
  format?: ExportFormat
  /** File format (default `jsonl`). */
  outputFormat?: OutputFormat
  /** A file path; `-` or undefined for stdout; or a stream (JSONL only; not ended). */
  out?: string | TextSink
  /** Rows to keep (all when empty). */
  filter?: TraceFilter
  /** Stop after this many written rows (0 or undefined: no limit). */
  limit?: number
  /** Write tokenized examples with label masks instead of the format's fields. */
  tokenize?: boolean
  /** With `tokenize`: right-truncate to this many tokens. */
  maxLen?: number
  /** With `tokenize`: mask reasoning out of the loss. */
  noThinkLoss?: boolean
  /** With `tokenize`: check every row's ids against whole-text tokenization. */
  verify?: boolean
  /** Provenance given to the parsed traces. */
  dataset?: string
  revision?: string
  sample?: boolean
  /** Decoded bytes per parquet slice. */
  budgetBytes?: number
  /** No progress bar. */
  quiet?: boolean
  /** Called with the id and reason of every row that could not be exported (tokenization errors). */
  onSkip?: (id: string, reason: string) => void
}

/** What `exportDataset` did. */
export interface ExportResult {
  /** Rows written. */
  rows: number
  /** Rows read from the parquet files (including filtered-out ones). */
  read: number
  /** Rows that matched the filter (written + skipped, until the limit stopped the run). */
  matched: number
  /** Matching rows that could not be exported (tokenization errors). */
  skipped: number
  /** Bytes written. */
  bytes: number
  /** Wall time. */
  seconds: number
  /** Rows written per config. */
  configs: Record<string, number>
  /** With `tokenize`: token totals over the written rows. */
  tokens?: {
    /** Tokens written (after truncation). */
    total: number
    /** Tokens with labels (not -100). */
    trainable: number
    /** Rows cut by `maxLen`. */
    truncated: number
    /** Rows with no trainable token left. */
    empty: number
  }
}

// ---------------------------------------------------------------------------------------------------------
// Sinks: JSONL to a stream, parquet to a file.
// ---------------------------------------------------------------------------------------------------------

/** A record: `id`, optional `config`, then the format's fields (or the tokenized fields). */
type ExportRecord = Record<string, unknown>

interface Sink {
  add(record: ExportRecord): Promise<void>
  /** Flush and close; returns the bytes written. */
  finish(): Promise<number>
  /** Drop a partial output after an error. */
  abort(): void
}

const CHUNK_CHARS = 1 << 20

/** Resolves when a full stream has drained, or closed (after an error: the caller checks for one). */
function drained(stream: TextSink): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done)
      stream.off('close', done)
      resolve()
    }
    stream.once('drain', done)
    stream.once('close', done)
  })
}

/**
 * JSONL into a text stream, batched into ~1 MB writes, waiting for `drain` when the stream is full (so memory
 * stays bounded however slow the reader is). `check` throws a write error the stream reported.
 */
function jsonlSink(stream: TextSink, close?: () => Promise<void>, check?: () => void): Sink {
  let pending = ''
  let bytes = 0
  const flush = async () => {
    if (pending === '') return
    const chunk = pending
    pending = ''
    bytes += Buffer.byteLength(chunk)
    if (!stream.write(chunk)) await drained(stream)
    check?.()
  }
  return {
    async add(record) {
      pending += `${JSON.stringify(record)}\n`
      if (pending.length >= CHUNK_CHARS) await flush()
    },
    async finish() {
      await flush()
      await close?.()
      return bytes
    },
    abort() {},
  }
}

/** Column kinds of the parquet output. */
type ColumnKind = 'string' | 'json' | 'int32' | 'int32list' | 'conversations'

interface ColumnSpec {
  name: string
  kind: ColumnKind
}

const utf8 = (name: string): SchemaElement => ({
  name,
  type: 'BYTE_ARRAY',
  converted_type: 'UTF8',
  repetition_type: 'OPTIONAL',
})

/** Schema elements of one column (nullable, as pyarrow writes them). */
function columnSchema({ name, kind }: ColumnSpec): SchemaElement[] {
  switch (kind) {
    case 'string':
    case 'json':
      return [utf8(name)]
    case 'int32':
      return [{ name, type: 'INT32', repetition_type: 'OPTIONAL' }]
    case 'int32list':
      return [
        { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', type: 'INT32', repetition_type: 'OPTIONAL' },
      ]
    case 'conversations':
      return [
        { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', repetition_type: 'OPTIONAL', num_children: 2 },
        utf8('from'),
        utf8('value'),
      ]
  }
}

/** The `datasets` feature of one column, for the `huggingface` key-value metadata. */
function columnFeature(kind: ColumnKind): unknown {
  const value = (dtype: string) => ({ dtype, _type: 'Value' })
  switch (kind) {
    case 'string':
    case 'json':
      return value('string')
    case 'int32':
      return value('int32')
    case 'int32list':
      return { feature: value('int32'), _type: 'List' }
    case 'conversations':
      return { feature: { from: value('string'), value: value('string') }, _type: 'List' }
  }
}

/** The parquet columns of an export. */
function parquetColumns(format: ExportFormat, tokenize: boolean, withConfig: boolean): ColumnSpec[] {
  const head: ColumnSpec[] = [{ name: 'id', kind: 'string' }]
  if (withConfig) head.push({ name: 'config', kind: 'string' })
  if (tokenize) {
    return [
      ...head,
      { name: 'input_ids', kind: 'int32list' },
      { name: 'labels', kind: 'int32list' },
      { name: 'n_tokens', kind: 'int32' },
      { name: 'n_trainable', kind: 'int32' },
    ]
  }
  return [
    ...head,
    ...FORMAT_FIELDS[format].map((name): ColumnSpec => {
      if (format === 'sharegpt') return { name, kind: name === 'conversations' ? 'conversations' : 'string' }
      return { name, kind: 'json' }
    }),
  ]
}

/**
 * What a stored column value costs the parquet writer in memory, roughly: ~3 bytes per string character (the
 * JS string, then its UTF-8 copy and page buffer), ~100 bytes per int32 list element (hyparquet-writer's
 * Dremel encoding keeps a value, a definition and a repetition level per element in plain arrays, then the
 * page buffers: measured), and the strings of a `conversations` list.
 */
function valueWeight(value: unknown): number {
  if (typeof value === 'string') return 3 * value.length
  if (Array.isArray(value)) {
    let n = 0
    for (const item of value) {
      if (typeof item === 'number') n += 100
      else if (typeof item === 'object' && item !== null) {
        for (const v of Object.values(item)) n += typeof v === 'string' ? 3 * v.length + 32 : 32
      } else n += 32
    }
    return n
  }
  return 8
}

/**
 * Rows and estimated writer memory per parquet row group: bounded memory (a tokenized row of the real data
 * holds ~70k tokens, so a row group of tokenized rows has ~10-20 rows) and row groups `datasets` reads
 * comfortably.
 */
const GROUP_ROWS = 1000
const GROUP_WEIGHT = 64 * 2 ** 20

/** Parquet to a file, one row group at a time. */
function parquetSink(path: string, columns: ColumnSpec[]): Sink {
  const schema: SchemaElement[] = [
    { name: 'root', num_children: columns.length },
    ...columns.flatMap(columnSchema),
  ]
  const features = Object.fromEntries(columns.map((c) => [c.name, columnFeature(c.kind)]))
  const writer = new ParquetWriter({
    writer: fileWriter(path),
    schema,
    codec: 'SNAPPY',
    createdBy: 'hermes-trace-explorer scripts/export.ts (hyparquet-writer 0.17)',
    kvMetadata: [{ key: 'huggingface', value: JSON.stringify({ info: { features } }) }],
  })
  let data: unknown[][] = columns.map(() => [])
  let rows = 0
  let weight = 0
  const flush = async () => {
    if (rows === 0) return
    const columnData = columns.map((c, i) => ({ name: c.name, data: data[i] as unknown[] }))
    await writer.write({ columnData, rowGroupSize: rows })
    data = columns.map(() => [])
    rows = 0
    weight = 0
  }
  return {
    async add(record) {
      for (const [i, c] of columns.entries()) {
        const value = c.kind === 'json' ? JSON.stringify(record[c.name]) : record[c.name]
        ;(data[i] as unknown[]).push(value)
        weight += valueWeight(value)
      }
      rows++
      if (rows >= GROUP_ROWS || weight >= GROUP_WEIGHT) await flush()
    },
    async finish() {
      await flush()
      await writer.finish()
      return statSync(path).size
    },
    abort() {},
  }
}

/** A sink for `out`: stdout, a stream, or a file written under a temporary name and renamed when complete. */
function openSink(
  out: ExportOptions['out'],
  outputFormat: OutputFormat,
  columns: () => ColumnSpec[],
): { sink: Sink; target: string } {
  if (out === undefined || out === '-' || typeof out !== 'string') {
    if (outputFormat === 'parquet') throw new Error('--output-format parquet needs --out FILE (not stdout)')
    const stream = typeof out === 'object' ? out : process.stdout
    return { sink: jsonlSink(stream), target: typeof out === 'object' ? 'stream' : 'stdout' }
  }
  const dir = dirname(out)
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`cannot write ${out}: no directory ${dir}`)
  }
  const partial = join(dir, `${basename(out)}.partial-${process.pid}`)
  let inner: Sink
  if (outputFormat === 'parquet') inner = parquetSink(partial, columns())
  else {
    const file: WriteStream = createWriteStream(partial)
    let failure: Error | null = null
    file.on('error', (err) => {
      failure = err
    })
    const check = () => {
      if (failure) throw new Error(`cannot write ${out}: ${failure.message}`)
    }
    inner = jsonlSink(
      file,
      async () => {
        if (!file.destroyed) {
          file.end()
          await once(file, 'close').catch(() => {})
        }
        check()
      },
      check,
    )
  }
  return {
    target: out,
    sink: {
      add: (record) => inner.add(record),
      async finish() {
        const bytes = await inner.finish()
        await rename(partial, out)
        return bytes
      },
      abort() {
        rmSync(partial, { force: true })
      },
    },
  }
}

// ---------------------------------------------------------------------------------------------------------
// The export
// ---------------------------------------------------------------------------------------------------------

/** One parquet file to read and the config its rows belong to. */
interface Target {
  config: string
  path: string
}

/** Check option combinations; throws an Error naming the offending value. */
function validate(options: ExportOptions): void {
  if (options.format !== undefined && !isExportFormat(options.format)) {
    throw new Error(`unknown format "${options.format}" (expected one of ${EXPORT_FORMATS.join(', ')})`)
  }
  const outputFormat = options.outputFormat
  if (outputFormat !== undefined && !(OUTPUT_FORMATS as readonly string[]).includes(outputFormat)) {
    throw new Error(`unknown output format "${outputFormat}" (expected one of ${OUTPUT_FORMATS.join(', ')})`)
  }
  const error = options.filter?.error
  if (error !== undefined && !isErrorFilter(error)) {
    throw new Error(`unknown error filter "${error}" (expected one of ${ERROR_FILTERS.join(', ')})`)
  }
  if (options.tokenize) {
    if (options.format !== undefined && options.format !== 'openai') {
      throw new Error(
        `--tokenize renders the openai export; it cannot be combined with --format ${options.format}`,
      )
    }
  } else {
    if (options.maxLen) throw new Error('--max-len needs --tokenize')
    if (options.noThinkLoss) throw new Error('--no-think-loss needs --tokenize')
    if (options.verify) throw new Error('--verify needs --tokenize')
  }
  if (options.file && options.datasetDir) throw new Error('give either --file or --dataset-dir, not both')
  if (!options.file && !options.datasetDir) throw new Error('give --file <parquet> or --dataset-dir <dir>')
}

/**
 * Export a parquet file or a dataset directory: stream rows slice by slice (bounded memory: one slice of
 * decoded rows, one row group of output), keep those matching `filter`, and write one record per row.
 */
export async function exportDataset(options: ExportOptions): Promise<ExportResult> {
  validate(options)
  const started = performance.now()
  const format = options.format ?? 'openai'
  const outputFormat = options.outputFormat ?? 'jsonl'
  const filter = options.filter ?? {}
  const limit = options.limit ?? 0
  const tokenize = options.tokenize === true

  let targets: Target[]
  let revision: string
  let sample = options.sample === true
  const byDir = options.datasetDir !== undefined
  if (options.datasetDir !== undefined) {
    const dir = options.datasetDir
    const described = await readDatasetDir(dir)
    const declared = described.configs.map((c) => c.name)
    if (options.config !== undefined && !declared.includes(options.config)) {
      throw new Error(
        `unknown config "${options.config}" (the card in ${dir} declares ${declared.join(', ')})`,
      )
    }
    // A config filter skips the other configs' files instead of reading and rejecting every row.
    const only = options.config ?? options.filter?.config
    targets = described.configs
      .filter((c) => only === undefined || c.name === only)
      .map((c) => ({ config: c.name, path: join(dir, c.path) }))
    revision = options.revision ?? (await datasetDirRevision(dir))
    sample ||= described.sample
  } else {
    const file = options.file as string
    targets = [{ config: options.config ?? basename(dirname(file)), path: file }]
    revision = options.revision ?? 'local'
  }
  const dataset = options.dataset ?? DEFAULT_DATASET
  // Open every file before writing anything, so a missing file fails without leaving an output behind.
  const sources = await Promise.all(targets.map((t) => openLocalParquet(t.path)))
  const tokenizer: ChatTokenizer | null = tokenize ? await loadTokenizer() : null

  const { sink } = openSink(options.out, outputFormat, () => parquetColumns(format, tokenize, byDir))
  const result: ExportResult = {
    rows: 0,
    read: 0,
    matched: 0,
    skipped: 0,
    bytes: 0,
    seconds: 0,
    configs: {},
    ...(tokenize ? { tokens: { total: 0, trainable: 0, truncated: 0, empty: 0 } } : {}),
  }
  const fields = FORMAT_FIELDS[format]
  try {
    outer: for (const [t, target] of targets.entries()) {
      const source = sources[t] as Awaited<ReturnType<typeof openLocalParquet>>
      const ctx: RowContext = { config: target.config, dataset, revision, sample }
      const progress = createProgress(`export ${target.config}`, source.rows, {
        quiet: options.quiet,
        unit: 'rows',
      })
      result.configs[target.config] = 0
      let done = 0
      for await (const slice of streamRowSlices(source, { budgetBytes: options.budgetBytes })) {
        for (const row of slice.rows) {
          result.read++
          done++
          const { trace } = parseRow(row, ctx)
          if (!matchesFilter(trace.summary, filter)) continue
          result.matched++
          const record: ExportRecord = { id: trace.id }
          if (byDir) record.config = target.config
          if (tokenizer) {
            let example: ReturnType<typeof tokenizeTrace>
            try {
              example = tokenizeTrace(trace, {
                tokenizer,
                maxLen: options.maxLen,
                noThinkLoss: options.noThinkLoss,
                verify: options.verify,
              })
            } catch (err) {
              result.skipped++
              options.onSkip?.(trace.id, (err as Error).message)
              continue
            }
            const trainable = countTrainable(example.labels)
            record.input_ids = example.input_ids
            record.labels = example.labels
            record.n_tokens = example.input_ids.length
            record.n_trainable = trainable
            const tokens = result.tokens as NonNullable<ExportResult['tokens']>
            tokens.total += example.input_ids.length
            tokens.trainable += trainable
            if (example.truncated) tokens.truncated++
            if (trainable === 0) tokens.empty++
          } else {
            const exported = exportTrace(trace, format)
            const keys = Object.keys(exported)
            if (keys.length !== fields.length || keys.some((k, i) => k !== fields[i])) {
              throw new Error(
                `format ${format} gave fields ${keys.join(', ')}; expected ${fields.join(', ')}`,
              )
            }
            Object.assign(record, exported)
          }
          await sink.add(record)
          result.rows++
          result.configs[target.config] = (result.configs[target.config] ?? 0) + 1
          progress.update(done, `${result.rows} written`)
          if (limit > 0 && result.rows >= limit) {
            progress.finish(`${result.rows} written (limit)`)
            break outer
          }
        }
        progress.update(done, `${result.rows} written`)
      }
      progress.finish(`${result.rows} written`)
    }
    result.bytes = await sink.finish()
  } catch (err) {
    sink.abort()
    throw err
  }
  result.seconds = (performance.now() - started) / 1000
  return result
}

/** The one-line summary printed at the end of a run. */
export function exportSummary(result: ExportResult, target: string): string {
  const mb = (result.bytes / 1e6).toFixed(result.bytes < 1e7 ? 2 : 1)
  let line = `export: ${result.rows} rows written to ${target} (${result.read} read, ${result.matched} matched`
  line += `${result.skipped > 0 ? `, ${result.skipped} skipped` : ''}), ${mb} MB in ${result.seconds.toFixed(1)} s`
  const t = result.tokens
  if (t) {
    const share = t.total > 0 ? ((100 * t.trainable) / t.total).toFixed(1) : '0.0'
    line += `; ${t.total} tokens, ${t.trainable} trainable (${share}%)`
    if (t.truncated > 0) line += `, ${t.truncated} rows truncated`
    if (t.empty > 0) line += `, ${t.empty} rows with no trainable token`
  }
  return line
}

/** Flags that take a number: a non-negative integer, or an error naming the flag. */
function optionalInt(flags: Flags, name: string): number | undefined {
  return flagString(flags, name) === undefined ? undefined : flagInt(flags, name, 0)
}

/** The TraceFilter the filter flags describe. */
export function filterFromFlags(flags: Flags): TraceFilter {
  const f: TraceFilter = {}
  const set = <K extends keyof TraceFilter>(key: K, value: TraceFilter[K] | undefined) => {
    if (value !== undefined) f[key] = value
  }
  set('category', flagString(flags, 'category'))
  set('subcategory', flagString(flags, 'subcategory'))
  set('tool', flagString(flags, 'tool'))
  const error = flagString(flags, 'error')
  if (error !== undefined) {
    if (!isErrorFilter(error)) {
      throw new Error(`unknown error filter "${error}" (expected one of ${ERROR_FILTERS.join(', ')})`)
    }
    f.error = error
  }
  set('minMessages', optionalInt(flags, 'min-messages'))
  set('maxMessages', optionalInt(flags, 'max-messages'))
  set('minCalls', optionalInt(flags, 'min-calls'))
  set('maxCalls', optionalInt(flags, 'max-calls'))
  set('minParallel', optionalInt(flags, 'min-parallel'))
  set('q', flagString(flags, 'q'))
  return f
}

/** Parse the CLI's argv into export options (throws naming an unknown flag or a bad value). */
export function exportOptionsFromArgv(argv: readonly string[]): ExportOptions {
  const flags = parseFlags(argv, {
    values: [
      'file',
      'config',
      'dataset-dir',
      'dataset',
      'revision',
      'format',
      'output-format',
      'out',
      'limit',
      'budget-mb',
      'max-len',
      'category',
      'subcategory',
      'tool',
      'error',
      'min-messages',
      'max-messages',
      'min-calls',
      'max-calls',
      'min-parallel',
      'q',
    ],
    booleans: ['tokenize', 'no-think-loss', 'verify', 'quiet', 'sample'],
  })
  const format = flagString(flags, 'format')
  if (format !== undefined && !isExportFormat(format)) {
    throw new Error(`unknown format "${format}" (expected one of ${EXPORT_FORMATS.join(', ')})`)
  }
  const outputFormat = flagString(flags, 'output-format')
  if (outputFormat !== undefined && !(OUTPUT_FORMATS as readonly string[]).includes(outputFormat)) {
    throw new Error(`unknown output format "${outputFormat}" (expected one of ${OUTPUT_FORMATS.join(', ')})`)
  }
  return {
    file: flagString(flags, 'file'),
    datasetDir: flagString(flags, 'dataset-dir'),
    config: flagString(flags, 'config'),
    dataset: flagString(flags, 'dataset'),
    revision: flagString(flags, 'revision'),
    sample: flags.sample === true,
    format,
    outputFormat: outputFormat as OutputFormat | undefined,
    out: flagString(flags, 'out'),
    filter: filterFromFlags(flags),
    limit: optionalInt(flags, 'limit'),
    budgetBytes: flagInt(flags, 'budget-mb', DEFAULT_SLICE_BUDGET / 2 ** 20) * 2 ** 20,
    tokenize: flags.tokenize === true,
    maxLen: optionalInt(flags, 'max-len'),
    noThinkLoss: flags['no-think-loss'] === true,
    verify: flags.verify === true,
    quiet: flags.quiet === true,
  }
}

async function main(argv: string[]): Promise<void> {
  const options = exportOptionsFromArgv(argv)
  // `npm run export ... | head`: the reader went away, which is not a failure of the export.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0)
    process.stderr.write(`export: cannot write to stdout: ${err.message}\n`)
    process.exit(1)
  })
  let reported = 0
  options.onSkip = (id, reason) => {
    // The first few reasons in full; the count is in the summary.
    if (reported++ < 10) process.stderr.write(`export: skipped row ${id}: ${reason}\n`)
  }
  const result = await exportDataset(options)
  const target = typeof options.out === 'string' && options.out !== '-' ? options.out : 'stdout'
  process.stderr.write(`${exportSummary(result, target)}\n`)
}

if (import.meta.main) {
  main(process.argv.slice(2)).catch((err: Error) => {
    process.stderr.write(`export: ${err.message}\n`)
    process.exit(1)
  })
}
