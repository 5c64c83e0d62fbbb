// Numbers as a person reads them at a glance: durations that keep their width as they grow, and
// token counts in k/M, so a frame's lines do not jump around between redraws.

/** `0.4s`, `12.3s`, `4m 05s`, `2h 03m`; negative (a clock step back) reads as `0.0s`. */
export function formatDuration(ms: number): string {
  const safe = Number.isFinite(ms) && ms > 0 ? ms : 0;
  if (safe < 60_000) return `${(Math.floor(safe / 100) / 10).toFixed(1)}s`;
  const seconds = Math.floor(safe / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(seconds / 3600)}h ${String(Math.floor(seconds / 60) % 60).padStart(2, "0")}m`;
}

/** `950`, `12.3k`, `4.5M`. */
export function formatTokens(count: number): string {
  if (count < 1000) return String(count);
  if (count < 1_000_000) return `${(count / 1000).toFixed(1)}k`;
  return `${(count / 1_000_000).toFixed(1)}M`;
}

/** A duration that was measured, not ticking: `45ms` under a second, else as `formatDuration`. */
export function formatElapsed(ms: number): string {
  return Number.isFinite(ms) && ms >= 0 && ms < 1000 ? `${Math.round(ms)}ms` : formatDuration(ms);
}

/** `1 node`, `3 nodes`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
