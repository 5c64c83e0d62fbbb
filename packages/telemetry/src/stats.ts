import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

/** A sample's median and interquartile range (quartiles by linear interpolation, as numpy's default). */
export interface Distribution {
  n: number;
  median: number;
  q1: number;
  q3: number;
  iqr: number;
}

/** A percentile bootstrap interval. */
export interface ConfidenceInterval {
  low: number;
  high: number;
  /** e.g. 0.95 */
  confidence: number;
  resamples: number;
  seed: number;
}

/** A median with its spread and a confidence interval for the median. */
export interface Estimate extends Distribution {
  /** Null when there was nothing to resample. */
  ci: ConfidenceInterval | null;
}

/** The q-quantile (0..1) of sorted values by linear interpolation between closest ranks. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
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

/**
 * The k-th smallest (0-based) of `a[0..n)`, reordering `a` in place (Hoare's selection with a
 * three-way partition, so the many ties of a bootstrap resample cost nothing extra).
 */
function select(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1]!;
    let lt = lo;
    let gt = hi;
    for (let i = lo; i <= gt; ) {
      const v = a[i]!;
      if (v < pivot) {
        a[i] = a[lt]!;
        a[lt++] = v;
        i++;
      } else if (v > pivot) {
        a[i] = a[gt]!;
        a[gt--] = v;
      } else i++;
    }
    if (k < lt) hi = lt - 1;
    else if (k > gt) lo = gt + 1;
    else return pivot;
  }
  return a[k]!;
}

/** The median of `a[0..n)` (n > 0), as `quantile(sorted, 0.5)` would give; reorders `a`. */
function medianInPlace(a: Float64Array, n: number): number {
  const k = (n - 1) >>> 1;
  const low = select(a, n, k);
  if (n % 2 === 1) return low;
  let next = Infinity;
  for (let i = k + 1; i < n; i++) if (a[i]! < next) next = a[i]!;
  return (low + next) / 2;
}

/** One workflow's samples: its sequential runs (the baseline) and its hybrid runs. */
export interface PairedSample {
  baseline: readonly number[];
  values: readonly number[];
}

/**
 * A seeded percentile-bootstrap interval for the pooled median improvement: each resample draws,
 * per workflow and with replacement, as many sequential runs as it has (their median is the
 * baseline) and as many hybrid runs as it has, so the interval carries the uncertainty of both
 * modes; the statistic is the median over every drawn hybrid run of its improvement (%) over its
 * workflow's resampled baseline. The same records and seed always give the same interval.
 */
export function bootstrapImprovement(
  groups: readonly PairedSample[],
  options: { resamples: number; confidence: number; seed: number },
): ConfidenceInterval | null {
  const usable = groups.filter((g) => g.baseline.length > 0 && g.values.length > 0);
  const total = usable.reduce((n, g) => n + g.values.length, 0);
  if (total === 0) return null;
  const rng = xoroshiro128plus(options.seed);
  const maxBaseline = Math.max(...usable.map((g) => g.baseline.length));
  const base = new Float64Array(maxBaseline);
  const pooled = new Float64Array(total);
  const stats: number[] = [];
  for (let b = 0; b < options.resamples; b++) {
    let n = 0;
    for (const g of usable) {
      for (let i = 0; i < g.baseline.length; i++) base[i] = g.baseline[uniformInt(rng, 0, g.baseline.length - 1)]!;
      const baseline = medianInPlace(base, g.baseline.length);
      if (!(baseline > 0)) continue;
      for (let i = 0; i < g.values.length; i++) {
        pooled[n++] = ((baseline - g.values[uniformInt(rng, 0, g.values.length - 1)]!) / baseline) * 100;
      }
    }
    if (n > 0) stats.push(medianInPlace(pooled, n));
  }
  if (stats.length === 0) return null;
  stats.sort((a, b) => a - b);
  const tail = (1 - options.confidence) / 2;
  return {
    low: quantile(stats, tail),
    high: quantile(stats, 1 - tail),
    confidence: options.confidence,
    resamples: options.resamples,
    seed: options.seed,
  };
}

/** Options of `estimateMedian`: a seeded percentile bootstrap. */
export interface EstimateOptions {
  /** @default 2000 */
  resamples?: number;
  /** @default 0.95 */
  confidence?: number;
  /** @default 1 */
  seed?: number;
}

/**
 * A sample's median, IQR and a seeded percentile-bootstrap interval for the median (resampling the
 * values with replacement); null for an empty sample. The same values and seed give the same interval.
 */
export function estimateMedian(values: readonly number[], options: EstimateOptions = {}): Estimate | null {
  const d = distribution(values);
  if (d === null) return null;
  const { resamples = 2000, confidence = 0.95, seed = 1 } = options;
  const rng = xoroshiro128plus(seed);
  const draw = new Float64Array(values.length);
  const stats = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < values.length; i++) draw[i] = values[uniformInt(rng, 0, values.length - 1)]!;
    stats[b] = medianInPlace(draw, values.length);
  }
  stats.sort();
  const tail = (1 - confidence) / 2;
  return { ...d, ci: { low: quantile(stats, tail), high: quantile(stats, 1 - tail), confidence, resamples, seed } };
}
