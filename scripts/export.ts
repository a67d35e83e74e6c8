/**
 * The export CLI: stream dataset parquet files in bounded memory and write one training/interchange record per
 * row, filtered like the explorer's lists, as JSONL or parquet. Progress and the final summary go to stderr.
 * The work is `scripts/lib/export-pipeline.ts`; the flags are parsed by `scripts/lib/export-flags.ts`.
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
 * (JSONL only). --output-format jsonl (default) | parquet. With --format sts, --out-dir DIR instead writes one STS
 * file per trace, DIR/<config>/<id>.jsonl (header line, then the messages): a folder the Hub loads as traces.
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
 * bytes per parquet slice), --quiet (no progress bar; the summary line is always printed), --help (the flags).
 */
import { parseFlags } from './lib/cli-args.ts'
import { EXPORT_FLAGS, EXPORT_USAGE, exportOptionsFromFlags } from './lib/export-flags.ts'
import { exportDataset, exportSummary } from './lib/export-pipeline.ts'
import { exitQuietlyWhenStdoutCloses } from './lib/stdout-pipe.ts'

async function main(argv: string[]): Promise<void> {
  const flags = parseFlags(argv, EXPORT_FLAGS)
  if (flags.help) {
    process.stdout.write(EXPORT_USAGE)
    return
  }
  const options = exportOptionsFromFlags(flags)
  exitQuietlyWhenStdoutCloses('export')
  let reported = 0
  options.onSkip = (id, reason) => {
    // The first few reasons in full; the count is in the summary.
    if (reported++ < 10) process.stderr.write(`export: skipped row ${id}: ${reason}\n`)
  }
  const result = await exportDataset(options)
  const target =
    options.outDir !== undefined
      ? `${options.outDir}/<config>/<id>.jsonl`
      : typeof options.out === 'string' && options.out !== '-'
        ? options.out
        : 'stdout'
  process.stderr.write(`${exportSummary(result, target)}\n`)
}

main(process.argv.slice(2)).catch((err: Error) => {
  process.stderr.write(`export: ${err.message}\n`)
  process.exit(1)
})
