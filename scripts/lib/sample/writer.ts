/**
 * Streaming parquet writer for sample rows: one row group at a time (bounded memory), snappy, the
 * dataset's six columns with an explicit schema, and an offset index on multi-page column chunks.
 */
import { fileWriter, ParquetWriter, type SchemaElement } from 'hyparquet-writer'
import type { SampleRow } from './conversation.ts'

const utf8 = (name: string): SchemaElement => ({
  name,
  type: 'BYTE_ARRAY',
  converted_type: 'UTF8',
  repetition_type: 'OPTIONAL',
})

/** The schema `datasets`/pyarrow would write for the six columns (nullable, like Arrow). */
export const SCHEMA: SchemaElement[] = [
  { name: 'root', num_children: 6 },
  utf8('id'),
  { name: 'conversations', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', repetition_type: 'OPTIONAL', num_children: 2 },
  utf8('from'),
  utf8('value'),
  utf8('tools'),
  utf8('category'),
  utf8('subcategory'),
  utf8('task'),
]

const string = { dtype: 'string', _type: 'Value' }

/** The `huggingface` key-value metadata `datasets` writes (features of the six columns). */
export const HF_METADATA = JSON.stringify({
  info: {
    features: {
      id: string,
      conversations: { feature: { from: string, value: string }, _type: 'List' },
      tools: string,
      category: string,
      subcategory: string,
      task: string,
    },
  },
})

/** Options of `writeParquet`. */
export interface WriteOptions {
  path: string
  rows: number
  /** Produces row `i` (called in order, once per row). */
  row: (i: number) => SampleRow
  /** Maximum rows per row group. */
  rowGroupRows: number
  /** Target uncompressed bytes (string length) per row group. */
  rowGroupBytes: number
  /** Target page size in bytes. */
  pageSize: number
  createdBy: string
  /** Called after every row (rowsDone) and after every row group. */
  onRow?: (rowsDone: number) => void
}

/** What was written. */
export interface WriteResult {
  rows: number
  rowGroups: number
  /** Sum of the string lengths of all values (an uncompressed size estimate). */
  textBytes: number
}

/** Writes rows to a parquet file, row group by row group. */
export async function writeParquet(opts: WriteOptions): Promise<WriteResult> {
  const writer = fileWriter(opts.path)
  const pq = new ParquetWriter({
    writer,
    schema: SCHEMA,
    codec: 'SNAPPY',
    statistics: true,
    createdBy: opts.createdBy,
    kvMetadata: [
      { key: 'huggingface', value: HF_METADATA },
      { key: 'hermes_trace_explorer.synthetic_sample', value: 'true' },
    ],
  })
  let ids: string[] = []
  let convs: SampleRow['conversations'][] = []
  let tools: string[] = []
  let cats: string[] = []
  let subs: string[] = []
  let tasks: string[] = []
  let groupBytes = 0
  let textBytes = 0
  let rowGroups = 0
  const flush = async () => {
    if (ids.length === 0) return
    await pq.write({
      columnData: [
        { name: 'id', data: ids },
        { name: 'conversations', data: convs },
        { name: 'tools', data: tools },
        { name: 'category', data: cats },
        { name: 'subcategory', data: subs },
        { name: 'task', data: tasks },
      ],
      rowGroupSize: ids.length,
      pageSize: opts.pageSize,
    })
    rowGroups++
    ids = []
    convs = []
    tools = []
    cats = []
    subs = []
    tasks = []
    groupBytes = 0
  }
  // Balance row counts so the last group is not a runt (with a single page and no offset index).
  const perGroup = Math.ceil(opts.rows / Math.max(1, Math.ceil(opts.rows / opts.rowGroupRows)))
  for (let i = 0; i < opts.rows; i++) {
    const r = opts.row(i)
    ids.push(r.id)
    convs.push(r.conversations)
    tools.push(r.tools)
    cats.push(r.category)
    subs.push(r.subcategory)
    tasks.push(r.task)
    let n = r.id.length + r.tools.length + r.category.length + r.subcategory.length + r.task.length
    for (const m of r.conversations) n += m.from.length + m.value.length
    groupBytes += n
    textBytes += n
    if (ids.length >= perGroup || groupBytes >= opts.rowGroupBytes) await flush()
    opts.onRow?.(i + 1)
  }
  await flush()
  await pq.finish()
  return { rows: opts.rows, rowGroups, textBytes }
}
