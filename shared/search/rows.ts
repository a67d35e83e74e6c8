/**
 * What the search index needs of a row: its messages and, per message, the tools it involves and the replay
 * step it belongs to, numbered exactly as the trace viewer numbers steps (shared/trace.ts: one step per gpt
 * message; tool messages answer the step of the gpt message before them; a human or system message ends it).
 */
import type { Trace } from '../types.ts'

/** One row as the index sees it. */
export interface SearchRowInput {
  id: string
  messages: { from: string; value: string }[]
  /** Per message: the tools it involves (a gpt message: its calls; a tool message: the calls it answers). */
  tools: string[][]
}

/** Per message: the index of its step in `Trace.steps`, or null (system, human, orphan tool messages). */
export function messageSteps(roles: readonly string[]): (number | null)[] {
  const out: (number | null)[] = []
  let steps = 0
  let current: number | null = null
  for (const role of roles) {
    if (role === 'gpt') {
      current = steps++
      out.push(current)
    } else if (role === 'tool') out.push(current)
    else {
      current = null
      out.push(null)
    }
  }
  return out
}

/** The index's view of a parsed trace. */
export function searchRowFromTrace(trace: Trace): SearchRowInput {
  const steps = messageSteps(trace.messages.map((m) => m.from))
  const tools = trace.messages.map((m, i) => {
    const step = steps[i]
    if (step === null || step === undefined || (m.from !== 'gpt' && m.from !== 'tool')) return []
    return [...new Set(trace.steps[step]?.calls.map((c) => c.name) ?? [])]
  })
  return { id: trace.id, messages: trace.messages, tools }
}
