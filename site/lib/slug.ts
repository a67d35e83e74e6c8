/**
 * URL segments for tool and category pages. Names come from the data (a model may call a tool named
 * anything, categories hold `&` and spaces), so every name gets a lowercase ASCII slug, unique within its set.
 */

/** `Terminal & Coding` -> `terminal-coding`, `<malformed>` -> `malformed`, `browser_click` -> `browser_click`. */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
  return slug || 'unnamed'
}

/**
 * A unique slug for every name. Names are taken in sorted order, so the same set of names always gets the
 * same slugs; a name whose slug is taken gets `-2`, `-3`, ...
 */
export function slugMap(names: Iterable<string>): Map<string, string> {
  const out = new Map<string, string>()
  const taken = new Set<string>()
  for (const name of [...new Set(names)].sort()) {
    const base = slugify(name)
    let slug = base
    for (let n = 2; taken.has(slug); n++) slug = `${base}-${n}`
    taken.add(slug)
    out.set(name, slug)
  }
  return out
}
