// The Wilson score interval of a proportion: unlike the normal approximation it stays inside [0, 1]
// and is honest near 0% and 100%, where a completion rate of 99% lives (Wilson 1927; Agresti &
// Coull 1998 recommend it for small n and extreme p).

export interface ProportionInterval {
  /** successes / n. */
  point: number;
  low: number;
  high: number;
  confidence: number;
}

/** z of a two-sided interval, for the confidences we print. */
const Z: Record<string, number> = { "0.9": 1.6448536269514722, "0.95": 1.959963984540054, "0.99": 2.5758293035489004 };

/** Wilson score interval of `successes` out of `n` (proportions in 0..1); null when n = 0. */
export function wilsonInterval(successes: number, n: number, confidence = 0.95): ProportionInterval | null {
  if (!Number.isInteger(successes) || !Number.isInteger(n) || successes < 0 || successes > n) throw new RangeError(`wilsonInterval: ${successes} of ${n} is not a proportion`);
  const z = Z[String(confidence)];
  if (z === undefined) throw new RangeError(`wilsonInterval: confidence ${confidence} is not one of ${Object.keys(Z).join(", ")}`);
  if (n === 0) return null;
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = ((z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n)));
  // At 0 or n the formula's bound is exactly 0 or 1; clamp away floating-point crumbs.
  return { point: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half), confidence };
}

/** "95% Wilson score interval 97.1–99.6%". */
export function formatInterval(interval: ProportionInterval | null, digits = 1): string | undefined {
  if (interval === null) return undefined;
  const f = (v: number) => `${(v * 100).toFixed(digits)}%`;
  return `${Math.round(interval.confidence * 100)}% Wilson score interval ${f(interval.low)}–${f(interval.high)}`;
}
