import { Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createLiveView, createRunView, REDRAW_MS } from "../src/cli/view/index.js";
import { ev, HOSTILE } from "./fixtures/view/events.js";

/** A stream that keeps what is written, one entry per write, like a terminal or a pipe would get it. */
function sink(tty: { columns?: number; rows?: number } | false) {
  const writes: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writes.push(chunk.toString("utf8"));
      done();
    },
  }) as Writable & { isTTY?: boolean; columns?: number; rows?: number };
  if (tty) Object.assign(stream, { isTTY: true, ...tty });
  return { stream, writes, text: () => writes.join("") };
}

const ESC = "\u001b";
const HIDE = `${ESC}[?25l`;
const SHOW = `${ESC}[?25h`;

describe("createRunView, plain", () => {
  it("writes plain lines as events come, then the summary, with no escape code at all", () => {
    const { stream, text } = sink(false);
    const view = createRunView({ stream, live: false });
    view.event(ev.started(0, [{ id: "a", wave: 0, agent: HOSTILE }]));
    view.event(ev.dispatched(100, "a", 1, HOSTILE));
    view.event(ev.gate(150, "pass"));
    for (let i = 0; i < 6; i++) view.event(ev.blocked(200, `b${i}`, "a"));
    view.close(`summary ${HOSTILE}\n  indented line`);
    view.event(ev.dispatched(300, "late"));
    view.close("again");
    const out = text();
    expect(out).not.toContain(ESC);
    expect(out.split("\n")).toEqual([
      "[0.0s] run run-1 started: epic, 1 node in 1 wave",
      "[0.1s] start   a (red title dcs C1 evil next line end)",
      "[0.2s] blocked b0 by a",
      "[0.2s] blocked b1 by a",
      "[0.2s] blocked b2 by a",
      "blocked 3 more by a (6 in all)",
      // The summary keeps its own line breaks.
      "summary red title dcs C1 evil",
      "next line end",
      "  indented line",
      "",
    ]);
  });

  it("cuts lines to the stream's width when it has one, and prints no summary when given none", () => {
    const { stream, text } = sink(false);
    stream.columns = 30;
    const view = createRunView({ stream, live: false });
    view.event(ev.dispatched(0, "a", 1, "x".repeat(100)));
    view.close();
    expect(text()).toBe(`[0.0s] start   a (${"x".repeat(10)}…\n`);
  });
});

