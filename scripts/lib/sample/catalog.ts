/**
 * Categories (with the card's row counts), invented subcategories and task templates.
 *
 * The 9 category names and counts are the card's; subcategory names are not published, so these are
 * invented (26 for kimi, 18 for glm-5.1). Task templates use `{slot}` placeholders filled from a row's
 * scenario (see context.ts).
 */
import { Rng } from './random.ts'
import type { GlmToolsetId, KimiToolsetId } from './toolsets.ts'

/** One category of a config. */
export interface CategorySpec {
  name: string
  /** Row count on the card, per config. */
  counts: { kimi: number; glm: number }
  /** glm-5.1: toolset weights for rows of this category. */
  toolsets: readonly (readonly [GlmToolsetId, number])[]
  /** kimi: rows of this category per toolset (docs/dataset.md counts, spread evenly over the category's rows). */
  kimiToolsets: readonly (readonly [KimiToolsetId, number])[]
  /** Subcategories with their task templates; `glm: false` hides one from glm-5.1. */
  subcategories: readonly SubcategorySpec[]
}

/** One subcategory. */
export interface SubcategorySpec {
  name: string
  glm: boolean
  tasks: readonly string[]
}

export const CATEGORIES: readonly CategorySpec[] = [
  {
    name: 'Terminal & Coding',
    counts: { kimi: 2010, glm: 2237 },
    toolsets: [
      ['coding', 7],
      ['full', 3],
    ],
    kimiToolsets: [['core', 2010]],
    subcategories: [
      {
        name: 'Debugging',
        glm: true,
        tasks: [
          'Fix the {error} raised by {fn} in {project}',
          'My {Lang} script {file} crashes with {error}; find out why and fix it',
          'The {test} suite fails after the last refactor of {module}; make it pass again',
          'Debug why {project} hangs on startup when the {topic} is enabled',
          '{fn} in {project} returns wrong totals for refunds; track down the bug',
        ],
      },
      {
        name: 'Script Writing',
        glm: true,
        tasks: [
          'Write a {Lang} script that downloads the daily {topic} report and saves it as {format}',
          'Create a CLI tool in {Lang} for {project} that renames photos by their EXIF date',
          'Write a script to dedupe the contacts in {project}/data/contacts.{ext} by email',
          'Build a small {Lang} utility that watches the {project} log folder and compresses new files',
          'Write a bash script for {project} that checks disk usage and warns above {n}%',
        ],
      },
      {
        name: 'Build & Dependencies',
        glm: true,
        tasks: [
          'Upgrade {lib} in {project} and fix whatever breaks',
          'Set up a reproducible dev environment for {project} with a Makefile and a pinned {lib}',
          'The Docker build for {project} fails while installing {lib}; fix it',
          'Pin the dependencies of {project} (including {lib}) and add a lock file',
        ],
      },
      {
        name: 'Testing',
        glm: false,
        tasks: [
          'Add unit tests for {fn} in {module} covering the edge cases',
          'Raise test coverage of {project} above {n}% and report what is still missing',
          'Write integration tests for the {topic} of {project}',
          'Make the flaky {fn} test in {test} deterministic',
        ],
      },
    ],
  },
  {
    name: 'Agent Tools',
    counts: { kimi: 1474, glm: 2775 },
    toolsets: [
      ['agent', 7],
      ['full', 3],
    ],
    kimiToolsets: [
      ['core', 1032],
      ['agent', 442],
    ],
    subcategories: [
      {
        name: 'Memory & Skills',
        glm: true,
        tasks: [
          'Remember that I prefer {Lang} with type hints and save a skill for the {project} release',
          'Create a reusable skill for deploying {project} and store my preferences on the {topic}',
          'Look up the skill for {topic} and apply it to {project}',
          'Save my conventions for {project} ({Lang}, {lib}) to memory',
        ],
      },
      {
        name: 'Delegation',
        glm: true,
        tasks: [
          'Split the audit of the {topic} in {project} into subtasks and delegate them in parallel',
          'Have a subagent review {module} of {project} while you update the docs',
          'Delegate research on {lib} alternatives for {project} and summarize the findings',
        ],
      },
      {
        name: 'Code Execution',
        glm: true,
        tasks: [
          'Use a script to scan {project} for unused functions like {fn} and report them',
          'Compute per-month totals from {project}/data/sales.{ext} with a Python script',
          'Run a batch check of all {topic} config files in {project} and summarize errors',
          'Analyze the {project} access logs and list the top {n} slowest endpoints',
        ],
      },
      {
        name: 'Session Recall',
        glm: false,
        tasks: [
          'Continue where we left off last time on the {topic} of {project}',
          'What did we decide about {lib} for {project} in our earlier session? Apply it here',
          'Find the command we used before to rebuild the {project} {topic} index',
        ],
      },
    ],
  },
  {
    name: 'Repository Tasks',
    counts: { kimi: 1109, glm: 1022 },
    toolsets: [
      ['coding', 6],
      ['full', 4],
    ],
    kimiToolsets: [['core', 1109]],
    subcategories: [
      {
        name: 'Codebase Exploration',
        glm: true,
        tasks: [
          'Explain how the {topic} works in {project} and where it is implemented',
          'Map out how {module} fits into {project} and write an ARCHITECTURE.md',
          'Find every place {project} reads environment variables for the {topic}',
          'Where does {project} validate input for the {topic}? Summarize the gaps',
        ],
      },
      {
        name: 'Refactoring',
        glm: true,
        tasks: [
          'Refactor {module} to remove the duplicated {topic} code',
          'Split {file} of {project} into smaller modules without changing behaviour',
          'Replace the hand-written retry loops in {module} of {project} with a shared helper',
          'Convert {module} in {project} from callbacks to async/await',
        ],
      },
      {
        name: 'Git Operations',
        glm: false,
        tasks: [
          'Clean up the git history of {branch} in {project} and squash the fixup commits',
          'Resolve the merge conflicts between main and {branch} in {project}',
          'Find which commit broke the {topic} of {project} using git bisect',
          'Prepare a release branch for {project} v{n}.0 with a changelog',
        ],
      },
    ],
  },
  {
    name: 'Browser Automation',
    counts: { kimi: 1048, glm: 639 },
    toolsets: [
      ['browser', 8],
      ['full', 2],
    ],
    kimiToolsets: [
      ['browser_core', 658],
      ['browser_file', 185],
      ['browser_terminal', 167],
      ['browser', 38],
    ],
    subcategories: [
      {
        name: 'Web Scraping',
        glm: true,
        tasks: [
          'Collect the top {n} entries from {site} and save them as {format}',
          'Scrape the first {n} book titles and prices from {site} into a {format} file',
          'Extract all image URLs from {site} and download the largest {n}',
          'Read the latest release notes of {lib} on its website: does {project} need changes?',
        ],
      },
      {
        name: 'Form Filling',
        glm: true,
        tasks: [
          'Fill in the signup form on {site} with the test account for {project}',
          'Submit the feedback form at {url} with the {topic} notes from notes.md',
          'Log into {site} and change the profile email to {project}@example.com',
        ],
      },
      {
        name: 'UI Testing',
        glm: false,
        tasks: [
          'Check that the login page of {site} shows an error after {n} wrong passwords',
          'Walk through the checkout flow on {site} with {n} items and report any broken step',
          'Test whether the {topic} comment box on {site} escapes HTML properly',
          'Verify the dark mode toggle on {url} persists after {n} reloads',
        ],
      },
    ],
  },
  {
    name: 'Multi-Tool',
    counts: { kimi: 807, glm: 52 },
    toolsets: [
      ['full', 8],
      ['agent', 2],
    ],
    kimiToolsets: [
      ['core', 722],
      ['agent', 85],
    ],
    subcategories: [
      {
        name: 'Research & Report',
        glm: true,
        tasks: [
          'Research how other projects handle {topic} and write a short report for {project}',
          'Compare {lib} with two alternatives and recommend one for {project}',
          'Gather the current prices from {site} and produce a {format} summary for {project}',
        ],
      },
      {
        name: 'Data Pipeline',
        glm: true,
        tasks: [
          'Download the {topic} dataset for {project}, clean it and export a {format} summary',
          'Build a {Lang} pipeline that fetches {site} daily and stores changes in SQLite',
          'Merge the {n} CSV exports in {project}/data/ and chart monthly totals',
        ],
      },
      {
        name: 'End-to-End Workflows',
        glm: false,
        tasks: [
          'Set up {project}, run it on port {port}, and check the UI in the browser',
          'Fix the failing {topic} deploy of {project} and verify the live page',
          'Create a landing page for {project} about the {topic}, serve it, and screenshot it',
        ],
      },
    ],
  },
  {
    name: 'File Operations',
    counts: { kimi: 757, glm: 134 },
    toolsets: [
      ['files', 7],
      ['full', 3],
    ],
    kimiToolsets: [['core', 757]],
    subcategories: [
      {
        name: 'File Organization',
        glm: true,
        tasks: [
          'Sort the {n} newest folders in ~/Downloads/{project} by file type',
          'Find and remove duplicate images under ~/Pictures/{project}-{n}',
          'Rename the {n} scanned invoices in ~/docs/{project} to YYYY-MM-DD names',
        ],
      },
      {
        name: 'Config Editing',
        glm: true,
        tasks: [
          'Update the nginx config of {project} to proxy /api to port {port}',
          'Add a staging section for the {topic} to config/settings.yaml in {project}',
          'Move the {topic} secrets in {project} from config.py into a .env file',
        ],
      },
      {
        name: 'Document Generation',
        glm: false,
        tasks: [
          'Write a README for {project} with setup, usage and {topic} sections',
          'Generate API docs for {module} of {project} as Markdown',
          'Turn the {project} meeting notes in notes/ into a single {format} summary',
        ],
      },
    ],
  },
  {
    name: 'Scheduling',
    counts: { kimi: 204, glm: 104 },
    toolsets: [
      ['planning', 6],
      ['full', 4],
    ],
    kimiToolsets: [['core', 204]],
    subcategories: [
      {
        name: 'Cron Jobs',
        glm: true,
        tasks: [
          'Schedule the {project} backup script to run {when}',
          'Set up a cron job that rotates the {project} logs {when}',
          'Run the price check on {site} {when} and email me when it drops',
        ],
      },
      {
        name: 'Reminders',
        glm: true,
        tasks: [
          'Remind me {when} to review the open pull requests of {project}',
          'Create a reminder to renew the TLS certificate of {project} {when}',
          'Set up a summary of my {project} todo list sent {when}',
        ],
      },
    ],
  },
  {
    name: 'Planning & Organization',
    counts: { kimi: 201, glm: 92 },
    toolsets: [
      ['planning', 8],
      ['full', 2],
    ],
    kimiToolsets: [['core', 201]],
    subcategories: [
      {
        name: 'Project Planning',
        glm: true,
        tasks: [
          'Plan the migration of {project} to {lib} and break it into steps',
          'Draft a roadmap for {project} for the next {n} weeks',
          'Help me plan the launch checklist for {project} and its {topic}',
        ],
      },
      {
        name: 'Task Tracking',
        glm: true,
        tasks: [
          'Organize my {project} todo list for this week and prioritize the {topic} work',
          'Track the remaining work on the {topic} of {project} and update the plan',
          'Turn the TODO comments in {module} of {project} into a task list',
        ],
      },
    ],
  },
  {
    name: 'Conversational',
    counts: { kimi: 36, glm: 0 },
    toolsets: [
      ['planning', 7],
      ['full', 3],
    ],
    kimiToolsets: [['core', 36]],
    subcategories: [
      {
        name: 'General Q&A',
        glm: false,
        tasks: [
          'What is the difference between a process and a thread in {Lang}?',
          'Explain how {lib} handles {topic}',
          'Can you check what version of {Lang} is installed here?',
        ],
      },
      {
        name: 'Clarification',
        glm: false,
        tasks: [
          'Help me with {project}',
          'Can you fix the {topic} thing from before?',
          'Set up {project} like last time',
        ],
      },
    ],
  },
]

