/**
 * Natural-language parts of a row: reasoning (`<think>` bodies), plain text beside calls, final answers,
 * clarifying questions and human turns. Built from templates and the row's scenario.
 */
import type { Ctx } from './context.ts'
import { abs, fill, nonAsciiBit } from './context.ts'
import type { Rng } from './random.ts'
import { ADJECTIVES, CONCERNS, FUNCS, IDENTS, PEOPLE, TOPICS } from './vocab.ts'

type Gen = (c: Ctx, r: Rng) => string

const file = (c: Ctx, r: Rng) => r.pick([...c.files, ...c.tests])
const ident = (_c: Ctx, r: Rng) => r.pick(IDENTS)

const OPENERS_PREV: ((c: Ctx, r: Rng, obs: string) => string)[] = [
  (_c, _r, o) => `Okay, so ${o}.`,
  (_c, _r, o) => `The result shows that ${o}.`,
  (_c, _r, o) => `Good, ${o}.`,
  (_c, _r, o) => `Hmm, ${o}.`,
  (_c, _r, o) => `Looking at that output: ${o}.`,
  (_c, _r, o) => `So ${o}. That is useful.`,
  (_c, _r, o) => `Alright, ${o}. Let me think about what that means.`,
]

const OPENERS_TASK: Gen[] = [
  (c) => `The user wants me to ${lowerFirst(c.vars.task ?? 'help with the project')}.`,
  (c) => `Let me understand the request: ${lowerFirst(c.vars.task ?? 'a change to the project')}.`,
  (c) =>
    `I need to ${lowerFirst(c.vars.task ?? 'work on this')}. First I should get oriented in ${c.project}.`,
  (c) => `This is a ${c.category.toLowerCase()} task about ${c.topic}.`,
]

const BODY: Gen[] = [
  (c, r) => `I should check ${file(c, r)} first to understand how ${c.topic} is wired up.`,
  (c, r) =>
    `The function \`${c.fn}\` in ${file(c, r)} probably takes ${ident(c, r)} and returns a dict, so if ${ident(c, r)} is missing it will fall through to the default branch.`,
  (_c, r) =>
    `I need to be careful about ${r.pick(CONCERNS)}, because that is the kind of thing that breaks silently.`,
  (_c, r) =>
    `Alternatively, I could rewrite the whole module, but that would be a much larger change than needed; a ${r.pick(ADJECTIVES)} fix is better here.`,
  (c) =>
    `The error mentions ${c.error.split(':')[0]}, which usually means the data does not have the shape the code assumes.`,
  (c, r) =>
    `If I change ${ident(c, r)} here, the callers in ${file(c, r)} also need to be updated, otherwise the tests will fail for a different reason.`,
  (c) =>
    `The project uses ${c.lib}, so I should stay consistent with how it is used elsewhere instead of adding another dependency.`,
  (_c, r) =>
    `Wait, I should double-check whether ${r.pick(IDENTS)} can be None at this point. If it can, the comparison a few lines later will raise.`,
  (c, r) =>
    `Actually, looking at it again, the ${r.pick(TOPICS)} logic and the ${c.topic} logic are intertwined, which is probably why this is hard to test.`,
  (c) =>
    `The user did not say which ${c.vars.Lang} version they use, but the syntax in the project suggests a recent one.`,
  (_c, r) =>
    `One option is to add a guard clause at the top of \`${r.pick(FUNCS)}\`; another is to validate the input once at the boundary. The second is cleaner.`,
  (_c, r) => `I want to keep the change ${r.pick(ADJECTIVES)} and easy to review.`,
  (c) => `After that I will run the tests again to make sure nothing else regressed in ${c.project}.`,
  (c, r) =>
    `There is also ${file(c, r)}, which might contain the configuration I need; I will look at it if the first approach does not work.`,
  (_c, r) =>
    `Let me think about the edge cases: an empty list, a single ${r.pick(IDENTS)}, and values with unusual characters.`,
  (c) =>
    `The simplest way to verify this is to reproduce the problem first, then fix it, then reproduce again and see it gone in ${c.project}.`,
  (c, r) =>
    `I remember that ${r.pick(PEOPLE)} mentioned the ${c.topic} depends on an environment variable, so I should check the .env handling too.`,
  (_c, r) =>
    `It is possible that the ${r.pick(IDENTS)} field was renamed at some point and the old name is still used in one place.`,
  (c) =>
    `The directory layout is ${c.root} with the source under ${c.files[0]?.split('/')[0] ?? 'src'}, which is the standard layout for ${c.vars.Lang}.`,
  (_c, r) =>
    `I could print the intermediate ${r.pick(IDENTS)} to see what is actually happening instead of guessing.`,
  (_c, r) =>
    `That would also explain why only some of the records are affected: the ones with a ${r.pick(IDENTS)} field take a different path.`,
  (c, r) =>
    `Maybe the cleanest approach is to introduce a small helper, say \`${r.pick(FUNCS)}\`, and call it from both places in ${c.module}.`,
  (_c, r) => `I should not forget to handle ${r.pick(CONCERNS)}.`,
  (c) =>
    `The task says "${(c.vars.task ?? '').slice(0, 60)}", so the scope is limited; I should not refactor unrelated code.`,
  (c, r) => `Once this works I will update ${r.pick(c.extras)} so the next person knows about it.`,
  (_c, r) =>
    `Let me also consider performance: with ${r.int(2, 90)}k rows, a quadratic loop would be noticeable, so a dict lookup is better.`,
  (c) => `The ${c.vars.Lang} standard library has what I need here, no extra package required.`,
  (_c, r) =>
    `Hmm, but if the ${r.pick(IDENTS)} comes back as a string instead of a number, the sum will be wrong rather than failing loudly.`,
  (c, r) =>
    `I will write the output to ${abs(c, `output/${r.pick(IDENTS)}.${c.vars.ext}`)} so it is easy to inspect afterwards.`,
  (_c, r) =>
    `To be safe I will keep a copy of the original before changing anything, in case I need to compare ${r.pick(IDENTS)} values.`,
  (c, r) =>
    `The browser part of this should be straightforward: open ${c.site.url}, take a snapshot, and find the ${r.pick(['form', 'table', 'list', 'button'])}.`,
  (c) => `For the schedule, ${c.schedule[0]} translates to the cron expression \`${c.schedule[1]}\`.`,
]

