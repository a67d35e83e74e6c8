/**
 * The memory bench's inputs: the generated sample (`.cache/bench-full`) rewritten once per real parquet layout
 * (DATASET.md "How real writers lay out the parquet") into `<sample>-<layout>`, by python3:
 *   datasets          `Dataset.to_parquet` (bench/write_datasets_layout.py): row groups of ~100 MB of Arrow data,
 *                     a page index;
 *   pyarrow-defaults  `pyarrow.parquet.write_table` defaults (bench/write_layout.py): ONE row group per file,
 *                     dictionary pages, no page index;
 *   pyarrow-rg1000    the same with `row_group_size=1000`: 1,000-row groups, no page index.
 * Each rewrite records what it wrote in `<dir>/.layout.json` (one entry per file: writer, settings, row groups,
 * offset/column index per column); a rewrite older than the sample it came from is made again.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '../..')

/** The layouts the memory bench measures, in the order `--layout all` runs them. */
export const MEMORY_LAYOUTS = ['datasets', 'pyarrow-defaults', 'pyarrow-rg1000'] as const
export type MemoryLayout = (typeof MEMORY_LAYOUTS)[number]

/** The dataset directory the bench serves for one layout, and what wrote its parquet. */
export interface MemoryData {
  dir: string
  /** The layout asked for. */
  layoutName: MemoryLayout
  /** e.g. "datasets 5.0.1, pyarrow 25.0.1 (Dataset.to_parquet)", or the generated sample's writer. */
  layout: string
  /** True when the files were written by the layout's writer (false: the generated sample stands in). */
  written: boolean
  /** The generated sample the layout was written from (same rows, same order). */
  sourceDir: string
}

/** How each layout is written: the script and its extra arguments, what it needs, how to label it. */
const WRITERS: Record<MemoryLayout, { script: string; args: string[]; imports: string; how: string }> = {
  datasets: {
    script: 'bench/write_datasets_layout.py',
    args: [],
    imports: 'datasets, pyarrow',
    how: 'Dataset.to_parquet',
  },
  'pyarrow-defaults': {
    script: 'bench/write_layout.py',
    args: ['--writer', 'pyarrow-defaults'],
    imports: 'pyarrow',
    how: 'pyarrow.parquet.write_table(table, path)',
  },
  'pyarrow-rg1000': {
    script: 'bench/write_layout.py',
    args: ['--writer', 'pyarrow-rg1000'],
    imports: 'pyarrow',
    how: 'pyarrow.parquet.write_table(table, path, row_group_size=1000)',
  },
}

/** A parse of a layout's `.layout.json` entry (the fields the bench reports). */
interface LayoutMarkerEntry {
  file?: string
  writer?: string
  settings?: string
}

/**
 * The copy of `sampleDir` written with `layout`'s writer (made once, again when the sample is newer), or the
 * sample itself, labelled as such, when python3 cannot write it.
 */
export function prepareLayoutData(sampleDir: string, layout: MemoryLayout): MemoryData {
  const w = WRITERS[layout]
  const out = `${sampleDir}-${layout}`
  const marker = join(out, '.layout.json')
  const describe = (): MemoryData => {
    const entries = JSON.parse(readFileSync(marker, 'utf8')) as LayoutMarkerEntry[]
    const kimi = entries.find((e) => e.file?.includes('/kimi/')) ?? entries[0]
    return {
      dir: out,
      layoutName: layout,
      layout: `${kimi?.writer ?? layout} (${kimi?.settings ?? w.how})`,
      written: true,
      sourceDir: sampleDir,
    }
  }
  // A rewrite older than the sample it came from (the sample was regenerated) is stale: make it again.
  const source = join(sampleDir, 'data', 'kimi', 'train.parquet')
  if (existsSync(marker) && existsSync(source) && statSync(source).mtimeMs > statSync(marker).mtimeMs) {
    process.stderr.write(`memory: ${out} is older than ${sampleDir}: rewriting it\n`)
    rmSync(out, { recursive: true, force: true })
  }
  if (existsSync(marker)) return describe()
  const check = spawnSync('python3', ['-c', `import ${w.imports}`], { encoding: 'utf8' })
  if (check.status === 0) {
    process.stderr.write(`memory: rewriting ${sampleDir} with ${w.how} into ${out} (once; minutes)\n`)
    const t = performance.now()
    const run = spawnSync('python3', [join(ROOT, w.script), ...w.args, sampleDir, out], {
      stdio: ['ignore', 'ignore', 'inherit'],
    })
    if (run.status === 0 && existsSync(marker)) {
      process.stderr.write(`memory: rewritten in ${Math.round((performance.now() - t) / 1000)} s\n`)
      return describe()
    }
    process.stdout.write(
      `  NOTE: ${w.script} failed (exit ${run.status}): using the generated sample's own layout for ${layout}\n`,
    )
  } else {
    const why = (check.error?.message ?? check.stderr.trim().split('\n').pop() ?? '').trim()
    process.stdout.write(
      `  NOTE: python3 with ${w.imports} is not available (${why || `exit ${check.status}`}): the files are NOT\n` +
        `        written by ${w.how}; using the generated sample's own layout (hyparquet-writer). For the real\n` +
        `        layout: pip install ${w.imports.replace(/,/g, '')}, then rerun.\n`,
    )
  }
  return {
    dir: sampleDir,
    layoutName: layout,
    layout: `generated sample (hyparquet-writer), NOT the ${layout} layout`,
    written: false,
    sourceDir: sampleDir,
  }
}
