/**
 * The generated sample dataset (`npm run sample`): determinism, repository layout, parquet structure,
 * byte-level markup, and statistics that land near the real card.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type FileMetaData, parquetMetadataAsync, parquetReadObjects, readOffsetIndex } from 'hyparquet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { categoryShares } from '../../scripts/lib/sample/catalog.ts'
import { buildRow } from '../../scripts/lib/sample/conversation.ts'
import { CONFIG_PATHS, GENERATOR_VERSION, generateSample, SCALES } from '../../scripts/lib/sample/generate.ts'
import { DEVIATIONS, type Measure, measure, type ReadRow } from '../../scripts/lib/sample/measure.ts'
import { parseJsonPy, pyJsonDumps } from '../../shared/pyjson.ts'
import { CARD as CARD_NUMBERS } from '../../site/lib/card.ts'

const SEED = 1234
/** The dataset card's averages (site/lib/card.ts, the project's one copy of the card's numbers). */
const CARD = Object.fromEntries(
  CONFIG_PATHS.map(({ config }) => {
    const c = CARD_NUMBERS[config]
    if (!c) throw new Error(`no card numbers for ${config}`)
    return [config, { messages: c.messagesPerRow, calls: c.toolCallsPerRow, think: c.thinkWords }]
  }),
) as Record<string, { messages: number; calls: number; think: number }>

let dirA = ''
let dirB = ''
const files: Record<string, { bytes: Buffer; metadata: FileMetaData; rows: ReadRow[]; m: Measure }> = {}

function arrayBuffer(buf: Buffer): ArrayBuffer {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer
}

beforeAll(async () => {
  dirA = mkdtempSync(join(tmpdir(), 'hte-sample-a-'))
  dirB = mkdtempSync(join(tmpdir(), 'hte-sample-b-'))
  const opts = { rowsKimi: SCALES.small.rowsKimi, rowsGlm: SCALES.small.rowsGlm, seed: SEED }
  await generateSample({ out: dirA, ...opts })
  await generateSample({ out: dirB, ...opts })
  for (const { config, path } of CONFIG_PATHS) {
    const bytes = readFileSync(join(dirA, path))
    const file = arrayBuffer(bytes)
    const metadata = await parquetMetadataAsync(file)
    const rows = (await parquetReadObjects({ file, metadata })) as unknown as ReadRow[]
    files[config] = { bytes, metadata, rows, m: measure(rows) }
  }
}, 60_000)

afterAll(() => {
  for (const d of [dirA, dirB]) if (d) rmSync(d, { recursive: true, force: true })
})

describe('determinism', () => {
  it('generates byte-identical files for the same seed', () => {
    for (const p of [...CONFIG_PATHS.map((c) => c.path), 'README.md', 'sample.json']) {
      const a = readFileSync(join(dirA, p))
      const b = readFileSync(join(dirB, p))
      expect(a.equals(b), p).toBe(true)
    }
  })

  it('generates different rows for a different seed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hte-sample-c-'))
    try {
      await generateSample({ out: dir, rowsKimi: 5, rowsGlm: 5, seed: SEED + 1 })
      const file = arrayBuffer(readFileSync(join(dir, 'data/kimi/train.parquet')))
      const rows = (await parquetReadObjects({ file, columns: ['id'] })) as { id: string }[]
      expect(rows.map((r) => r.id)).not.toEqual(files.kimi?.rows.slice(0, 5).map((r) => r.id))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('writes no timestamps into the manifest', () => {
    const text = readFileSync(join(dirA, 'sample.json'), 'utf8')
    const info = JSON.parse(text) as Record<string, unknown>
    expect(info).toMatchObject({
      version: GENERATOR_VERSION,
      seed: SEED,
      rows: { kimi: SCALES.small.rowsKimi, 'glm-5.1': SCALES.small.rowsGlm },
      synthetic: true,
    })
    expect(typeof info.createdBy).toBe('string')
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/)
  })
})

