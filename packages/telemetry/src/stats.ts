/** A sample's median and interquartile range (quartiles by linear interpolation, as numpy's default). */
export interface Distribution {
  n: number;
  median: number;
  q1: number;
  q3: number;
  iqr: number;
}

/** The q-quantile (0..1) of sorted values by linear interpolation between closest ranks. */
export function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  return quantile([...values].sort((a, b) => a - b), 0.5);
}

export function distribution(values: readonly number[]): Distribution | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const q1 = quantile(sorted, 0.25);
  const q3 = quantile(sorted, 0.75);
  return { n: sorted.length, median: quantile(sorted, 0.5), q1, q3, iqr: q3 - q1 };
}

/** (baseline − value) / baseline × 100, or null when there is no positive baseline. */
export function improvementPct(baseline: number, value: number): number | null {
  return baseline > 0 ? ((baseline - value) / baseline) * 100 : null;
}