const LEADS = [
  '',
  '',
  '',
  'Now',
  'So',
  'Also,',
  'Actually,',
  'Hmm,',
  'OK,',
  'Wait,',
  'Then',
  'Right,',
  'Still,',
  'In that case',
  'Given that,',
  'On second thought,',
  'For now,',
  'Probably',
  'Ideally',
  'Honestly,',
  'Next,',
  'Before that,',
]
const MODALS = [
  'should',
  'needs to',
  'might',
  'will',
  'could',
  'must',
  'has to',
  'is supposed to',
  'would',
  'can',
  'may want to',
  'ought to',
]
const VERBS = [
  'check',
  'handle',
  'return',
  'skip',
  'validate',
  'log',
  'reuse',
  'cache',
  'normalize',
  'parse',
  'rename',
  'split',
  'wrap',
  'retry',
  'compare',
  'escape',
  'serialize',
  'reject',
  'accept',
  'ignore',
  'sort',
  'deduplicate',
  'flush',
  'lock',
  'stream',
  'batch',
  'round',
  'trim',
  'encode',
  'decode',
  'verify',
  'inspect',
  'mock',
  'patch',
  'guard',
  'default',
]
const NOUNS = [
  'record',
  'row',
  'request',
  'entry',
  'item',
  'file',
  'line',
  'token',
  'header',
  'column',
  'event',
  'job',
  'user',
  'page',
  'chunk',
  'key',
  'field',
  'callback',
  'path',
  'timestamp',
]
const JUDGE = [
  'looks wrong',
  'is fine as long as the input is clean',
  'explains the failure',
  'is suspicious',
  'silently swallows the error',
  'is only reached in the slow path',
  'matches what the test expects',
  'assumes the list is non-empty',
  'was probably copied from the old module',
  'ignores the timezone',
  'never closes the handle',
  'is the real culprit',
  'depends on global state',
  'does an extra network call',
]
const UNITS = ['ms', 'rows', 'bytes', 'requests', 'files', 'seconds', 'lines', 'MB', 'items', 'entries']

