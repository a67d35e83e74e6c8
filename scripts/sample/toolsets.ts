/**
 * Tool definitions, the six toolsets of each config, and the exact hermes-agent system prompt.
 *
 * Names are the 26 real kimi tool names (DATASET.md); GLM toolsets add four plausible extras. Descriptions
 * and parameter schemas are written in the style of hermes-agent; the `required` lists follow DATASET.md.
 */
import { pyJsonDumps } from '../../shared/pyjson.ts'

/** One tool: OpenAI function form without the wrapper. */
export interface ToolSpec {
  name: string
  description: string
  parameters: Record<string, unknown>
}

const str = (description: string, extra: Record<string, unknown> = {}) => ({
  type: 'string',
  description,
  ...extra,
})
const int = (description: string, extra: Record<string, unknown> = {}) => ({
  type: 'integer',
  description,
  ...extra,
})
const bool = (description: string, extra: Record<string, unknown> = {}) => ({
  type: 'boolean',
  description,
  ...extra,
})
const obj = (properties: Record<string, unknown>, required: string[]) => ({
  type: 'object',
  properties,
  required,
})

const SPECS: ToolSpec[] = [
  {
    name: 'terminal',
    description:
      'Execute a shell command on a Linux environment. Filesystem persists between calls. Set `background=true` for long-running servers, then use the `process` tool to poll or kill them. Do not use cat/head/tail to read files (use read_file), grep/rg/find to search (use search_files), or sed/awk/echo redirection to edit files (use patch or write_file). Commands time out after 180 seconds unless `timeout` is given. Output over 50,000 characters is truncated (head and tail kept).',
    parameters: obj(
      {
        command: str('The command to execute on the VM'),
        background: bool(
          'Whether to run the command in the background (returns a session_id for the process tool)',
          { default: false },
        ),
        timeout: int('Command timeout in seconds (default: 180)', { minimum: 1 }),
        workdir: str(
          'Working directory for this command (absolute path). Defaults to the session working directory.',
        ),
      },
      ['command'],
    ),
  },
  {
    name: 'process',
    description:
      "Manage background processes started with terminal(background=true). Actions: 'list' (show all), 'poll' (check status and new output), 'log' (full output with pagination), 'wait' (block until done or timeout), 'kill' (terminate), 'write' (send raw stdin data without a newline), 'submit' (send data plus Enter).",
    parameters: obj(
      {
        action: str('Action to perform on background processes', {
          enum: ['list', 'poll', 'log', 'wait', 'kill', 'write', 'submit'],
        }),
        session_id: str(
          "Process session ID (from terminal background output). Required for all actions except 'list'.",
        ),
        data: str("Text to send to process stdin (for 'write' and 'submit' actions)"),
        timeout: int("Max seconds to block for 'wait' action. Returns partial output on timeout.", {
          minimum: 1,
        }),
        offset: int("Line offset for 'log' action (default: last 200 lines)"),
        limit: int("Max lines to return for 'log' action", { minimum: 1 }),
      },
      ['action'],
    ),
  },
  {
    name: 'read_file',
    description:
      "Read a text file with line numbers and pagination. Use this instead of cat/head/tail in terminal. Output format: 'LINE_NUM|CONTENT'. Suggests similar filenames if not found. Use offset and limit for large files. NOTE: Cannot read images or binary files; use vision_analyze for images.",
    parameters: obj(
      {
        path: str('Path to the file to read (absolute, relative, or ~/path)'),
        offset: int('Line number to start reading from (1-indexed, default: 1)', { default: 1, minimum: 1 }),
        limit: int('Maximum number of lines to read (default: 500, max: 2000)', {
          default: 500,
          maximum: 2000,
        }),
      },
      ['path'],
    ),
  },
  {
    name: 'write_file',
    description:
      'Write content to a file, completely replacing existing content. Use this instead of echo/cat heredoc in terminal. Creates parent directories automatically. OVERWRITES the entire file; use patch for targeted edits.',
    parameters: obj(
      {
        path: str('Path to the file to write (will be created if it does not exist, overwritten if it does)'),
        content: str('Complete content to write to the file'),
      },
      ['path', 'content'],
    ),
  },
  {
    name: 'patch',
    description:
      "Targeted find-and-replace edits in files. Use this instead of sed/awk in terminal. Uses fuzzy matching (9 strategies) so minor whitespace or indentation differences won't break it. Returns a unified diff. Auto-runs syntax checks after editing.\n\nReplace mode (default): find a unique string and replace it.\nPatch mode: apply V4A multi-file patches for bulk changes.",
    parameters: obj(
      {
        mode: str("Edit mode: 'replace' for targeted find-and-replace, 'patch' for V4A multi-file patches", {
          enum: ['replace', 'patch'],
          default: 'replace',
        }),
        path: str('File path to edit (required for replace mode)'),
        old_string: str(
          'Text to find in the file (required for replace mode). Must be unique in the file unless replace_all=true. Include enough surrounding context to ensure uniqueness.',
        ),
        new_string: str(
          'Replacement text (required for replace mode). Can be empty string to delete the matched text.',
        ),
        replace_all: bool('Replace all occurrences instead of requiring a unique match (default: false)', {
          default: false,
        }),
        patch: str('V4A format patch content (required for patch mode)'),
      },
      ['mode'],
    ),
  },
  {
    name: 'search_files',
    description:
      "Search file contents or find files by name. Use this instead of grep/rg/find/ls in terminal. Ripgrep-backed, faster than shell equivalents.\n\nContent search (target='content'): regex search inside files. Output modes: full matches with line numbers, file paths only, or match counts.\n\nFile search (target='files'): find files by glob pattern (e.g. '*.py', '*config*'). Also use this instead of ls; results sorted by modification time.",
    parameters: obj(
      {
        pattern: str('Regex pattern for content search, or glob pattern (e.g. *.py) for file search'),
        target: str("'content' searches inside file contents, 'files' searches for files by name", {
          enum: ['content', 'files'],
          default: 'content',
        }),
        path: str('Directory or file to search in (default: current working directory)', { default: '.' }),
        file_glob: str("Filter files by pattern in content search (e.g. '*.py' to only search Python files)"),
        limit: int('Maximum number of results to return (default: 50)', { default: 50 }),
        offset: int('Skip first N results for pagination (default: 0)', { default: 0 }),
        output_mode: str(
          "Output format for content search: 'content' shows matching lines with line numbers, 'files_only' lists file paths, 'count' shows match counts per file",
          { enum: ['content', 'files_only', 'count'], default: 'content' },
        ),
        context: int('Number of context lines before and after each match (content mode only)', {
          default: 0,
        }),
      },
      ['pattern'],
    ),
  },
  {
    name: 'todo',
    description:
      "Manage your task list for the current session. Use for complex tasks with 3+ steps or when the user provides multiple tasks. Call with no parameters to read the current list.\n\nWriting:\n- Provide 'todos' array to create/update items\n- merge=false (default): replace the entire list with a fresh plan\n- merge=true: update existing items by id, add any new ones\n\nEach item: {id: string, content: string, status: pending|in_progress|completed|cancelled}. Only ONE item in_progress at a time. Mark items completed immediately when done.",
    parameters: obj(
      {
        todos: {
          type: 'array',
          description: 'Task items to write. Omit to read current list.',
          items: obj(
            {
              id: str('Unique item identifier'),
              content: str('Task description'),
              status: str('Current status', { enum: ['pending', 'in_progress', 'completed', 'cancelled'] }),
            },
            ['id', 'content', 'status'],
          ),
        },
        merge: bool(
          'true: update existing items by id, add new ones. false (default): replace the entire list.',
          {
            default: false,
          },
        ),
      },
      [],
    ),
  },
  {
    name: 'memory',
    description:
      "Save important information to persistent memory that survives across sessions. Your memory appears in your system prompt at session start. Two targets: 'memory' (your personal notes: environment facts, project conventions, lessons learned) and 'user' (who the user is: name, role, preferences, communication style). Keep entries compact; memory has a character limit.",
    parameters: obj(
      {
        action: str('The action to perform.', { enum: ['add', 'replace', 'remove'] }),
        target: str("Which memory store: 'memory' for personal notes, 'user' for user profile.", {
          enum: ['memory', 'user'],
        }),
        content: str("The entry content. Required for 'add' and 'replace'."),
        old_text: str('Short unique substring identifying the entry to replace or remove.'),
      },
      ['action', 'target'],
    ),
  },
  {
    name: 'clarify',
    description:
      'Ask the user a question when you need clarification, feedback, or a decision before proceeding. Supports multiple choice (up to 4 choices, the UI adds an "Other" option) and open-ended questions. Use sparingly: prefer reasonable defaults for minor details.',
    parameters: obj(
      {
        question: str('The question to present to the user.'),
        choices: {
          type: 'array',
          items: { type: 'string' },
          maxItems: 4,
          description: 'Up to 4 answer choices. Omit for an open-ended question.',
        },
      },
      ['question'],
    ),
  },
  {
    name: 'execute_code',
    description:
      "Run a Python script that can call Hermes tools programmatically. Use this when you need 3+ tool calls with processing logic between them, need to filter/reduce large tool outputs before they enter your context, or need conditional branching. Import tools with `from hermes_tools import terminal, read_file, write_file, search_files, patch, web_extract`. Only the script's stdout is returned. Scripts time out after 300 seconds.",
    parameters: obj(
      {
        code: str(
          'Python code to execute. Import tools with `from hermes_tools import ...` and print your final result to stdout.',
        ),
      },
      ['code'],
    ),
  },
  {
    name: 'delegate_task',
    description:
      'Spawn one or more subagents to work on tasks in isolated contexts. Each subagent gets its own conversation, terminal session, and toolset. Only the final summary is returned; intermediate tool results never enter your context window. Provide either `goal` for a single task or `tasks` for up to 3 tasks run in parallel. Subagents know nothing about your conversation: pass all relevant file paths, error messages and constraints via `context`.',
    parameters: obj(
      {
        goal: str('What the subagent should accomplish. Be specific and self-contained.'),
        context: str(
          'Background information the subagent needs: file paths, error messages, project structure, constraints.',
        ),
        toolsets: {
          type: 'array',
          items: { type: 'string' },
          description:
            "Toolsets to enable for this subagent. Default: inherits your enabled toolsets. Common patterns: ['terminal', 'file'] for code work, ['web'] for research.",
        },
        tasks: {
          type: 'array',
          description: 'Batch mode: up to 3 tasks to run in parallel. Each has goal, context and toolsets.',
          items: obj(
            {
              goal: str('Task goal'),
              context: str('Task-specific context'),
              toolsets: { type: 'array', items: { type: 'string' }, description: 'Toolsets for this task' },
            },
            ['goal'],
          ),
          maxItems: 3,
        },
        max_iterations: int('Max tool-calling turns per subagent (default: 50).'),
      },
      [],
    ),
  },
  {
    name: 'session_search',
    description:
      "Search your long-term memory of past conversations. Every past session is searchable, and this tool summarizes what happened. USE THIS PROACTIVELY when the user says 'we did this before', 'remember when', 'last time', or references a topic you worked on before but do not have in context. Returns summaries of the matching sessions.",
    parameters: obj(
      {
        query: str('Search query: keywords, phrases, or boolean expressions to find in past sessions.'),
        role_filter: str(
          "Optional: only search messages from specific roles (comma-separated), e.g. 'user,assistant'.",
        ),
        limit: int('Max sessions to summarize (default: 3, max: 5).', { default: 3 }),
      },
      ['query'],
    ),
  },
  {
    name: 'skills_list',
    description:
      'List available skills (name and description). Use skill_view(name) to load full content. Skills are reusable procedures for recurring task types.',
    parameters: obj({ category: str('Optional category filter to narrow results') }, []),
  },
  {
    name: 'skill_view',
    description:
      "Skills allow loading information about specific tasks and workflows, as well as scripts and templates. Load a skill's full content or access its linked files (references, templates, scripts). First call returns SKILL.md content plus a 'linked_files' dict showing available references/templates/scripts.",
    parameters: obj(
      {
        name: str('The skill name (use skills_list to see available skills)'),
        file_path: str("OPTIONAL: Path to a linked file within the skill (e.g. 'references/api.md')."),
      },
      ['name'],
    ),
  },
  {
    name: 'skill_manage',
    description:
      'Manage skills (create, update, delete). Skills are your procedural memory: reusable approaches for recurring task types. Create when: a complex task succeeded (5+ calls), errors were overcome, or a non-trivial workflow was discovered. Actions: create (full SKILL.md + optional category), patch (old_string/new_string), edit (full SKILL.md rewrite), delete, write_file, remove_file.',
    parameters: obj(
      {
        action: str('The action to perform.', {
          enum: ['create', 'patch', 'edit', 'delete', 'write_file', 'remove_file'],
        }),
        name: str('Skill name (lowercase, hyphens/underscores, max 64 chars).'),
        content: str(
          'Full SKILL.md content (YAML frontmatter + markdown body). Required for create and edit.',
        ),
        old_string: str('Text to find in the file (required for patch).'),
        new_string: str('Replacement text (required for patch).'),
        category: str('Optional category/domain for organizing the skill.'),
        file_path: str('Path to a supporting file within the skill directory.'),
        file_content: str('Content for the file. Required for write_file.'),
      },
      ['action', 'name'],
    ),
  },
  {
    name: 'browser_navigate',
    description:
      'Navigate to a URL in the browser. Initializes the session and loads the page. Must be called before other browser tools. For plain-text pages (APIs, docs, raw files) prefer web_extract or terminal curl. After navigating, use browser_snapshot to see page elements with their ref IDs.',
    parameters: obj({ url: str('The URL to navigate to (e.g., https://example.com)') }, ['url']),
  },
  {
    name: 'browser_snapshot',
    description:
      "Get a text-based snapshot of the current page's accessibility tree. Returns interactive elements with ref IDs (like @e1, @e2) for browser_click and browser_type. full=false (default): compact view with interactive elements. full=true: complete page content. Snapshots over 8000 chars are truncated.",
    parameters: obj(
      {
        full: bool(
          'If true, returns complete page content. If false (default), returns compact view with interactive elements only.',
          { default: false },
        ),
      },
      [],
    ),
  },
  {
    name: 'browser_click',
    description:
      'Click on an element identified by its ref ID from the snapshot (e.g., @e5). The ref IDs are shown in square brackets in the snapshot output. Requires browser_navigate and browser_snapshot to be called first.',
    parameters: obj({ ref: str("The element reference from the snapshot (e.g., '@e5', '@e12')") }, ['ref']),
  },
  {
    name: 'browser_type',
    description:
      'Type text into an input field identified by its ref ID. Clears the field first, then types the new text. Requires browser_navigate and browser_snapshot to be called first.',
    parameters: obj(
      {
        ref: str("The element reference from the snapshot (e.g., '@e3')"),
        text: str('The text to type into the field'),
      },
      ['ref', 'text'],
    ),
  },
  {
    name: 'browser_scroll',
    description:
      'Scroll the page in a direction. Use this to reveal more content that may be below or above the current viewport.',
    parameters: obj({ direction: str('Direction to scroll', { enum: ['up', 'down'] }) }, ['direction']),
  },
  {
    name: 'browser_back',
    description: 'Navigate back to the previous page in browser history.',
    parameters: obj({}, []),
  },
  {
    name: 'browser_press',
    description:
      'Press a keyboard key. Useful for submitting forms (Enter), navigating (Tab), or keyboard shortcuts.',
    parameters: obj({ key: str("Key to press (e.g., 'Enter', 'Tab', 'Escape', 'ArrowDown')") }, ['key']),
  },
  {
    name: 'browser_close',
    description: 'Close the browser session and release resources. Call this when done with browser tasks.',
    parameters: obj({}, []),
  },
  {
    name: 'browser_get_images',
    description:
      'Get a list of all images on the current page with their URLs and alt text. Useful for finding images to analyze with browser_vision.',
    parameters: obj({}, []),
  },
  {
    name: 'browser_vision',
    description:
      'Take a screenshot of the current page and analyze it with vision AI. Use this when you need to visually understand what is on the page: CAPTCHAs, charts, layout problems, or content the accessibility tree does not expose.',
    parameters: obj(
      {
        question: str(
          'What you want to know about the page visually. Be specific about what you are looking for.',
        ),
        annotate: bool('If true, overlays numbered [N] labels on interactive elements.', { default: false }),
      },
      ['question'],
    ),
  },
  {
    name: 'browser_console',
    description:
      'Get browser console output and JavaScript errors from the current page. Returns console.log/warn/error/info messages and uncaught JS exceptions. Use this to detect silent JavaScript errors, failed API calls, and application warnings.',
    parameters: obj(
      { clear: bool('If true, clear the message buffers after reading', { default: false }) },
      [],
    ),
  },
  // GLM-only extras (the real GLM toolsets are larger than kimi's; their names are not published).
  {
    name: 'web_extract',
    description:
      'Extract content from web page URLs. Returns page content in markdown format. Also works with PDF URLs. Pages under 5000 chars return full markdown; larger pages are LLM-summarized and capped at ~5000 chars per page. If a URL fails or times out, use the browser tool to access it instead.',
    parameters: obj(
      {
        urls: {
          type: 'array',
          items: { type: 'string' },
          description: 'List of URLs to extract content from (max 5 URLs per call)',
          maxItems: 5,
        },
      },
      ['urls'],
    ),
  },
  {
    name: 'vision_analyze',
    description:
      'Analyze images using AI vision. Provides a comprehensive description and answers a specific question about the image content.',
    parameters: obj(
      {
        image_url: str('Image URL (http/https) or local file path to analyze.'),
        question: str(
          'Your specific question or request about the image to resolve. The AI will automatically provide a complete image description AND answer your specific question.',
        ),
      },
      ['image_url', 'question'],
    ),
  },
  {
    name: 'text_to_speech',
    description:
      'Convert text to speech audio. Returns a MEDIA: path that the platform delivers as a voice message. Keep text under 4000 characters.',
    parameters: obj(
      {
        text: str('The text to convert to speech.'),
        output_path: str(
          'Optional custom file path to save the audio. Defaults to ~/.hermes/audio_cache/<timestamp>.mp3',
        ),
      },
      ['text'],
    ),
  },
  {
    name: 'image_generate',
    description:
      'Generate high-quality images from text prompts. Returns a single image URL. Display it using markdown: ![description](URL)',
    parameters: obj(
      {
        prompt: str('The text prompt describing the desired image. Be detailed and descriptive.'),
        aspect_ratio: str('The aspect ratio of the generated image.', {
          enum: ['landscape', 'square', 'portrait'],
          default: 'landscape',
        }),
      },
      ['prompt'],
    ),
  },
]

