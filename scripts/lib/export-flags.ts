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
} as const

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
  const flags = parseFlags(argv, EXPORT_FLAGS)
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
