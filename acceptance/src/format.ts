// How numbers are printed in the report: one place, so every category reads alike.
import type { Estimate } from "@hybrid/telemetry";

/** 4212 -> "4,212". */
export const count = (n: number): string => n.toLocaleString("en-US");

/** 46.64 -> "46.6%". */
export const pct = (n: number | null, digits = 1): string => (n === null || !Number.isFinite(n) ? "—" : `${n.toFixed(digits)}%`);

/** "x of n unit", e.g. "0 of 4,212 nodes". */
export const ofN = (x: number, n: number, unit: string): string => `${count(x)} of ${count(n)} ${unit}`;

/** An estimate's spread: its interval (how it was drawn) and its IQR, in the estimate's unit. */
export function spreadOf(estimate: Estimate | null, unit = "%", digits = 1): string | undefined {
  if (estimate === null) return undefined;
  const f = (v: number) => `${v.toFixed(digits)}${unit}`;
  const ci = estimate.ci
    ? `${Math.round(estimate.ci.confidence * 100)}% CI ${f(estimate.ci.low)}–${f(estimate.ci.high)} (bootstrap, ${count(estimate.ci.resamples)} resamples, seed ${estimate.ci.seed})`
    : "no interval";
  return `${ci}; IQR ${f(estimate.q1)}–${f(estimate.q3)}`;
}