/** Every tool the generator knows, by name. */
export const TOOLS: ReadonlyMap<string, ToolSpec> = new Map(SPECS.map((s) => [s.name, s]))

/** The 26 real kimi tool names. */
export const KIMI_TOOL_NAMES = [
  'clarify',
  'delegate_task',
  'execute_code',
  'memory',
  'patch',
  'process',
  'read_file',
  'search_files',
  'session_search',
  'skill_manage',
  'skill_view',
  'skills_list',
  'terminal',
  'todo',
  'write_file',
  'browser_back',
  'browser_click',
  'browser_close',
  'browser_console',
  'browser_get_images',
  'browser_navigate',
  'browser_press',
  'browser_scroll',
  'browser_snapshot',
  'browser_type',
  'browser_vision',
] as const

/** Tools invented for GLM toolsets. */
export const GLM_EXTRA_TOOL_NAMES = [
  'web_extract',
  'vision_analyze',
  'text_to_speech',
  'image_generate',
] as const

/** Names that appear in calls but belong to no toolset (the "unknown tool" deviation). */
export const FOREIGN_TOOL_NAMES = [
  'web_search',
  'bash',
  'python',
  'str_replace_editor',
  'list_directory',
  'open_url',
]

const BROWSER = KIMI_TOOL_NAMES.filter((n) => n.startsWith('browser_'))
const FILE = ['read_file', 'write_file', 'patch', 'search_files']
const SKILLS = ['skills_list', 'skill_view', 'skill_manage']

