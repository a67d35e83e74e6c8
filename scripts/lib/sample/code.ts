/**
 * Plausible file contents (source code, configs, docs, data) of a target line count.
 */
import type { Ctx } from './context.ts'
import { nonAsciiBit } from './context.ts'
import type { Rng } from './random.ts'
import { CLASSES, FUNCS, IDENTS, LIBS_JS, LIBS_PY, PEOPLE, TOPICS } from './vocab.ts'

const PY_STMTS = [
  (r: Rng) =>
    `${r.pick(IDENTS)} = ${r.pick(IDENTS)}.get("${r.pick(IDENTS)}", ${r.pick(['None', '0', '[]', '{}', '""'])})`,
  (r: Rng) => `if ${r.pick(IDENTS)} is None:\n        raise ValueError("missing ${r.pick(IDENTS)}")`,
  (r: Rng) =>
    `for ${r.pick(['row', 'item', 'entry', 'rec'])} in ${r.pick(IDENTS)}:\n        ${r.pick(IDENTS)}.append(${r.pick(FUNCS)}(${r.pick(['row', 'item', 'entry'])}))`,
  (r: Rng) =>
    `logger.${r.pick(['info', 'debug', 'warning'])}("${r.pick(FUNCS)}: %s ${r.pick(IDENTS)}", ${r.pick(IDENTS)})`,
  (r: Rng) => `${r.pick(IDENTS)} = [x for x in ${r.pick(IDENTS)} if x.${r.pick(IDENTS)} > ${r.int(0, 100)}]`,
  (r: Rng) => `return {"${r.pick(IDENTS)}": ${r.pick(IDENTS)}, "${r.pick(IDENTS)}": len(${r.pick(IDENTS)})}`,
  (r: Rng) =>
    `try:\n        ${r.pick(IDENTS)} = ${r.pick(FUNCS)}(${r.pick(IDENTS)}, timeout=${r.int(5, 60)})\n    except ${r.pick(['KeyError', 'ValueError', 'requests.RequestException', 'OSError'])} as exc:\n        logger.error("failed: %s", exc)\n        raise`,
  (r: Rng) =>
    `with open(${r.pick(IDENTS)}, "${r.pick(['r', 'w', 'a'])}", encoding="utf-8") as fh:\n        ${r.pick(IDENTS)} = fh.read()`,
  (r: Rng) => `${r.pick(IDENTS)} += ${r.pick(IDENTS)} * Decimal("${r.int(1, 99)}.${r.int(10, 99)}")`,
  (r: Rng) =>
    `self.${r.pick(IDENTS)} = ${r.pick(IDENTS)} or ${r.pick(['DEFAULT_TIMEOUT', 'MAX_RETRIES', 'BATCH_SIZE'])}`,
  (r: Rng) => `# TODO: handle ${r.pick(TOPICS)} for ${r.pick(IDENTS)}`,
  (r: Rng) => `assert ${r.pick(FUNCS)}(${r.pick(IDENTS)}) == ${r.int(0, 500)}`,
]

const JS_STMTS = [
  (r: Rng) =>
    `const ${r.pick(IDENTS)} = ${r.pick(IDENTS)}?.${r.pick(IDENTS)} ?? ${r.pick(['null', '0', '[]', '{}', "''"])}`,
  (r: Rng) => `if (!${r.pick(IDENTS)}) throw new Error('missing ${r.pick(IDENTS)}')`,
  (r: Rng) =>
    `for (const ${r.pick(['row', 'item', 'entry'])} of ${r.pick(IDENTS)}) {\n    ${r.pick(IDENTS)}.push(await ${camel(r.pick(FUNCS))}(${r.pick(['row', 'item', 'entry'])}))\n  }`,
  (r: Rng) =>
    `logger.${r.pick(['info', 'debug', 'warn'])}({ ${r.pick(IDENTS)} }, '${camel(r.pick(FUNCS))} done')`,
  (r: Rng) =>
    `const ${r.pick(IDENTS)} = ${r.pick(IDENTS)}.filter((x) => x.${r.pick(IDENTS)} > ${r.int(0, 100)})`,
  (r: Rng) => `return { ${r.pick(IDENTS)}, count: ${r.pick(IDENTS)}.length }`,
  (r: Rng) =>
    `try {\n    await ${camel(r.pick(FUNCS))}(${r.pick(IDENTS)}, { timeout: ${r.int(1, 60) * 1000} })\n  } catch (err) {\n    logger.error(err, 'request failed')\n    throw err\n  }`,
  (r: Rng) => `const res = await fetch(\`\${BASE_URL}/${r.pick(IDENTS)}\`, { headers })`,
  (r: Rng) => `// TODO: ${r.pick(TOPICS)} for ${r.pick(IDENTS)}`,
  (r: Rng) => `expect(${camel(r.pick(FUNCS))}(${r.pick(IDENTS)})).toBe(${r.int(0, 500)})`,
]