/** Categories of a config with their weights (count) and the subcategories present in that config. */
export function categoriesFor(
  config: string,
): { spec: CategorySpec; count: number; subs: SubcategorySpec[] }[] {
  const glm = config !== 'kimi'
  return CATEGORIES.map((spec) => ({
    spec,
    count: glm ? spec.counts.glm : spec.counts.kimi,
    subs: spec.subcategories.filter((s) => !glm || s.glm),
  })).filter((c) => c.count > 0)
}

/** Card proportions per category for a config (sums to 1). */
export function categoryShares(config: string): Record<string, number> {
  const cats = categoriesFor(config)
  const total = cats.reduce((s, c) => s + c.count, 0)
  return Object.fromEntries(cats.map((c) => [c.spec.name, c.count / total]))
}

const PHI = 0.6180339887498949
/** The plastic number's reciprocal: a second low-discrepancy step, independent of PHI. */
const PLASTIC = 0.7548776662466927

type CategoryEntry = ReturnType<typeof categoriesFor>[number]

/**
 * The category of row `index` and where the row falls inside it: a golden-ratio (low-discrepancy) sequence
 * through the cumulative card proportions, so any prefix of rows has nearly the card's mix. `v` (in [0, 1))
 * is the row's position inside its category's interval, itself evenly spread over the category's rows.
 */