/** Toolset ids; six per config. */
export type ToolsetId = 'full' | 'coding' | 'browser' | 'files' | 'agent' | 'planning'

const KIMI_SETS: Record<ToolsetId, readonly string[]> = {
  full: KIMI_TOOL_NAMES.filter((n) => !n.startsWith('browser_')).concat(BROWSER),
  coding: [
    'terminal',
    'process',
    ...FILE,
    'execute_code',
    'todo',
    'memory',
    'clarify',
    'delegate_task',
    'session_search',
    ...SKILLS,
  ],
  browser: [...BROWSER, 'terminal', ...FILE, 'todo', 'memory', 'clarify', 'execute_code'],
  files: [...FILE, 'terminal', 'process', 'todo', 'memory', 'clarify'],
  agent: [
    'terminal',
    'process',
    ...FILE,
    'execute_code',
    'delegate_task',
    'memory',
    'session_search',
    ...SKILLS,
    'todo',
    'clarify',
  ],
  planning: ['todo', 'memory', 'clarify', 'session_search', ...FILE, 'terminal', 'skills_list', 'skill_view'],
}

const GLM_SETS: Record<ToolsetId, readonly string[]> = {
  full: [...KIMI_SETS.full, ...GLM_EXTRA_TOOL_NAMES],
  coding: [...KIMI_SETS.coding, 'web_extract', 'vision_analyze'],
  browser: [...KIMI_SETS.browser, 'web_extract', 'vision_analyze', 'session_search'],
  files: [...KIMI_SETS.files, 'web_extract', 'execute_code'],
  agent: [...KIMI_SETS.agent, 'web_extract', 'vision_analyze', 'image_generate', 'text_to_speech'],
  planning: [...KIMI_SETS.planning, 'web_extract', 'text_to_speech', 'execute_code'],
}