function subject(c: Ctx, r: Rng): string {
  switch (r.int(0, 9)) {
    case 0:
      return 'I'
    case 1:
      return `\`${r.pick(FUNCS)}\``
    case 2:
      return `the ${r.pick(IDENTS)} handling`
    case 3:
      return r.pick([...c.files, ...c.tests])
    case 4:
      return `the ${r.pick(TOPICS)} code`
    case 5:
      return `the ${r.pick(NOUNS)} parser`
    case 6:
      return r.pick([
        'the caller',
        'the test',
        'the wrapper',
        'this branch',
        'the helper',
        'the CLI',
        'the worker',
        'the scheduler',
        'the migration',
      ])
    case 7:
      return `\`${c.cls}.${r.pick(FUNCS)}\``
    case 8:
      return `the ${r.pick(['old', 'new', 'current', 'patched', 'original'])} version`
    default:
      return 'we'
  }
}

function object(c: Ctx, r: Rng): string {
  switch (r.int(0, 9)) {
    case 0:
      return `the \`${r.pick(IDENTS)}\` field`
    case 1:
      return `every ${r.pick(NOUNS)} in the batch`
    case 2:
      return `the ${r.int(2, 4000)} ${r.pick(NOUNS)}s from ${r.pick(c.files)}`
    case 3:
      return `the ${r.pick(['empty', 'None', 'duplicate', 'negative', 'oversized', 'unicode', 'missing'])} ${r.pick(NOUNS)} case`
    case 4:
      return `the result of \`${r.pick(FUNCS)}(${r.pick(IDENTS)}, ${r.pick(IDENTS)}=${r.int(0, 500)})\``
    case 5:
      return `the ${r.pick(TOPICS)} settings`
    case 6:
      return `${r.pick(['stale', 'partial', 'cached', 'raw', 'decoded', 'sorted'])} ${r.pick(NOUNS)}s`
    case 7:
      return `the ${r.pick(['HTTP', 'exit', 'status', 'error'])} code ${r.pick([200, 201, 204, 301, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503, 1, 2, 127])}`
    case 8:
      return `\`${r.pick(IDENTS)}[${r.int(0, 9)}]\``
    default:
      return `the ${r.pick(NOUNS)} ${r.pick(['count', 'order', 'format', 'size', 'encoding', 'prefix', 'limit'])}`
  }
}

function tail(c: Ctx, r: Rng): string {
  switch (r.int(0, 11)) {
    case 0:
      return ` before calling \`${r.pick(FUNCS)}\``
    case 1:
      return ` when \`${r.pick(IDENTS)}\` is ${r.pick(['missing', 'zero', 'empty', 'None', 'negative', 'a string'])}`
    case 2:
      return ` on line ${r.int(3, 900)}`
    case 3:
      return ` in ${r.pick(c.files)}`
    case 4:
      return ' without changing the public API'
    case 5:
      return ` (currently ${r.int(2, 9000)} ${r.pick(UNITS)})`
    case 6:
      return ` after the ${r.pick(['first', 'second', 'last', 'next'])} ${r.pick(NOUNS)}`
    case 7:
      return ` for ${r.pick(PEOPLE)}'s ${r.pick(['setup', 'account', 'report', 'branch'])}`
    default:
      return ''
  }
}

function codeLine(c: Ctx, r: Rng): string | undefined {
  if (c.fileCache.size === 0) return undefined
  const texts = [...c.fileCache.values()]
  const text = r.pick(texts)
  const lines = text.split('\n')
  for (let tries = 0; tries < 4; tries++) {
    const l = (lines[r.int(0, lines.length - 1)] ?? '').trim()
    if (l.length > 8 && l.length < 110 && !l.includes('`')) return l
  }
  return undefined
}