function categoryPosition(config: string, index: number, seed: number): { at: number; v: number } {
  const cats = categoriesFor(config)
  const total = cats.reduce((s, c) => s + c.count, 0)
  const offset = ((seed * PLASTIC) % 1) + (config === 'kimi' ? 0 : 0.5)
  const u = (offset + index * PHI) % 1
  let acc = 0
  for (let at = 0; at < cats.length; at++) {
    const share = (cats[at] as CategoryEntry).count / total
    if (u < acc + share || at === cats.length - 1)
      return { at, v: Math.min(0.999999, Math.max(0, (u - acc) / share)) }
    acc += share
  }
  return { at: cats.length - 1, v: 0 }
}

/** The category of row `index`. */
export function categoryOfRow(config: string, index: number, seed: number): CategoryEntry {
  return categoriesFor(config)[categoryPosition(config, index, seed).at] as CategoryEntry
}

/** Per (config, seed): category and rank (0, 1, 2 … among the rows of its category) of rows 0..n-1. */
const ranks = new Map<string, { at: number[]; rank: number[]; counts: number[] }>()

/** Where row `index` lands: its category, its position `v` inside it, and its rank among the category's rows. */
export function placeRow(
  config: string,
  index: number,
  seed: number,
): { cat: CategoryEntry; v: number; rank: number } {
  const key = `${config}/${seed}`
  let memo = ranks.get(key)
  if (!memo) {
    memo = { at: [], rank: [], counts: new Array<number>(categoriesFor(config).length).fill(0) }
    ranks.set(key, memo)
  }
  for (let i = memo.at.length; i <= index; i++) {
    const { at } = categoryPosition(config, i, seed)
    memo.at.push(at)
    memo.rank.push(memo.counts[at] ?? 0)
    memo.counts[at] = (memo.counts[at] ?? 0) + 1
  }
  const { at, v } = categoryPosition(config, index, seed)
  return { cat: categoriesFor(config)[at] as CategoryEntry, v, rank: memo.rank[index] ?? 0 }
}