/** Config name -> toolset id -> tool names. */
export function toolsetNames(config: string, id: ToolsetId): readonly string[] {
  return (config === 'kimi' ? KIMI_SETS : GLM_SETS)[id]
}

/** A rendered toolset: names, the `tools` column text and the system message. */
export interface Toolset {
  id: ToolsetId
  names: ReadonlySet<string>
  /** JSON text of the `tools` column (OpenAI form). */
  toolsJson: string
  /** The complete system message. */
  system: string
}

const PROMPT_HEAD =
  "You are a function calling AI model. You are provided with function signatures within <tools> </tools> XML tags. You may call one or more functions to assist with the user query. If available tools are not relevant in assisting with user query, just respond in natural conversational language. Don't make assumptions about what values to plug into functions. After calling & executing the functions, you will be provided with function results within <tool_response> </tool_response> XML tags. Here are the available tools:\n<tools>\n"
const PROMPT_TAIL =
  "\n</tools>\nFor each function call return a JSON object, with the following pydantic model json schema for each:\n{'title': 'FunctionCall', 'type': 'object', 'properties': {'name': {'title': 'Name', 'type': 'string'}, 'arguments': {'title': 'Arguments', 'type': 'object'}}, 'required': ['name', 'arguments']}\nEach function call should be enclosed within <tool_call> </tool_call> XML tags.\nExample:\n<tool_call>\n{'name': <function-name>,'arguments': <args-dict>}\n</tool_call>"

