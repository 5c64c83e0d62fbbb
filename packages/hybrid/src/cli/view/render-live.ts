// The live frame: a pure function of the state, the time and the terminal's size. Its cost depends
// on how many lines fit, never on how many nodes the run has: the running list is walked only as
// far as it is shown, and every other number is a counter the reducer keeps.
import { formatDuration, formatTokens } from "./format.js";
import { displayWidth, fit, sanitize } from "./sanitize.js";
import type { ViewState, ViewStrategy } from "./state.js";

/** Running nodes listed at most; the rest read as "… and N more". */
export const MAX_RUNNING_LINES = 8;
/** Columns kept for a node id in the running list (longer ids are cut). */
const ID_COLUMNS = 32;

export interface FrameSize {
  /** The terminal's width; lines are cut one column short of it, so no terminal wraps them. */
  columns: number;
  /** The terminal's height; the frame stays shorter, so it can always be redrawn in place. */
  rows?: number;
}

/** `hybrid (hybrid; parallel, memory)`; after a switch `hybrid → sequential after wave 3 (kill-switch)`. */
export function describeStrategy(strategy: ViewStrategy): string {
  // Sequential's "one at a time, full context" goes without saying; partial mixes are named.
  const how = [strategy.parallel ? "parallel" : "", strategy.memory ? "memory" : ""].filter(Boolean).join(", ");
  const why = how ? `${strategy.reason}; ${how}` : strategy.reason;
  if (strategy.from === undefined) return `${strategy.strategy} (${why})`;
  const where = strategy.wave === undefined ? "" : ` after wave ${strategy.wave + 1}`;
  return `${strategy.from} → ${strategy.strategy}${where} (${why})`;
}

/** `wave 3/7`, `waves 2-3/7` while eager mode runs two, `wave -` before the first. */
export function describeWave(state: ViewState): string {
  const total = state.totalWaves === undefined ? "" : `/${state.totalWaves}`;
  if (state.wave === undefined) return `wave -${total}`;
  let low = Infinity;
  for (const wave of state.openWaves) low = Math.min(low, wave);
  if (low < state.wave) return `waves ${low + 1}-${state.wave + 1}${total}`;
  return `wave ${state.wave + 1}${total}`;
}

/** The counters line: done/failed/blocked, gate failures, tokens. */
export function describeCounts(state: ViewState): string {
  const done = state.totalNodes === undefined ? `${state.counts.succeeded}` : `${state.counts.succeeded}/${state.totalNodes}`;
  const gates = state.gatesFailed > 0 ? ` · gates failed ${state.gatesFailed}` : "";
  const tokens = `tokens ${formatTokens(state.tokens.input)} in / ${formatTokens(state.tokens.output)} out`;
  return `done ${done} · failed ${state.counts.failed} · blocked ${state.counts.blocked}${gates} · ${tokens}`;
}

/** The run's elapsed time, frozen once it completed. */
export function describeElapsed(state: ViewState, now: number): string {
  const end = state.completed?.at ?? now;
  return `elapsed ${formatDuration(end - (state.startedAt ?? end))}`;
}

/** The frame's lines, each at most `columns - 1` wide. */
export function renderFrame(state: ViewState, now: number, size: FrameSize): string[] {
  const width = Math.max(1, Math.floor(size.columns) - 1);
  const maxLines = Math.max(4, Math.floor(size.rows ?? 24) - 1);
  const title = state.workflowId === undefined ? "hybrid: waiting for the run to start" : `hybrid ${state.resumed ? "resume" : "run"} ${state.workflowId} · ${state.runId}`;
  const status = state.completed ? ` · ${state.completed.status}` : "";
  const head = [
    title,
    `${describeWave(state)} · running ${state.running.size} · ${describeElapsed(state, now)}${status}`,
    describeCounts(state),
  ];
  if (state.strategy) head.push(`strategy ${describeStrategy(state.strategy)}`);
  const tail = state.failures.map((failure) => `failed ${sanitize(failure.nodeId, 80)}: ${failure.message}`);
  // The running list gets what is left of the height; one line goes to "… and N more" when cut.
  const room = Math.max(1, Math.min(MAX_RUNNING_LINES, maxLines - head.length - tail.length));
  const shown = state.running.size > room ? room - 1 : state.running.size;
  // Elapsed first, then the id, then the agent: a narrow terminal cuts the agent, not the time.
  const rowsShown: [string, string, string][] = [];
  let idWidth = 0;
  for (const [nodeId, node] of state.running) {
    if (rowsShown.length >= shown) break;
    const phase = node.phase === "running" ? formatDuration(now - node.since) : node.phase;
    const id = fit(sanitize(nodeId, ID_COLUMNS * 2), ID_COLUMNS);
    idWidth = Math.max(idWidth, displayWidth(id));
    rowsShown.push([phase, id, `${node.agent}${node.attempt > 1 ? ` (attempt ${node.attempt})` : ""}`]);
  }
  const list = rowsShown.map(([phase, id, agent]) => `  ${phase.padStart(7)}  ${id}${" ".repeat(idWidth - displayWidth(id))}  ${agent}`);
  if (state.running.size > shown) list.push(`  … and ${state.running.size - shown} more`);
  return [...head, ...list, ...tail].slice(0, maxLines).map((line) => fit(line, width));
}
