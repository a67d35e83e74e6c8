/** Structured logs: one JSON object per line (Workers Logs and `wrangler tail` index the fields). */
export function log(fields: Record<string, unknown>): void {
  // biome-ignore lint/suspicious/noConsole: the log sink of a Worker is the console
  console.log(JSON.stringify({ t: new Date().toISOString(), ...fields }))
}