const GRAMMAR: Gen[] = [
  (c, r) =>
    `${r.pick(LEADS)} ${subject(c, r)} ${r.pick(MODALS)} ${r.pick(VERBS)} ${object(c, r)}${tail(c, r)}.`,
  (c, r) =>
    `${r.pick(LEADS)} ${subject(c, r)} ${r.pick(MODALS)} ${r.pick(VERBS)} ${object(c, r)} and then ${r.pick(VERBS)} ${object(c, r)}${tail(c, r)}.`,
  (c, r) => {
    const line = codeLine(c, r)
    return line
      ? `Line ${r.int(2, 400)} has \`${line}\`, which ${r.pick(JUDGE)}.`
      : `${subject(c, r)} ${r.pick(JUDGE)}.`
  },
  (_c, r) => {
    const a = r.int(2, 900)
    const b = r.int(2, 900)
    const want = r.chance(0.3) ? a + b : r.int(10, 2000)
    const rel = want === a + b ? 'exactly' : want < a + b ? 'more than' : 'less than'
    return `That gives ${a} + ${b} = ${a + b} ${r.pick(UNITS)}, ${rel} the ${want} I expected.`
  },
  (c, r) =>
    r.chance(0.5)
      ? `There are two options: ${r.pick(VERBS)} ${object(c, r)}, or ${r.pick(VERBS)} ${object(c, r)}${tail(c, r)}.`
      : `There are three options: ${r.pick(VERBS)} ${object(c, r)}, ${r.pick(VERBS)} ${object(c, r)}, or leave it as it is${tail(c, r)}.`,
  (c, r) =>
    `Does ${subject(c, r)} really ${r.pick(VERBS)} ${object(c, r)}? ${r.pick(['Probably not.', 'I think so.', 'Not in every path.', 'Only in the retry branch.', 'Let me check.', 'Yes, according to the output.'])}`,
  (c, r) =>
    `If ${subject(c, r)} ${r.pick(['fails', 'times out', 'returns early', 'raises', 'is skipped'])}, ${subject(c, r)} ${r.pick(MODALS)} ${r.pick(VERBS)} ${object(c, r)}.`,
  (c, r) =>
    `The ${r.pick(NOUNS)} with id ${r.int(1, 99999)} ${r.pick(['has', 'lacks', 'duplicates', 'overrides'])} ${object(c, r)}${tail(c, r)}.`,
]

const CLOSERS_CALL: ((c: Ctx, r: Rng, intents: string[]) => string)[] = [
  (_c, _r, i) => `Let me ${joinIntents(i)}.`,
  (_c, _r, i) => `So the next step is to ${joinIntents(i)}.`,
  (_c, _r, i) => `I'll ${joinIntents(i)} now.`,
  (_c, _r, i) => `First, I'll ${joinIntents(i)}.`,
]

const CLOSERS_FINAL: Gen[] = [
  () => 'I think everything is in place now. Let me summarize what I did for the user.',
  () =>
    'That covers the request. I will write a concise summary with the key changes and how to verify them.',
  (c) => `Everything needed for ${c.project} is done; time to report back.`,
  () => 'I have enough information to answer. Let me put the summary together.',
]

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1)
}

function joinIntents(intents: string[]): string {
  const uniq = [...new Set(intents)]
  if (uniq.length <= 1) return uniq[0] ?? 'continue'
  return `${uniq.slice(0, -1).join(', ')} and ${uniq[uniq.length - 1]}`
}

/** Whitespace-separated words of a text. */
export function countWords(s: string): number {
  let n = 0
  let inWord = false
  for (let i = 0; i < s.length; i++) {
    const ws = s.charCodeAt(i) <= 32
    if (!ws && !inWord) n++
    inWord = !ws
  }
  return n
}

/** Options of one reasoning block. */
export interface ThinkPlan {
  /** Target number of words. */
  words: number
  /** What the previous tool results showed. */
  observation?: string
  /** Why the upcoming calls are made (empty for a final answer). */
  intents: string[]
  /** True for the first gpt turn of an episode. */
  first: boolean
}

