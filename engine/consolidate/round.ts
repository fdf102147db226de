// Rounding of the figures a decision reports (sizes and profits to cents, scores to a few digits):
// the one rounding of consolidation, so that every decision prints its numbers the same way.

/** x rounded to `digits` decimal places (half away from zero for positives, as Math.round). */
export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