const GO_STMTS = [
  (r: Rng) =>
    `${camel(r.pick(IDENTS))}, err := ${pascal(r.pick(FUNCS))}(ctx, ${camel(r.pick(IDENTS))})\n\tif err != nil {\n\t\treturn nil, fmt.Errorf("${r.pick(FUNCS)}: %w", err)\n\t}`,
  (r: Rng) =>
    `for _, ${r.pick(['row', 'item', 'e'])} := range ${camel(r.pick(IDENTS))} {\n\t\tout = append(out, ${r.pick(['row', 'item', 'e'])}.${pascal(r.pick(IDENTS))})\n\t}`,
  (r: Rng) => `log.Printf("${r.pick(FUNCS)}: %v", ${camel(r.pick(IDENTS))})`,
  (r: Rng) =>
    `if ${camel(r.pick(IDENTS))} == nil {\n\t\treturn nil, errors.New("missing ${r.pick(IDENTS)}")\n\t}`,
  (r: Rng) => `defer ${camel(r.pick(IDENTS))}.Close()`,
]

const RS_STMTS = [
  (r: Rng) => `let ${r.pick(IDENTS)} = ${r.pick(FUNCS)}(&${r.pick(IDENTS)})?;`,
  (r: Rng) =>
    `for ${r.pick(['row', 'item', 'e'])} in ${r.pick(IDENTS)}.iter() {\n        out.push(${r.pick(['row', 'item', 'e'])}.clone());\n    }`,
  (r: Rng) => `info!("${r.pick(FUNCS)}: {:?}", ${r.pick(IDENTS)});`,
  (r: Rng) =>
    `if ${r.pick(IDENTS)}.is_empty() {\n        return Err(anyhow!("missing ${r.pick(IDENTS)}"));\n    }`,
]

const SH_STMTS = [
  (r: Rng) =>
    `if [ ! -d "$${r.pick(['BACKUP_DIR', 'LOG_DIR', 'OUT_DIR'])}" ]; then\n  mkdir -p "$${r.pick(['BACKUP_DIR', 'LOG_DIR', 'OUT_DIR'])}"\nfi`,
  (r: Rng) => `log "processing $${r.pick(['file', 'target', 'host'])}"`,
  (r: Rng) =>
    `find "$${r.pick(['SRC', 'LOG_DIR'])}" -name '*.${r.pick(['log', 'gz', 'csv'])}' -mtime +${r.int(1, 30)} -delete`,
  (r: Rng) => `rsync -az --delete "$SRC/" "${r.pick(['backup@nas', 'deploy@web1'])}:$DEST/"`,
  (r: Rng) =>
    `curl -fsS --retry ${r.int(2, 5)} "$${r.pick(['HEALTH_URL', 'API_URL'])}" > /dev/null || alert "check failed"`,
]

/** camelCase of a snake_case name. */
export function camel(s: string): string {
  return s.replace(/_(\w)/g, (_m, c: string) => c.toUpperCase())
}

/** PascalCase of a snake_case name. */
export function pascal(s: string): string {
  const c = camel(s)
  return c.charAt(0).toUpperCase() + c.slice(1)
}

function body(rng: Rng, stmts: ((r: Rng) => string)[], n: number, indent: string): string[] {
  const out: string[] = []
  for (let i = 0; i < n; i++) {
    const text = (rng.pick(stmts) as (r: Rng) => string)(rng)
    for (const line of text.split('\n')) out.push(indent + line.replace(/^ {4}/, ''))
  }
  return out
}