describe('layout', () => {
  it('writes a card whose YAML declares both configs like the real card', () => {
    const card = readFileSync(join(dirA, 'README.md'), 'utf8')
    const front = card.split(/^---$/m)[1] ?? ''
    for (const { config, path } of CONFIG_PATHS) {
      expect(front).toContain(
        `- config_name: ${config}\n  data_files:\n  - split: train\n    path: ${path}\n`,
      )
    }
    expect(front).toMatch(/^pretty_name: .*GENERATED SAMPLE/m)
    expect(front).toMatch(/^- synthetic-sample$/m)
    expect(card.slice(card.indexOf('---', 4))).toContain('This is a generated sample, not the real dataset')
  })

  it('writes the six columns with the real types', () => {
    const { schema } = files.kimi!.metadata
    expect(schema.map((s) => s.name)).toEqual([
      'root',
      'id',
      'conversations',
      'list',
      'element',
      'from',
      'value',
      'tools',
      'category',
      'subcategory',
      'task',
    ])
    expect(schema[2]).toMatchObject({ converted_type: 'LIST', num_children: 1 })
    expect(schema[3]).toMatchObject({ repetition_type: 'REPEATED', num_children: 1 })
    expect(schema[4]).toMatchObject({ repetition_type: 'OPTIONAL', num_children: 2 })
    for (const i of [1, 5, 6, 7, 8, 9, 10])
      expect(schema[i]).toMatchObject({ type: 'BYTE_ARRAY', converted_type: 'UTF8' })
  })

  for (const { config } of CONFIG_PATHS) {
    it(`${config}: several snappy row groups with an offset index on conversations`, () => {
      const { metadata, bytes } = files[config]!
      expect(Number(metadata.num_rows)).toBe(config === 'kimi' ? SCALES.small.rowsKimi : SCALES.small.rowsGlm)
      expect(metadata.row_groups.length).toBeGreaterThan(1)
      for (const rg of metadata.row_groups) {
        expect(Number(rg.num_rows)).toBeLessThanOrEqual(64)
        for (const col of rg.columns) expect(col.meta_data?.codec).toBe('SNAPPY')
        const value = rg.columns.find(
          (c) => c.meta_data?.path_in_schema.join('.') === 'conversations.list.element.value',
        )
        expect(value?.offset_index_offset).toBeDefined()
        const start = Number(value!.offset_index_offset)
        const view = new DataView(bytes.buffer, bytes.byteOffset + start, value!.offset_index_length)
        const index = readOffsetIndex({ view, offset: 0 })
        expect(index.page_locations.length).toBeGreaterThan(1)
        const firstRows = index.page_locations.map((p) => Number(p.first_row_index))
        expect(firstRows[0]).toBe(0)
        for (let i = 1; i < firstRows.length; i++)
          expect(firstRows[i]).toBeGreaterThan(firstRows[i - 1] as number)
      }
    })

    it(`${config}: round-trips rows exactly`, () => {
      const rows = files[config]!.rows
      for (const i of [0, 7, 42]) {
        const expected = buildRow(config, i, SEED, SCALES.small.payload)
        expect(rows[i]).toEqual(expected)
      }
    })
  }
})

