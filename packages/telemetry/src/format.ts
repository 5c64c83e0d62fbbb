import type { Verdict } from "./compare-modes.js";
import type { Estimate } from "./stats.js";

/** `35.0%`, or `—` for no value. */
export const formatPct = (value: number | null | undefined, digits = 1): string =>
  value === null || value === undefined ? "—" : `${value.toFixed(digits)}%`;

/** A number with at most `digits` decimals, or `—`. */
export const formatNum = (value: number | null, digits = 2): string => (value === null ? "—" : String(Number(value.toFixed(digits))));

/** How a verdict reads in every renderer. */
export const VERDICT_LABEL: Record<Verdict, string> = { pass: "PASS", fail: "FAIL", "insufficient-data": "INSUFFICIENT DATA" };

/** `95% CI 28.1% – 41.0%` for an estimate's bootstrap interval, or `—`. */
export function formatCi(estimate: Estimate | null | undefined): string {
  const ci = estimate?.ci;
  if (!ci) return "—";
  return `${Math.round(ci.confidence * 100)}% CI ${formatPct(ci.low)} – ${formatPct(ci.high)}`;
}
