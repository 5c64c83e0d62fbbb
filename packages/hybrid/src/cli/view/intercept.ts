// While the live frame is on screen, anything else written to the terminal (a warning on stderr,
// "stopping run…" on Ctrl-C, a plug-in's console.log) would land under the frame, and the next
// redraw would erase the wrong rows and leave half a frame behind. So, as listr2's ProcessOutput
// and Ink's patchConsole do, the live view takes over the terminal streams' `write` while it draws:
// foreign text is printed above the frame (which is then redrawn below it), and the view itself
// writes through the original functions.

type Write = NodeJS.WritableStream["write"];

/** A stream whose writes were taken over, and how to write to it for real. */
export interface Interception {
  /** Writes to `stream` past the interception (the view's own output). */
  writeThrough(stream: NodeJS.WritableStream, text: string): void;
  /** Gives every stream its own `write` back. Idempotent. */
  restore(): void;
}

/**
 * Routes writes to `streams` to `onForeign` (as text) until `restore()`. Streams that are not
 * TTYs are left alone: their output is not on the screen the frame is drawn on.
 */
export function interceptWrites(
  streams: readonly (NodeJS.WritableStream & { isTTY?: boolean })[],
  onForeign: (stream: NodeJS.WritableStream, text: string) => void,
): Interception {
  const originals = new Map<NodeJS.WritableStream, Write>();
  for (const stream of new Set(streams)) {
    if (stream.isTTY !== true) continue;
    const original = stream.write;
    originals.set(stream, original);
    const replacement = function (this: unknown, chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
      const done = typeof encoding === "function" ? encoding : callback;
      const text = typeof chunk === "string" ? chunk : Buffer.isBuffer(chunk) || chunk instanceof Uint8Array ? Buffer.from(chunk).toString("utf8") : String(chunk);
      onForeign(stream, text);
      if (typeof done === "function") queueMicrotask(() => (done as (error?: Error | null) => void)(null));
      return true;
    };
    stream.write = replacement as Write;
  }
  return {
    writeThrough(stream, text) {
      const original = originals.get(stream) ?? stream.write;
      original.call(stream, text);
    },
    restore() {
      for (const [stream, original] of originals) stream.write = original;
      originals.clear();
    },
  };
}
