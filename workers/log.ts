/** Structured logs: one JSON object per line (Workers Logs and `wrangler tail` index the fields). */
export function log(fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ t: new Date().toISOString(), ...fields }))
}
