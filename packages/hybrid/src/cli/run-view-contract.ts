// What `hybrid run` / `hybrid resume` show while a run goes on: the command owns the run, the view
// only listens. On a TTY a live view redraws in place; elsewhere one plain line per notable event.
import type { DispatchEvent } from "@hybrid/dispatch";

/** Where a view writes, and what it knows of that stream. */
export interface RunViewOptions {
  /** The human stream: stderr with `--json`, else stdout. */
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Draw the live view (a TTY and not `CI`), else plain lines. */
  live: boolean;
  /** Milliseconds since the epoch. @default Date.now */
  clock?: () => number;
}

/** A view of one run: fed every dispatch event, closed once when the run settles. */
export interface RunView {
  event(event: DispatchEvent): void;
  /** Leaves a clean final screen (the live view's last frame, then `summary` as plain lines). */
  close(summary?: string): void;
}