function python(ctx: Ctx, lines: number, isTest: boolean): string {
  const r = ctx.rng
  const out: string[] = [
    `"""${isTest ? 'Tests for' : 'Module for'} the ${r.pick(TOPICS)} of ${ctx.project}."""`,
    '',
  ]
  out.push('from __future__ import annotations', '', 'import json', 'import logging', 'import os')
  out.push(`from decimal import Decimal`, `from pathlib import Path`, '')
  if (isTest) out.push('import pytest', '')
  out.push(`import ${r.pick(LIBS_PY).replace(/\d+$/, '')}`, '', 'logger = logging.getLogger(__name__)', '')
  out.push(
    `DEFAULT_TIMEOUT = ${r.int(5, 60)}`,
    `MAX_RETRIES = ${r.int(2, 6)}`,
    `BATCH_SIZE = ${r.pick([50, 100, 500])}`,
    '',
  )
  while (out.length < lines) {
    if (isTest) {
      const fn = r.pick(FUNCS)
      out.push('', `def test_${fn}_${r.pick(['empty', 'basic', 'invalid', 'large', 'unicode', 'retry'])}():`)
      out.push(...body(r, PY_STMTS, r.int(2, 5), '    '))
    } else if (r.chance(0.3)) {
      const cls = r.pick(CLASSES)
      out.push(
        '',
        '',
        `class ${cls}:`,
        `    """${r.pick(['Load', 'Store', 'Validate', 'Export'])} ${r.pick(IDENTS)} records."""`,
        '',
      )
      out.push(`    def __init__(self, ${r.pick(IDENTS)}: str, timeout: int = DEFAULT_TIMEOUT) -> None:`)
      out.push(`        self.timeout = timeout`, `        self._cache: dict[str, object] = {}`, '')
      for (let m = r.int(1, 3); m > 0; m--) {
        out.push(
          `    def ${r.pick(FUNCS)}(self, ${r.pick(IDENTS)}: ${r.pick(['str', 'int', 'dict', 'list[dict]'])}) -> ${r.pick(['dict', 'None', 'bool', 'list'])}:`,
        )
        out.push(...body(r, PY_STMTS, r.int(2, 6), '        '), '')
      }
    } else {
      out.push('', '', `def ${r.pick(FUNCS)}(${r.pick(IDENTS)}, ${r.pick(IDENTS)}=None):`)
      out.push(
        `    """${r.pick(['Return', 'Compute', 'Parse', 'Fetch'])} the ${r.pick(IDENTS)} for ${r.pick(IDENTS)}."""`,
      )
      out.push(...body(r, PY_STMTS, r.int(2, 7), '    '))
    }
  }
  if (!isTest && r.chance(0.3))
    out.push(
      '',
      '',
      'if __name__ == "__main__":',
      `    ${r.pick(FUNCS)}(os.environ.get("CONFIG", "config.yaml"))`,
    )
  return `${out.join('\n')}\n`
}

function jsLike(ctx: Ctx, lines: number, ts: boolean, isTest: boolean): string {
  const r = ctx.rng
  const out: string[] = []
  if (isTest) out.push(`import { describe, expect, it } from 'vitest'`)
  out.push(
    `import ${camel(r.pick(LIBS_JS).replace(/-/g, '_'))} from '${r.pick(LIBS_JS)}'`,
    `import { logger } from './logger${ts ? '.ts' : '.js'}'`,
    '',
  )
  out.push(
    `const BASE_URL = process.env.API_URL ?? 'http://localhost:${r.pick([3000, 8080])}'`,
    `const headers = { 'content-type': 'application/json' }`,
    '',
  )
  while (out.length < lines) {
    const fn = camel(r.pick(FUNCS))
    if (isTest) {
      out.push(
        `describe('${fn}', () => {`,
        `  it('${r.pick(['handles empty input', 'returns totals', 'rejects invalid data', 'retries on failure'])}', async () => {`,
      )
      out.push(...body(r, JS_STMTS, r.int(2, 4), '    '), '  })', '})', '')
    } else {
      const sig = ts
        ? `(${r.pick(IDENTS)}: ${r.pick(['string', 'number', 'Record<string, unknown>', 'Item[]'])}): Promise<${r.pick(['void', 'Result', 'Item[]', 'number'])}>`
        : `(${r.pick(IDENTS)})`
      out.push(`export async function ${fn}${sig} {`, ...body(r, JS_STMTS, r.int(2, 7), '  '), '}', '')
    }
  }
  return `${out.join('\n')}\n`
}

