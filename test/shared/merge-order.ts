/**
 * The merge property tests' fold: partial `Stats` merged in a random order, either left to right or as a balanced
 * tree, so that a pass proves associativity and commutativity together.
 */
import { mergeStats } from '../../shared/stats.ts'
import type { Stats } from '../../shared/types.ts'

/** Shuffle `parts` (in place) with `rand`, then fold them left or as a balanced tree (also chosen by `rand`). */
export function mergeInRandomOrder(parts: Stats[], rand: () => number): Stats {
  for (let i = parts.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[parts[i], parts[j]] = [parts[j] as Stats, parts[i] as Stats]
  }
  const tree = (xs: Stats[]): Stats => {
    if (xs.length === 1) return xs[0] as Stats
    const mid = xs.length >> 1
    return mergeStats(tree(xs.slice(0, mid)), tree(xs.slice(mid)))
  }
  return rand() < 0.5 ? parts.reduce((a, b) => mergeStats(a, b)) : tree(parts)
}
