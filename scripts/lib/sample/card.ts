/**
 * The README.md dataset card of the generated sample: same `configs:` layout as the real card, clearly
 * labelled as a generated sample.
 */
import { categoryShares } from './catalog.ts'

/** Facts the card states. */
export interface CardInfo {
  version: string
  seed: number
  configs: { name: string; rows: number; bytes: number; path: string }[]
}

function sizeCategory(n: number): string {
  if (n < 1000) return 'n<1K'
  if (n < 10000) return '1K<n<10K'
  return '10K<n<100K'
}

/** Renders the card. */
export function renderCard(info: CardInfo): string {
  const total = info.configs.reduce((s, c) => s + c.rows, 0)
  const yaml = [
    '---',
    'pretty_name: Hermes Agent Reasoning Traces (GENERATED SAMPLE, not the real dataset)',
    'license: apache-2.0',
    'language:',
    '- en',
    'tags:',
    '- synthetic-sample',
    '- generated',
    '- agent-traces',
    '- tool-calling',
    '- reasoning',
    '- hermes-agent',
    'task_categories:',
    '- text-generation',
    'size_categories:',
    `- ${sizeCategory(total)}`,
    'configs:',
    ...info.configs.flatMap((c) => [
      `- config_name: ${c.name}`,
      '  data_files:',
      '  - split: train',
      `    path: ${c.path}`,
    ]),
    'dataset_info:',
    ...info.configs.flatMap((c) => [
      `- config_name: ${c.name}`,
      '  features:',
      '  - name: id',
      '    dtype: string',
      '  - name: conversations',
      '    list:',
      '    - name: from',
      '      dtype: string',
      '    - name: value',
      '      dtype: string',
      '  - name: tools',
      '    dtype: string',
      '  - name: category',
      '    dtype: string',
      '  - name: subcategory',
      '    dtype: string',
      '  - name: task',
      '    dtype: string',
      '  splits:',
      '  - name: train',
      `    num_examples: ${c.rows}`,
      `  download_size: ${c.bytes}`,
    ]),
    '---',
  ]
  const mix = (config: string) =>
    Object.entries(categoryShares(config))
      .map(([k, v]) => `${k} ${(v * 100).toFixed(1)}%`)
      .join(', ')
  const body = [
    '',
    '# Hermes Agent Reasoning Traces: GENERATED SAMPLE',
    '',
    '> **This is a generated sample, not the real dataset.** Every row was produced by',
    '> `npm run sample` (Hermes Trace Explorer) from a seeded random generator. It imitates the format and',
    '> the published statistics of [`lambda/hermes-agent-reasoning-traces`](https://huggingface.co/datasets/lambda/hermes-agent-reasoning-traces)',
    '> so the explorer can be developed and tested offline. Do not draw conclusions about the real',
    '> models from it.',
    '',
    '## Layout',
    '',
    '| config | rows | file | bytes |',
    '|---|---:|---|---:|',
    ...info.configs.map(
      (c) =>
        `| \`${c.name}\` | ${c.rows.toLocaleString('en-US')} | \`${c.path}\` | ${c.bytes.toLocaleString('en-US')} |`,
    ),
    '',
    'Columns (both configs): `id` (UUID string), `conversations` (list of `{from, value}`), `tools` (JSON',
    'string, OpenAI function form), `category`, `subcategory`, `task`.',
    '',
    '## What the generator imitates',
    '',
    '- The hermes-agent trajectory markup: `<think>`, `<tool_call>` and `<tool_response>` blocks, Python',
    '  `json.dumps(..., ensure_ascii=False)` JSON inside the text, one tool message per calling turn,',
    '  `functions.<name>:<k>` call ids.',
    '- Card statistics: about 24.3 messages and 13.9 tool calls per row for kimi, 19.1 and 9.7 for',
    '  glm-5.1; about 16% of calling turns are parallel; long reasoning for kimi (~414 words per',
    '  `<think>` block) and short for glm-5.1 (~70 words).',
    `- Category mix of the real card. kimi: ${mix('kimi')}. glm-5.1: ${mix('glm-5.1')}.`,
    '- kimi also follows an independent full parse of the real kimi config: characters per row and per tool',
    '  message, the six toolsets and their `tools` lengths, task reuse (~13% distinct tasks), the tool mix,',
    '  `<think>\\n ` spacing, message and call counts per row.',
    '- Deviations of the real data: invalid JSON in a few calls, unbalanced or empty `<think>` blocks,',
    "  tool names outside the row's toolset, plain text beside calls, several human turns, tool",
    '  failures (timeouts, tracebacks, missing files, failed patches, truncated output). Some outputs and',
    '  one task contain HTML such as `<script>` tags on purpose, to test escaping.',
    '',
    'Subcategory names, tool descriptions, tasks and all content are invented.',
    '',
    '## Reproduce',
    '',
    '```bash',
    `npm run sample -- --seed ${info.seed}${info.configs.map((c) => ` --rows-${c.name === 'kimi' ? 'kimi' : 'glm'} ${c.rows}`).join('')}`,
    '```',
    '',
    `Generator version ${info.version}, seed ${info.seed}. The same seed gives byte-identical files.`,
    '',
  ]
  return `${yaml.join('\n')}\n${body.join('\n')}`
}