describe("createRunView, live", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("draws at once, then redraws on its timer only (a burst of events costs one redraw)", () => {
    const { stream, writes, text } = sink({ columns: 80, rows: 24 });
    let now = 1000;
    const view = createLiveView({ stream, live: true, clock: () => now }, [stream]);
    expect(writes).toEqual([]);
    view.event(ev.started(1000, [{ id: "a", wave: 0 }, { id: "b", wave: 0 }]));
    expect(writes[0]).toBe(HIDE);
    expect(text()).toContain("hybrid run epic · run-1");
    const afterFirst = writes.length;
    for (let i = 0; i < 1000; i++) view.event(ev.dispatched(1000 + i, i % 2 ? "a" : "b"));
    expect(writes.length).toBe(afterFirst);
    now = 2500;
    vi.advanceTimersByTime(REDRAW_MS);
    expect(writes.length).toBe(afterFirst + 1);
    expect(writes.at(-1)).toContain("elapsed 1.5s");
    expect(writes.at(-1)).toContain("running 2");
    // Nothing changed: log-update writes nothing.
    vi.advanceTimersByTime(REDRAW_MS);
    expect(writes.length).toBe(afterFirst + 1);
    now = 3000;
    vi.advanceTimersByTime(REDRAW_MS);
    expect(writes.at(-1)).toContain("elapsed 2.0s");
    view.close();
  });

  it("closes with the last frame kept, the cursor shown again and the summary below; nothing after", () => {
    const { stream, writes, text } = sink({ columns: 60 });
    let now = 0;
    const exitHooks = process.listenerCount("exit");
    const view = createLiveView({ stream, live: true, clock: () => now }, [stream]);
    view.event(ev.started(0, [{ id: "a", wave: 0 }]));
    expect(process.listenerCount("exit")).toBe(exitHooks + 1);
    view.event(ev.wave(0, 0, ["a"]));
    view.event(ev.dispatched(0, "a"));
    view.event(ev.succeeded(500, "a", { input: 10, output: 5 }));
    view.event(ev.completed(600, "succeeded", 1, 1));
    now = 10_000;
    view.close(`done ${HOSTILE}`);
    expect(process.listenerCount("exit")).toBe(exitHooks);
    const out = text();
    // The final frame is drawn (the run's status in it), then the cursor comes back, then the summary.
    const show = out.lastIndexOf(SHOW);
    expect(out.lastIndexOf("running 0 · elapsed 0.6s · succeeded")).toBeLessThan(show);
    expect(out.slice(show)).toBe(`${SHOW}done red title dcs C1 evil\nnext line end\n`);
    const count = writes.length;
    view.event(ev.dispatched(20_000, "late"));
    vi.advanceTimersByTime(REDRAW_MS * 10);
    view.close("twice");
    expect(writes.length).toBe(count);
  });

  it("keeps other writers' text above the frame, and gives the streams back at close", () => {
    const { stream, writes, text } = sink({ columns: 80 });
    const other = sink({ columns: 80 });
    const plainFile = sink(false);
    const originalWrite = other.stream.write;
    let now = 0;
    const view = createLiveView({ stream, live: true, clock: () => now }, [stream, other.stream, plainFile.stream]);
    view.event(ev.started(0, [{ id: "a", wave: 0 }]));
    view.event(ev.dispatched(0, "a"));
    expect(other.stream.write).not.toBe(originalWrite);
    // A file or a pipe is not the screen: left alone.
    plainFile.stream.write("to the file\n");
    expect(plainFile.text()).toBe("to the file\n");
    let called = false;
    other.stream.write("SIGINT: stopping run run-1\n", () => (called = true));
    stream.write(Buffer.from("a plug-in's console.log"));
    // Every form of write(): an encoding then a callback, bytes, nothing at all.
    let viaEncoding = false;
    other.stream.write("with encoding\n", "utf8", () => (viaEncoding = true));
    other.stream.write(new Uint8Array([0x6f, 0x6b, 0x0a]));
    other.stream.write("");
    // The frame was erased, the text went to its own stream (a newline added where missing), the frame came back.
    expect(other.text()).toBe("SIGINT: stopping run run-1\nwith encoding\nok\n");
    const after = text();
    expect(after).toMatch(/a plug-in's console\.log\n(\u001b\[\?2026h)?hybrid run epic/);
    expect(after.lastIndexOf("hybrid run epic")).toBeGreaterThan(after.indexOf("a plug-in's console.log"));
    now = 1000;
    vi.advanceTimersByTime(REDRAW_MS);
    view.close("summary");
    expect(other.stream.write).toBe(originalWrite);
    const count = writes.length;
    stream.write("after close\n");
    expect(writes.length).toBe(count + 1);
    expect(writes.at(-1)).toBe("after close\n");
    return Promise.resolve().then(() => expect([called, viaEncoding]).toEqual([true, true]));
  });

  it("closed before any event, it draws one waiting frame and never touches the cursor", () => {
    const { stream, text } = sink({});
    const view = createRunView({ stream, live: true });
    view.close();
    expect(text()).toContain("hybrid: waiting for the run to start");
    expect(text()).not.toContain(HIDE);
  });

  it("does not keep the process alive: its timer is unref'd", () => {
    vi.useRealTimers();
    const before = process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
    const { stream } = sink({ columns: 80 });
    const view = createRunView({ stream, live: true });
    // An unref'd timer is not an active resource.
    expect(process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length).toBe(before);
    view.close();
  });
});