describe('markup', () => {
  const callBlock = /<tool_call>\n([\s\S]*?)\n<\/tool_call>/g
  const responseBlock = /<tool_response>\n([\s\S]*?)\n<\/tool_response>/g

  for (const { config } of CONFIG_PATHS) {
    it(`${config}: follows the hermes-agent writer byte for byte`, () => {
      const rows = files[config]!.rows
      const system =
        /^You are a function calling AI model\. [\s\S]*\n<tools>\n(\[[\s\S]*\])\n<\/tools>\nFor each function call return a JSON object/
      for (const row of rows) {
        const conv = row.conversations
        expect(conv[0]?.from).toBe('system')
        expect(conv.filter((m) => m.from === 'system')).toHaveLength(1)
        expect(conv[1]?.from).toBe('human')
        const tools = JSON.parse(row.tools) as { type: string; function: { name: string } }[]
        const listed = JSON.parse(system.exec(conv[0]!.value)?.[1] ?? 'null') as {
          name: string
          required: null
        }[]
        expect(listed.map((t) => t.name)).toEqual(tools.map((t) => t.function.name))
        expect(listed.every((t) => t.required === null)).toBe(true)
        expect(pyJsonDumps(tools, { ensureAscii: false })).toBe(row.tools)
        let counter = 0
        for (let i = 1; i < conv.length; i++) {
          const m = conv[i]!
          expect(m.value).toBe(m.value.trimEnd())
          if (m.from !== 'gpt') continue
          expect(m.value.startsWith('<think>\n')).toBe(true)
          const calls = [...m.value.matchAll(callBlock)].map((x) => x[1] as string)
          const next = conv[i + 1]
          if (calls.length === 0) {
            expect(next === undefined || next.from === 'human').toBe(true)
            continue
          }
          expect(next?.from).toBe('tool')
          const responses = [...next!.value.matchAll(responseBlock)].map((x) => x[1] as string)
          expect(responses).toHaveLength(calls.length)
          expect(responses.map((r) => `<tool_response>\n${r}\n</tool_response>`).join('\n')).toBe(next!.value)
          responses.forEach((text, j) => {
            const body = parseJsonPy(text) as { tool_call_id: string; name: string; content: unknown }
            expect(Object.keys(body)).toEqual(['tool_call_id', 'name', 'content'])
            expect(body.tool_call_id).toBe(`functions.${body.name}:${counter++}`)
            expect(pyJsonDumps(body, { ensureAscii: false })).toBe(text)
            try {
              const call = parseJsonPy(calls[j] as string) as { name: string }
              expect(call.name).toBe(body.name)
              expect(pyJsonDumps(call, { ensureAscii: false })).toBe(calls[j])
            } catch {
              // the invalid-JSON deviation
            }
          })
        }
      }
    })
  }
})

describe('realism', () => {
  for (const { config } of CONFIG_PATHS) {
    const card = CARD[config]!
    it(`${config}: messages, calls and parallel turns near the card`, () => {
      const { m } = files[config]!
      expect(m.messages.mean).toBeGreaterThan(card.messages * 0.85)
      expect(m.messages.mean).toBeLessThan(card.messages * 1.15)
      expect(m.messages.min).toBeGreaterThanOrEqual(5)
      expect(m.messages.max).toBeLessThanOrEqual(54)
      expect(m.calls.mean).toBeGreaterThan(card.calls * 0.8)
      expect(m.calls.mean).toBeLessThan(card.calls * 1.2)
      expect(m.parallelShare).toBeGreaterThan(0.11)
      expect(m.parallelShare).toBeLessThan(0.21)
      expect(m.thinkWordsPerBlock).toBeGreaterThan(card.think * 0.8)
      expect(m.thinkWordsPerBlock).toBeLessThan(card.think * 1.2)
      if (config === 'kimi') expect(m.messages.p95).toBe(54)
    })

    it(`${config}: category mix of the card`, () => {
      const { m } = files[config]!
      const shares = categoryShares(config)
      expect(Object.keys(m.categories).sort()).toEqual(Object.keys(shares).sort())
      for (const [name, share] of Object.entries(shares)) {
        expect(Math.abs((m.categories[name] ?? 0) - share), name).toBeLessThan(0.03)
      }
    })

    it(`${config}: columns, toolsets and tool mix look like the real data`, () => {
      const { m, rows } = files[config]!
      expect(m.distinctToolsets).toBe(6)
      expect(m.maxTaskLength).toBeLessThanOrEqual(100)
      expect(m.subcategories).toBeGreaterThanOrEqual(config === 'kimi' ? 24 : 16)
      const [top] = Object.keys(m.toolMix)
      expect(top).toBe('terminal')
      expect(m.toolMix.terminal).toBeGreaterThan(0.3)
      expect(m.failureShare).toBeGreaterThan(0.07)
      expect(m.failureShare).toBeLessThan(0.2)
      expect(m.textBesideShare).toBeGreaterThan(0.15)
      expect(m.multiHumanShare).toBeGreaterThan(0.05)
      for (const r of rows)
        expect(r.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    })

    it(`${config}: every deviation and failure kind is present`, () => {
      const { m } = files[config]!
      for (const d of DEVIATIONS) expect(m.deviations[d], d).toBeGreaterThan(0)
    })
  }

  it('ids are unique across both configs', () => {
    const ids = CONFIG_PATHS.flatMap(({ config }) => files[config]!.rows.map((r) => r.id))
    expect(new Set(ids).size).toBe(ids.length)
  })
})
