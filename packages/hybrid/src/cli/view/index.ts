// The thin shell around the pure parts: a timer that redraws the live frame with log-update, or
// plain lines written as events come. Events only update the state; drawing happens on the timer,
// so a burst of a thousand events costs one redraw, not a thousand.
import { createLogUpdate } from "log-update";
import type { RunView, RunViewOptions } from "../run-view-contract.js";
import { interceptWrites, type Interception } from "./intercept.js";
import { createPlainFormatter, PLAIN_COLUMNS } from "./render-plain.js";
import { renderFrame } from "./render-live.js";
import { sanitize } from "./sanitize.js";
import { createViewState, reduceView } from "./state.js";

/** How often the live frame is redrawn (elapsed times tick at 0.1 s). */
export const REDRAW_MS = 150;
/** Longest summary line kept. */
const SUMMARY_COLUMNS = 2000;
const HIDE_CURSOR = "\u001B[?25l";
const SHOW_CURSOR = "\u001B[?25h";

type ViewStream = RunViewOptions["stream"] & { rows?: number };

/** The summary's lines, sanitized; its line breaks and indentation are kept, nothing that moves the cursor. */
function summaryText(summary: string | undefined): string {
  if (summary === undefined || summary === "") return "";
  return `${summary.split(/\r?\n/).map((line) => sanitize(line, SUMMARY_COLUMNS, true)).join("\n")}\n`;
}

/**
 * The view `hybrid run` and `hybrid resume` feed: a live frame redrawn in place when `live`, else
 * one plain line per notable event.
 * @example
 * const view = createRunView({ stream: process.stdout, live: process.stdout.isTTY === true && !process.env.CI });
 * const result = await orchestrator.execute(workflow, { onEvent: (event) => view.event(event) });
 * view.close(`${result.runId}: ${result.status}`);
 */
export function createRunView(options: RunViewOptions): RunView {
  return options.live ? createLiveView(options) : createPlainView(options);
}

function createPlainView({ stream }: RunViewOptions): RunView {
  const formatter = createPlainFormatter(stream.columns ?? PLAIN_COLUMNS);
  let closed = false;
  const write = (lines: string[]) => {
    if (lines.length > 0) stream.write(`${lines.join("\n")}\n`);
  };
  return {
    event(event) {
      if (!closed) write(formatter.format(event));
    },
    close(summary) {
      if (closed) return;
      closed = true;
      write(formatter.flush());
      stream.write(summaryText(summary));
    },
  };
}

/**
 * The live view. `terminal` lists the streams whose other writers it keeps above the frame.
 * @default [the view's stream, process.stdout, process.stderr] (those that are TTYs)
 */
export function createLiveView(
  { stream, clock = Date.now }: RunViewOptions,
  terminal: readonly NodeJS.WritableStream[] = [stream, process.stdout, process.stderr],
): RunView {
  const out = stream as ViewStream;
  const state = createViewState();
  let interception: Interception | undefined;
  const writeOut = (text: string) => (interception ? interception.writeThrough(out, text) : out.write(text));
  // log-update draws through this, so its writes pass the interception; it reads the size live.
  const target = {
    get columns() {
      return out.columns;
    },
    get rows() {
      return out.rows;
    },
    isTTY: true,
    write: (text: string) => (writeOut(text), true),
  } as unknown as NodeJS.WritableStream;
  // log-update would hide the cursor on process.stderr whatever stream it draws on; the view hides
  // and shows it on its own stream instead, and an exit hook shows it again if close never comes.
  const log = createLogUpdate(target, { showCursor: true });
  let closed = false;
  let started = false;
  // The frame never gets shorter while the run goes on: log-update 7's in-place diff mistakes
  // lines it kept for lines that moved when a frame shrinks, and loses a row when a frame ends in
  // an empty line; both leave stale rows on screen (seen under tmux, kept by the PTY test). Frames
  // of one height, padded with a space rather than an empty line, are patched right. The last
  // frame is written whole (persist), at its own height.
  let height = 0;
  const restoreCursor = () => {
    interception?.restore();
    out.write(SHOW_CURSOR);
  };
  const frame = () => renderFrame(state, clock(), { columns: out.columns ?? 80, ...(out.rows ? { rows: out.rows } : {}) });
  const draw = () => {
    const lines = frame();
    height = Math.max(height, lines.length);
    while (lines.length < height) lines.push(" ");
    log(lines.join("\n"));
  };
  // Another writer's text goes above the frame: the frame is erased, the text written to its own
  // stream as it came, and the frame drawn again below it.
  const foreign = (from: NodeJS.WritableStream, text: string) => {
    if (text === "") return;
    log.clear();
    interception!.writeThrough(from, text.endsWith("\n") ? text : `${text}\n`);
    draw();
  };
  const timer = setInterval(draw, REDRAW_MS);
  // The view must never keep a finished CLI alive.
  timer.unref();

  return {
    event(event) {
      if (closed) return;
      reduceView(state, event);
      if (!started) {
        // The first frame comes at once; later ones wait for the timer.
        started = true;
        interception = interceptWrites(terminal, foreign);
        writeOut(HIDE_CURSOR);
        process.once("exit", restoreCursor);
        draw();
      }
    },
    close(summary) {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      // The last frame replaces the live one whole and stays, then the summary goes below it.
      log.persist(frame().join("\n"));
      if (started) {
        process.off("exit", restoreCursor);
        restoreCursor();
      }
      out.write(summaryText(summary));
    },
  };
}