/** A reasoning block body (without the tags). */
export function think(ctx: Ctx, plan: ThinkPlan): string {
  const r = ctx.rng
  const sentences: string[] = []
  sentences.push(
    plan.observation && !plan.first
      ? r.pick(OPENERS_PREV)(ctx, r, plan.observation)
      : r.pick(OPENERS_TASK)(ctx, r),
  )
  const closer = plan.intents.length
    ? r.pick(CLOSERS_CALL)(ctx, r, plan.intents)
    : r.pick(CLOSERS_FINAL)(ctx, r)
  let words = countWords(sentences[0] ?? '') + countWords(closer)
  const order = r.shuffle(BODY.slice())
  let k = 0
  const paragraphs: string[] = []
  let current: string[] = sentences
  let perParagraph = r.int(3, 6)
  while (words < plan.words) {
    let s: string
    if (r.chance(0.65)) s = (r.pick(GRAMMAR) as Gen)(ctx, r).trim()
    else {
      const gen = order[k++ % order.length] as Gen
      if (k % order.length === 0) r.shuffle(order)
      s = gen(ctx, r)
    }
    s = s.charAt(0).toUpperCase() + s.slice(1)
    if (ctx.nonAscii && r.chance(0.05)) s = s.replace(/\.$/, ` (${nonAsciiBit(r)}).`)
    current.push(s)
    words += countWords(s)
    if (current.length >= perParagraph) {
      paragraphs.push(current.join(' '))
      current = []
      perParagraph = r.int(3, 6)
    }
    if (plan.words > 300 && r.chance(0.01)) {
      const snippet = [
        '```',
        `${r.pick(IDENTS)} = ${r.pick(FUNCS)}(${r.pick(IDENTS)})`,
        `if not ${r.pick(IDENTS)}:`,
        `    return ${r.pick(['None', '[]', '{}'])}`,
        '```',
      ].join('\n')
      paragraphs.push(current.join(' '), snippet)
      current = []
      words += 8
    }
  }
  current.push(closer)
  paragraphs.push(current.join(' '))
  return paragraphs.filter((p) => p.length > 0).join('\n\n')
}

/** Short plain text written next to tool calls. */
export function besideText(ctx: Ctx, intents: string[]): string {
  const r = ctx.rng
  return r.pick([
    `Let me ${joinIntents(intents)}.`,
    `I'll ${joinIntents(intents)} first.`,
    `Now I'll ${joinIntents(intents)}.`,
    `Let me start by exploring the project structure.`,
    `I found the issue. Let me fix it.`,
    `The tests are failing; let me look closer.`,
    `Good progress. Next I'll ${joinIntents(intents)}.`,
    `Let me check the current state of ${ctx.project}.`,
    `Now let me verify the changes work correctly.`,
  ])
}

/** A final answer (markdown). */
export function finalAnswer(ctx: Ctx, observations: string[]): string {
  const r = ctx.rng
  const head = r.pick([
    `Done! Here's a summary of what I did for ${ctx.project}:`,
    `I've completed the task. Summary:`,
    `All set. The ${ctx.topic} now works as expected.`,
    `Here's what I found and changed:`,
  ])
  const bullets = r.sample(
    observations.length ? observations : ['the changes are in place'],
    Math.min(6, Math.max(2, observations.length)),
  )
  const lines = bullets.map((b) => `- ${b.charAt(0).toUpperCase()}${b.slice(1)}`)
  const extra = r.pick([
    `\n\nYou can verify with:\n\n\`\`\`bash\ncd ${ctx.root} && ${ctx.lang === 'python' ? 'python -m pytest -q' : ctx.lang === 'go' ? 'go test ./...' : 'npm test'}\n\`\`\``,
    `\n\n**Files changed:** ${r
      .sample(ctx.files, 2)
      .map((f) => `\`${f}\``)
      .join(', ')}`,
    `\n\nLet me know if you want me to also handle ${r.pick(TOPICS)}.`,
    '',
    `\n\n| Item | Status |\n|---|---|\n| ${ctx.topic} | ✅ done |\n| tests | ${r.pick(['✅ passing', '⚠️ 1 skipped'])} |`,
  ])
  const bit = ctx.nonAscii && r.chance(0.4) ? ` ${nonAsciiBit(r)}` : ''
  // Kimi's closing summaries are often long markdown reports with sections.
  const sections = r.chance(0.6) ? reportSections(ctx, r) : ''
  return `${head}${bit}\n\n${lines.join('\n')}${extra}${sections}`
}

function reportSections(ctx: Ctx, r: Rng): string {
  const parts: string[] = []
  const files = r.sample([...ctx.files, ...ctx.tests], r.int(2, 5))
  parts.push(
    `## What changed\n\n| File | Change |\n|---|---|\n${files
      .map(
        (f) =>
          `| \`${f}\` | ${r.pick(['Added', 'Fixed', 'Refactored', 'Documented', 'Tested'])} ${r.pick(TOPICS)} (${r.pick(['guard clause', 'new helper', 'clearer errors', 'edge cases', 'type hints'])}) |`,
      )
      .join('\n')}`,
  )
  if (r.chance(0.7)) {
    const steps = r.int(2, 5)
    const out: string[] = []
    for (let i = 0; i < steps; i++)
      out.push(
        `${i + 1}. ${r.pick(['Run', 'Check', 'Open', 'Re-run', 'Inspect'])} ${r.pick([`\`${ctx.fn}\``, ctx.topic, r.pick(ctx.files), ctx.project])} ${r.pick(['and confirm the output matches', 'with an empty input', 'after restarting the service', 'with the sample data', 'in the browser'])}`,
      )
    parts.push(`## How to verify\n\n${out.join('\n')}`)
  }
  if (r.chance(0.6)) {
    const notes: string[] = []
    for (let i = r.int(1, 3); i > 0; i--)
      notes.push(
        `- ${r.pick(['The', 'A remaining', 'One open'])} ${r.pick(['edge case', 'question', 'risk', 'follow-up'])}: ${r.pick(CONCERNS)} ${r.pick(['is not covered yet', 'may need a decision from you', 'is handled but untested', 'should be revisited before release'])}.`,
      )
    parts.push(`## Notes\n\n${notes.join('\n')}`)
  }
  return `\n\n${parts.join('\n\n')}`
}

