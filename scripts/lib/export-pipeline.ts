/**
 * The export pipeline (the export CLI `scripts/export.ts`, the tokenize bench): stream dataset parquet files in
 * bounded memory and write one training/interchange record per row, filtered like the explorer's lists, as
 * JSONL or parquet. The writers are `export-sinks.ts`; the CLI's flags `export-flags.ts`.
 *
 * - JSONL: one line per row, `{"id": ..., ...exportTrace(trace, format)}`, `id` first: `messages` + `tools`
 *   (openai), `messages` (openai-raw), `conversations` + `tools` + `category` + `subcategory` + `task` (sharegpt,
 *   a dataset row), `lines` (sts: the session's STS lines). Reading a dataset directory, every record carries
 *   its `config` right after `id`.
 * - parquet (hyparquet-writer, snappy): columns `id` (+ `config`) and one column per field. `sharegpt` keeps the
 *   dataset's own schema (`conversations` as list<struct<from, value>>, the rest strings); the other formats'
 *   fields are UTF-8 columns holding the field's JSON text (their messages are heterogeneous objects, which
 *   no fixed Arrow struct describes). The `huggingface` key-value metadata declares the features for `datasets`.
 * - tokenized (see `tokenize.ts` for the masking method): each row's `openai` export rendered with the Qwen3
 *   chat template: `{"id", "input_ids", "labels", "n_tokens", "n_trainable"}`; `labels` is -100 outside the
 *   assistant's own tokens. In parquet `input_ids` / `labels` are list<int32>, the counts int32.
 */
import { basename, dirname, join } from 'node:path'
import { DEFAULT_DATASET } from '../../shared/dataset.ts'
import { EXPORT_FORMATS, type ExportFormat, exportTrace, isExportFormat } from '../../shared/export.ts'
import { ERROR_FILTERS, isErrorFilter, matchesFilter, type TraceFilter } from '../../shared/filters.ts'
import { parseRow, type RowContext } from '../../shared/trace.ts'
import { datasetDirRevision, readDatasetDir } from './dataset-dir.ts'
import {
  type ExportRecord,
  FORMAT_FIELDS,
  OUTPUT_FORMATS,
  type OutputFormat,
  openSink,
  parquetColumns,
  stsDirSink,
  type TextSink,
} from './export-sinks.ts'
import { openLocalParquet, streamRowSlices } from './local-parquet.ts'
import { createProgress } from './progress.ts'
import { type ChatTokenizer, countTrainable, loadTokenizer, tokenizeTrace } from './tokenize.ts'

export { FORMAT_FIELDS, OUTPUT_FORMATS, type OutputFormat, type TextSink } from './export-sinks.ts'

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
  /**
   * With format `sts` (instead of `out`): a directory receiving one STS file per trace, `<dir>/<config>/<id>.jsonl`
   * (the session header line, then the messages): the layout the Hub's trace viewer loads, one session per file.
   */
  outDir?: string
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
  if (options.outDir !== undefined) {
    if (options.format !== 'sts') throw new Error('--out-dir writes STS files: give --format sts')
    if (options.out !== undefined) throw new Error('give either --out or --out-dir, not both')
    if (options.tokenize || (options.outputFormat ?? 'jsonl') !== 'jsonl') {
      throw new Error('--out-dir writes STS .jsonl files (no --tokenize, no --output-format parquet)')
    }
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

  const { sink } =
    options.outDir !== undefined
      ? { sink: stsDirSink(options.outDir) }
      : openSink(options.out, outputFormat, () => parquetColumns(format, tokenize, byDir))
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