/** The kimi toolset of a row at position `v` of its category (row counts of docs/dataset.md, spread evenly). */
export function kimiToolsetAt(spec: CategorySpec, v: number): KimiToolsetId {
  const total = spec.kimiToolsets.reduce((s, [, n]) => s + n, 0)
  let acc = 0
  for (const [id, n] of spec.kimiToolsets) {
    acc += n / total
    if (v < acc) return id
  }
  return (spec.kimiToolsets[spec.kimiToolsets.length - 1] as readonly [KimiToolsetId, number])[0]
}

/**
 * Task reuse. The real kimi config has 1,020 distinct task strings over 7,646 rows (13%), the most repeated
 * one in 122 rows (1.6%) (docs/dataset.md). Rows of a category share tasks: a share of them (POPULAR_SHARE,
 * evenly spread) runs one of a few popular tasks of the category (weights POPULAR_WEIGHTS: the first one of
 * Terminal & Coding is the most repeated task, 26% x 11% x 6/11 = 1.6% of rows); the others take a new task
 * every TASK_PERIOD rows of the category and otherwise repeat one of the TASK_WINDOW latest ones. Any prefix
 * of the rows then has about 1/8 + 27/rows distinct tasks, whatever the sample size.
 */
const POPULAR_SHARE = 0.11
const POPULAR_WEIGHTS = [6, 3, 2] as const
const TASK_PERIOD = 8
const TASK_WINDOW = 6

/** A task group: the key that seeds the task and its scenario, and its subcategory (round-robin). */
export interface TaskGroup {
  key: string
  /** Index into the category's subcategories (modulo their count). */
  sub: number
}

/** The task group of the `rank`-th row of a category. */
export function taskGroupOf(config: string, seed: number, category: string, rank: number): TaskGroup {
  const w = ((((seed % 997) * PHI + rank * PLASTIC) % 1) + 1) % 1
  if (w < POPULAR_SHARE) {
    const total = POPULAR_WEIGHTS.reduce((s, x) => s + x, 0)
    let acc = 0
    const x = (w / POPULAR_SHARE) * total
    for (let k = 0; k < POPULAR_WEIGHTS.length; k++) {
      acc += POPULAR_WEIGHTS[k] as number
      if (x < acc) return { key: `popular-${k}`, sub: k }
    }
    return { key: `popular-${POPULAR_WEIGHTS.length - 1}`, sub: POPULAR_WEIGHTS.length - 1 }
  }
  const latest = Math.floor(rank / TASK_PERIOD)
  const back =
    rank % TASK_PERIOD === 0
      ? 0
      : Math.floor(new Rng(seed, config, 'task', category, rank).next() * TASK_WINDOW)
  const g = Math.max(0, latest - back)
  return { key: `task-${g}`, sub: g + 1 }
}
