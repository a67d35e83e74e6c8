/**
 * The export CLI's flags (a contract: names and meanings never change) as `ExportOptions`; used by
 * `scripts/export.ts` and by the tests that check the flags in process.
 */
import { EXPORT_FORMATS, isExportFormat } from '../../shared/export.ts'
import { ERROR_FILTERS, isErrorFilter, type TraceFilter } from '../../shared/filters.ts'
import { DEFAULT_SLICE_BUDGET } from '../../shared/parquet.ts'
import { type Flags, flagInt, parseFlags } from './cli-args.ts'
import type { ExportOptions } from './export-pipeline.ts'
import { OUTPUT_FORMATS, type OutputFormat } from './export-sinks.ts'

/** Every flag of the export CLI. */
export const EXPORT_FLAGS = {
  file: { type: 'string' },
  config: { type: 'string' },
  'dataset-dir': { type: 'string' },
  dataset: { type: 'string' },
  revision: { type: 'string' },
  format: { type: 'string' },
  'output-format': { type: 'string' },
  out: { type: 'string' },
  'out-dir': { type: 'string' },
  limit: { type: 'string' },
  'budget-mb': { type: 'string' },
  'max-len': { type: 'string' },
  category: { type: 'string' },
  subcategory: { type: 'string' },
  tool: { type: 'string' },
  error: { type: 'string' },
  'min-messages': { type: 'string' },
  'max-messages': { type: 'string' },
  'min-calls': { type: 'string' },
  'max-calls': { type: 'string' },
  'min-parallel': { type: 'string' },
  q: { type: 'string' },
  tokenize: { type: 'boolean' },
  'no-think-loss': { type: 'boolean' },
  verify: { type: 'boolean' },
  quiet: { type: 'boolean' },
  sample: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

/** `items` joined by " | ", wrapped at 116 columns, continuation lines indented like the first one's text. */
function choices(items: readonly string[], indent = 23): string {
  const lines: string[] = []
  let line = ''
  for (const item of items) {
    const next = line === '' ? item : `${line} | ${item}`
    if (indent + next.length > 116 && line !== '') {
      lines.push(`${line} |`)
      line = item
    } else {
      line = next
    }
  }
  lines.push(line)
  return lines.join(`\n${' '.repeat(indent)}`)
}

/** The export CLI's `--help` text. */
export const EXPORT_USAGE = `usage: npm run export -- --file <parquet> [--config NAME] | --dataset-dir DIR  [--format F] [--out FILE] [flags]

Streams local parquet in bounded memory and writes one record per row (filtered like GET /api/traces) as JSONL
or parquet; progress and the summary line go to stderr.

Input
  --file F             one parquet file; its config defaults to the parent folder's name (data/<config>/train.parquet)
  --config NAME        the config of --file, or the one config of --dataset-dir to keep
  --dataset-dir D      every config the directory's dataset card declares (records carry "config" after "id")
  --dataset NAME, --revision SHA, --sample   provenance written into the parsed traces
  --budget-mb N        decoded megabytes per parquet slice (default ${DEFAULT_SLICE_BUDGET / 2 ** 20})

Output
  --format F           ${EXPORT_FORMATS.join(' | ')} (default openai)
  --output-format O    ${OUTPUT_FORMATS.join(' | ')} (default jsonl)
  --out FILE           written to FILE.partial-<pid>, renamed when complete; "-" or none: stdout (JSONL only)
  --out-dir DIR        with --format sts: one file per trace, DIR/<config>/<id>.jsonl
  --limit N            stop after N written rows (0: no limit)

Filters
  --category C, --subcategory S, --tool NAME, --q TEXT
  --error E            ${choices(ERROR_FILTERS)}
  --min-messages N, --max-messages N, --min-calls N, --max-calls N, --min-parallel N

Tokenized examples (Qwen3 chat template; labels are -100 outside the assistant's own tokens)
  --tokenize           write {"id", "input_ids", "labels", "n_tokens", "n_trainable"} per row
  --max-len N          cut both arrays at N tokens
  --no-think-loss      mask <think>…</think> blocks too
  --verify             re-tokenize every row whole with the tokenizer library and skip a row that differs

  --quiet              no progress bar (the summary line is always printed)
  --help, -h           this text
`

/** Parsed export flags. */
export type ExportFlags = Flags<typeof EXPORT_FLAGS>

/** The TraceFilter the filter flags describe. */
export function filterFromFlags(flags: ExportFlags): TraceFilter {
  const f: TraceFilter = {}
  const set = <K extends keyof TraceFilter>(key: K, value: TraceFilter[K] | undefined) => {
    if (value !== undefined) f[key] = value
  }
  set('category', flags.category)
  set('subcategory', flags.subcategory)
  set('tool', flags.tool)
  const error = flags.error
  if (error !== undefined) {
    if (!isErrorFilter(error)) {
      throw new Error(`unknown error filter "${error}" (expected one of ${ERROR_FILTERS.join(', ')})`)
    }
    f.error = error
  }
  set('minMessages', flagInt('min-messages', flags['min-messages']))
  set('maxMessages', flagInt('max-messages', flags['max-messages']))
  set('minCalls', flagInt('min-calls', flags['min-calls']))
  set('maxCalls', flagInt('max-calls', flags['max-calls']))
  set('minParallel', flagInt('min-parallel', flags['min-parallel']))
  set('q', flags.q)
  return f
}

/** Parse the CLI's argv into export options (throws naming an unknown flag or a bad value). */
export function exportOptionsFromArgv(argv: readonly string[]): ExportOptions {
  return exportOptionsFromFlags(parseFlags(argv, EXPORT_FLAGS))
}

/** Parsed flags as export options (throws naming a bad value). */
export function exportOptionsFromFlags(flags: ExportFlags): ExportOptions {
  const format = flags.format
  if (format !== undefined && !isExportFormat(format)) {
    throw new Error(`unknown format "${format}" (expected one of ${EXPORT_FORMATS.join(', ')})`)
  }
  const outputFormat = flags['output-format']
  if (outputFormat !== undefined && !(OUTPUT_FORMATS as readonly string[]).includes(outputFormat)) {
    throw new Error(`unknown output format "${outputFormat}" (expected one of ${OUTPUT_FORMATS.join(', ')})`)
  }
  return {
    file: flags.file,
    datasetDir: flags['dataset-dir'],
    config: flags.config,
    dataset: flags.dataset,
    revision: flags.revision,
    sample: flags.sample === true,
    format,
    outputFormat: outputFormat as OutputFormat | undefined,
    out: flags.out,
    outDir: flags['out-dir'],
    filter: filterFromFlags(flags),
    limit: flagInt('limit', flags.limit),
    budgetBytes: flagInt('budget-mb', flags['budget-mb'], DEFAULT_SLICE_BUDGET / 2 ** 20) * 2 ** 20,
    tokenize: flags.tokenize === true,
    maxLen: flagInt('max-len', flags['max-len']),
    noThinkLoss: flags['no-think-loss'] === true,
    verify: flags.verify === true,
    quiet: flags.quiet === true,
  }
}
