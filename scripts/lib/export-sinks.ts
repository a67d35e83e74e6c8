/**
 * The writers of the export pipeline: JSONL into a stream (batched, waiting for `drain`), parquet into a file
 * (hyparquet-writer, snappy, one bounded row group at a time, `huggingface` features metadata for `datasets`),
 * and files written under a temporary name that is renamed only when complete.
 */
import { once } from 'node:events'
import { createWriteStream, existsSync, rmSync, statSync, type WriteStream } from 'node:fs'
import { mkdir, rename, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { fileWriter, ParquetWriter, type SchemaElement } from 'hyparquet-writer'
import type { ExportFormat } from '../../shared/export.ts'

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

// ---------------------------------------------------------------------------------------------------------
// Sinks: JSONL to a stream, parquet to a file.
// ---------------------------------------------------------------------------------------------------------

/** A record: `id`, optional `config`, then the format's fields (or the tokenized fields). */
export type ExportRecord = Record<string, unknown>

export interface Sink {
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

export interface ColumnSpec {
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
export function parquetColumns(format: ExportFormat, tokenize: boolean, withConfig: boolean): ColumnSpec[] {
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
export function openSink(
  out: string | TextSink | undefined,
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

/** A path segment from a config name or row id: characters outside `[A-Za-z0-9._-]` become `_`, never `..`. */
function safeSegment(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_')
  return safe === '' || /^\.+$/.test(safe) ? `_${safe}` : safe
}

/**
 * STS files, one per trace: `<dir>/<config>/<id>.jsonl`, each the session header line then the messages (the
 * text `traceToStsJsonl` gives), the layout the Hub loads as one trace per file. Records are `{ id, config?,
 * lines }` (the `sts` export); the config comes from the record or the session header.
 */
export function stsDirSink(dir: string): Sink {
  let bytes = 0
  const made = new Set<string>()
  return {
    async add(record) {
      const lines = record.lines as Record<string, unknown>[]
      const config = safeSegment(String(record.config ?? lines[0]?.config ?? 'default'))
      const folder = join(dir, config)
      if (!made.has(folder)) {
        await mkdir(folder, { recursive: true })
        made.add(folder)
      }
      const text = `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`
      await writeFile(join(folder, `${safeSegment(String(record.id))}.jsonl`), text)
      bytes += Buffer.byteLength(text)
    },
    async finish() {
      return bytes
    },
    abort() {},
  }
}