function goFile(ctx: Ctx, lines: number): string {
  const r = ctx.rng
  const out = [
    `package ${r.pick(['main', 'service', 'store', 'api'])}`,
    '',
    'import (',
    '\t"context"',
    '\t"errors"',
    '\t"fmt"',
    '\t"log"',
    ')',
    '',
  ]
  while (out.length < lines) {
    out.push(
      `func ${pascal(r.pick(FUNCS))}(ctx context.Context, ${camel(r.pick(IDENTS))} string) ([]string, error) {`,
      '\tvar out []string',
    )
    out.push(...body(r, GO_STMTS, r.int(2, 5), '\t'), '\treturn out, nil', '}', '')
  }
  return `${out.join('\n')}\n`
}

function rustFile(ctx: Ctx, lines: number): string {
  const r = ctx.rng
  const out = ['use anyhow::{anyhow, Result};', 'use log::info;', '']
  while (out.length < lines) {
    out.push(
      `pub fn ${r.pick(FUNCS)}(${r.pick(IDENTS)}: &[String]) -> Result<Vec<String>> {`,
      '    let mut out = Vec::new();',
    )
    out.push(...body(r, RS_STMTS, r.int(2, 5), '    '), '    Ok(out)', '}', '')
  }
  return `${out.join('\n')}\n`
}

function shell(ctx: Ctx, lines: number): string {
  const r = ctx.rng
  const out = [
    '#!/usr/bin/env bash',
    'set -euo pipefail',
    '',
    `SRC="\${SRC:-${ctx.root}/data}"`,
    `LOG_DIR="/var/log/${ctx.project}"`,
    '',
    'log() { echo "[$(date +%F\\ %T)] $*"; }',
    '',
  ]
  while (out.length < lines) out.push(...body(r, SH_STMTS, 1, ''))
  return `${out.join('\n')}\n`
}

function markdown(ctx: Ctx, lines: number): string {
  const r = ctx.rng
  const out = [
    `# ${ctx.project}`,
    '',
    `A small ${ctx.vars.Lang} project for ${r.pick(TOPICS)}.`,
    '',
    '## Setup',
    '',
    '```bash',
  ]
  out.push(
    ctx.lang === 'python'
      ? 'pip install -r requirements.txt'
      : ctx.lang === 'go'
        ? 'go build ./...'
        : 'npm install',
    '```',
    '',
    '## Usage',
    '',
  )
  while (out.length < lines) {
    const t = r.pick(TOPICS)
    out.push(
      `### ${t.charAt(0).toUpperCase()}${t.slice(1)}`,
      '',
      `The ${t} lives in \`${r.pick(ctx.files)}\`. Set \`${r.pick(IDENTS).toUpperCase()}\` to change the default.`,
    )
    if (ctx.nonAscii && r.chance(0.3)) out.push(`Note from ${r.pick(PEOPLE)}: ${nonAsciiBit(r)} works too.`)
    out.push(
      `- \`${r.pick(FUNCS)}\`: ${r.pick(['returns', 'builds', 'validates', 'exports'])} the ${r.pick(IDENTS)}`,
      '',
    )
  }
  return `${out.join('\n')}\n`
}

function csv(ctx: Ctx, lines: number): string {
  const r = ctx.rng
  const out = ['date,region,product,units,amount']
  for (let i = 1; i < lines; i++) {
    out.push(
      `2025-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')},${r.pick(['north', 'south', 'east', 'west'])},${r.pick(['widget', 'gadget', 'sprocket', 'gizmo'])},${r.int(1, 90)},${r.int(10, 9000)}.${r.int(10, 99)}`,
    )
  }
  return `${out.join('\n')}\n`
}