/** A clarifying question that ends a gpt turn without calls. */
export function clarifyingQuestion(ctx: Ctx): string {
  const r = ctx.rng
  return r.pick([
    `Before I go further: should the ${ctx.topic} keep the old behaviour for existing users, or can I change it everywhere?`,
    `I found two ways to do this:\n\n1. A ${r.pick(ADJECTIVES)} fix in \`${ctx.module}\` only\n2. A shared helper used by all callers\n\nWhich do you prefer?`,
    `Could you tell me which environment this runs in (local, Docker, or the production server)? The fix differs.`,
    `I couldn't find ${abs(ctx, `data/input.${ctx.vars.ext}`)}. Where is the input file located?`,
    `Do you want me to commit these changes, or leave them unstaged for you to review?`,
  ])
}

/** The first human message: the task plus optional details. */
export function humanPrompt(ctx: Ctx, task: string): string {
  const r = ctx.rng
  if (r.chance(0.35)) return task
  const details = r.sample(
    [
      `The project is in ${ctx.root}.`,
      `Please don't add new dependencies.`,
      `Make sure the tests still pass afterwards.`,
      `It's ${ctx.vars.Lang}, ${r.pick(['3.11', '3.12', 'the latest version'])}.`,
      `Keep it simple, this is just for me.`,
      `I tried ${r.pick(['restarting it', 'reinstalling', 'deleting the cache'])} already and it didn't help.`,
      `Here's the error I get:\n\n\`\`\`\n${ctx.error}\n\`\`\``,
      `Use ${ctx.lib} if that helps.`,
      `Output should go to ~/reports.`,
    ],
    r.int(1, 3),
  )
  const bit = ctx.nonAscii && r.chance(0.5) ? ` ${nonAsciiBit(r)}` : ''
  return `${task}${bit}\n\n${details.join(' ')}`
}

/** A follow-up human message (after a final answer or a question). */
export function humanFollowUp(ctx: Ctx, afterQuestion: boolean): string {
  const r = ctx.rng
  if (afterQuestion) {
    return r.pick([
      'Option 2 please, keep the API the same.',
      'Keep the old behaviour for now.',
      'It runs in Docker on the production server.',
      `The file is in ~/Downloads/input.${ctx.vars.ext}, sorry.`,
      'Go ahead and commit, with a descriptive message.',
      'Use the simplest approach.',
    ])
  }
  const bit = ctx.nonAscii && r.chance(0.4) ? ` ${nonAsciiBit(r)}` : ''
  return r.pick([
    `Thanks! Can you also add tests for the edge cases?${bit}`,
    `Hmm, I'm still seeing ${ctx.error.split(':')[0]} when I run it with --verbose.`,
    `Great. Now can you do the same for ${r.pick(ctx.files)}?`,
    `That works. Could you also update the README?`,
    `Perfect. One more thing: make it run ${ctx.schedule[0]}.`,
    `Looks good, but please use ${ctx.lib} instead.`,
  ])
}

/** Fills a task template and keeps it within 100 characters. */
export function taskText(ctx: Ctx, template: string): string {
  let t = fill(template, ctx)
  if (t.length > 100) {
    t = t.slice(0, 100)
    const cut = t.lastIndexOf(' ')
    t = t.slice(0, cut > 60 ? cut : 100)
  }
  return t
}
