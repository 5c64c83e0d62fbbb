import { escapeHtml as e, num } from "./html.js";

/**
 * Round tick values that cover [min, max]: about `count` intervals of 1, 2, 2.5 or 5 × 10^k, so
 * an axis reads "0, 25, 50, 75, 100" rather than only its two ends.
 */
export function niceTicks(min: number, max: number, count = 4, integer = false): number[] {
  const hi = max > min ? max : min + 1;
  const raw = (hi - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const nice = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw * (1 - 1e-9))!;
  // Counts get whole steps: "0, 1, 2", never "0.25 incidents".
  const step = integer ? Math.max(1, Math.round(nice)) : nice;
  const first = Math.floor(min / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let v = first; v < hi + step * (1 - 1e-9); v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Horizontal grid lines with their labels, left of the plot, one per tick. */
export function yAxis(ticks: readonly number[], y: (v: number) => number, x0: number, x1: number, label: (v: number) => string = num): string {
  return ticks
    .map(
      (t) =>
        `<line class="grid" x1="${x0}" y1="${num(y(t))}" x2="${x1}" y2="${num(y(t))}"/><text class="tick y-tick" x="${x0 - 6}" y="${num(y(t) + 3.5)}" text-anchor="end">${e(label(t))}</text>`,
    )
    .join("");
}

/** The "no data" state of a chart, centred in its plot. */
export function noData(x: number, y: number): string {
  return `<text class="no-data" x="${num(x)}" y="${num(y)}" text-anchor="middle">no data</text>`;
}

const UNITS = [
  { ms: 3_600_000, name: "h" },
  { ms: 60_000, name: "min" },
  { ms: 1000, name: "s" },
  { ms: 1, name: "ms" },
] as const;

/**
 * Round ticks for a duration axis from 0 to `maxMs`, in the unit that suits the longest (so a
 * three-minute run reads "0, 1, 2, 3, 4 min"), with their labels.
 */
export function durationTicks(maxMs: number): { ticks: number[]; label: (ms: number) => string } {
  const unit = UNITS.find((u) => maxMs >= u.ms * 2) ?? UNITS[UNITS.length - 1];
  const ticks = niceTicks(0, Math.max(1, maxMs / unit.ms)).map((t) => t * unit.ms);
  return { ticks, label: (ms) => `${num(ms / unit.ms)} ${unit.name}` };
}