/** HTML page; `xss` embeds attacker-controlled comments that were not escaped. */
export function html(ctx: Ctx, lines: number, xss: string[] = []): string {
  const r = ctx.rng
  const out = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    `  <meta charset="utf-8">`,
    `  <title>${ctx.project}</title>`,
    '  <link rel="stylesheet" href="/static/app.css">',
    '</head>',
    '<body>',
    '  <main id="app">',
  ]
  let x = 0
  while (out.length < lines - 4) {
    out.push(
      `    <section class="card">`,
      `      <h2>${r.pick(TOPICS)}</h2>`,
      `      <p>${r.pick(PEOPLE)} updated ${r.pick(IDENTS)} ${r.int(2, 59)} minutes ago.</p>`,
    )
    if (x < xss.length) out.push(`      <div class="comment">${xss[x++]}</div>`)
    out.push('    </section>')
  }
  while (x < xss.length) out.push(`    <div class="comment">${xss[x++]}</div>`)
  out.push('  </main>', '  <script src="/static/app.js"></script>', '</body>', '</html>')
  return `${out.join('\n')}\n`
}

function config(ctx: Ctx, rel: string, lines: number): string {
  const r = ctx.rng
  if (rel.endsWith('package.json')) {
    return `${JSON.stringify({ name: ctx.project, version: `0.${r.int(1, 9)}.${r.int(0, 20)}`, type: 'module', scripts: { build: 'tsc -p .', test: 'vitest run', start: 'node dist/index.js' }, dependencies: Object.fromEntries(r.sample(LIBS_JS, 4).map((l) => [l, `^${r.int(1, 5)}.${r.int(0, 12)}.0`])) }, null, 2)}\n`
  }
  if (rel.endsWith('requirements.txt'))
    return `${r
      .sample(LIBS_PY, 6)
      .map((l) => `${l}==${r.int(0, 3)}.${r.int(0, 30)}.${r.int(0, 9)}`)
      .join('\n')}\n`
  if (rel.endsWith('pyproject.toml')) {
    return `[project]\nname = "${ctx.project}"\nversion = "0.${r.int(1, 9)}.0"\nrequires-python = ">=3.10"\ndependencies = [\n${r
      .sample(LIBS_PY, 4)
      .map((l) => `    "${l}>=${r.int(0, 3)}.${r.int(0, 20)}",`)
      .join('\n')}\n]\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n`
  }
  const out: string[] = []
  while (out.length < lines)
    out.push(
      `${r.pick(IDENTS).toUpperCase()}=${r.pick(['true', 'false', String(r.int(1, 9000)), `${ctx.root}/data`, 'info'])}`,
    )
  return `${out.join('\n')}\n`
}

/** Number of lines for a file of this row (log-normal, scaled by the row's payload factor). */
export function fileLines(ctx: Ctx, base = 70, sigma = 0.8): number {
  return Math.max(6, Math.min(1200, Math.round(ctx.rng.lognormal(base * ctx.payload, sigma))))
}

/** Content of a file at a project-relative or absolute path. */
export function fileContent(ctx: Ctx, path: string, lines = fileLines(ctx)): string {
  const isTest = /(^|\/)tests?\/|_test\.|\.test\./.test(path)
  let text: string
  if (path.endsWith('.py')) text = python(ctx, lines, isTest)
  else if (path.endsWith('.ts')) text = jsLike(ctx, lines, true, isTest)
  else if (path.endsWith('.js')) text = jsLike(ctx, lines, false, isTest)
  else if (path.endsWith('.go')) text = goFile(ctx, lines)
  else if (path.endsWith('.rs')) text = rustFile(ctx, lines)
  else if (path.endsWith('.sh')) text = shell(ctx, lines)
  else if (path.endsWith('.md')) text = markdown(ctx, lines)
  else if (path.endsWith('.csv')) text = csv(ctx, lines)
  else if (path.endsWith('.html')) text = html(ctx, lines)
  else text = config(ctx, path, Math.min(lines, 40))
  if (ctx.nonAscii && ctx.rng.chance(0.25)) {
    const nl = text.indexOf('\n')
    const marker = path.endsWith('.py') || path.endsWith('.sh') ? '#' : path.endsWith('.md') ? '' : '//'
    text = `${text.slice(0, nl + 1)}${marker ? `${marker} ` : ''}${nonAsciiBit(ctx.rng)} ${nonAsciiBit(ctx.rng)}\n${text.slice(nl + 1)}`
  }
  return text
}