/** The hermes-agent system prompt for a list of tools. */
export function systemPrompt(specs: readonly ToolSpec[]): string {
  const list = specs.map((s) => ({
    name: s.name,
    description: s.description,
    parameters: s.parameters,
    required: null,
  }))
  return PROMPT_HEAD + pyJsonDumps(list, { ensureAscii: false }) + PROMPT_TAIL
}

/** The `tools` column text for a list of tools. */
export function toolsColumn(specs: readonly ToolSpec[]): string {
  const list = specs.map((s) => ({
    type: 'function',
    function: { name: s.name, description: s.description, parameters: s.parameters },
  }))
  return pyJsonDumps(list, { ensureAscii: false })
}

const cache = new Map<string, Toolset>()

/** The rendered toolset (memoized). */
export function toolset(config: string, id: ToolsetId): Toolset {
  const key = `${config}:${id}`
  let ts = cache.get(key)
  if (!ts) {
    const names = toolsetNames(config, id)
    const specs = names.map((n) => {
      const spec = TOOLS.get(n)
      if (!spec) throw new Error(`unknown tool ${n}`)
      return spec
    })
    ts = { id, names: new Set(names), toolsJson: toolsColumn(specs), system: systemPrompt(specs) }
    cache.set(key, ts)
  }
  return ts
}

/** All toolset ids. */
export const TOOLSET_IDS: readonly ToolsetId[] = ['full', 'coding', 'browser', 'files', 'agent', 'planning']
