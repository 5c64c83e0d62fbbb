// The Recovery category's oracles on hand-made histories: a clean one passes, and each violation
// they exist for is caught (a side effect committed twice, two copies alive at once, a key changed
// by a restart, a copy that never closed, a node never done, a node journaled twice, an agent run
// again after its node succeeded). Also the raw journal reader's view of a torn or cut-off journal.
import { describe, expect, it } from "vitest";
import { effectsClean, judgeEffects, judgeJournal, parseEffects } from "../src/recovery/effects-oracle.js";
import type { Effect } from "../src/recovery/effects-oracle.js";
import { finalStatus, parseJournal, unsettledAttempts } from "../src/recovery/journal-lines.js";
import type { RawEvent } from "../src/recovery/journal-lines.js";

let clock = 0;
const e = (what: Effect["what"], node: string, pid: number, key = `k-${node}`): Effect => ({ what, node, key, attempt: 1, pid, at: (clock += 10) });

/** a: a copy killed with the CLI, stopped by the resume, then a second copy that reuses nothing (first commit); b: a copy that finished twice, deduped. */
function cleanHistory(): Effect[] {
  clock = 0;
  return [e("start", "a", 1), e("stop", "a", 1), e("start", "a", 2), e("commit", "a", 2), e("end", "a", 2), e("start", "b", 3), e("commit", "b", 3), e("end", "b", 3), e("start", "b", 4), e("reuse", "b", 4), e("end", "b", 4)];
}

describe("judgeEffects", () => {
  it("passes a clean history and counts executions apart from commits", () => {
    const verdict = judgeEffects(cleanHistory(), ["a", "b"]);
    expect(effectsClean(verdict)).toBe(true);
    expect(verdict.executions).toEqual(new Map([["a", 1], ["b", 2]]));
  });

  it("catches a side effect committed twice", () => {
    const history = cleanHistory();
    history[9] = { ...history[9]!, what: "commit" };
    const verdict = judgeEffects(history, ["a", "b"]);
    expect(verdict.committedTwice).toEqual([{ node: "b", commits: 2 }]);
    expect(effectsClean(verdict)).toBe(false);
  });

  it("catches two copies of a node alive at once, and a copy that never closed", () => {
    clock = 0;
    const verdict = judgeEffects([e("start", "a", 1), e("start", "a", 2), e("commit", "a", 2), e("end", "a", 2)], ["a"]);
    expect(verdict.overlaps).toEqual(["line 2: a (pid 2) started while pid 1 still ran"]);
    expect(verdict.unclosed).toEqual(["a (pid 1)"]);
  });

  it("catches a key changed by a restart, a node never done, and an unreadable line", () => {
    clock = 0;
    const verdict = judgeEffects([e("start", "a", 1), e("stop", "a", 1), e("start", "a", 2, "other"), e("commit", "a", 2, "other"), e("end", "a", 2, "other")], ["a", "b"], 1);
    expect(verdict.keyChanges).toEqual(["a: 2 keys"]);
    expect(verdict.missing).toEqual(["b"]);
    expect(verdict.unreadable).toBe(1);
  });

  it("reads the agent's lines back, counting a torn one", () => {
    const text = `${JSON.stringify(e("start", "a", 1))}\n{"what":"comm`;
    expect(parseEffects(text)).toMatchObject({ effects: [{ what: "start", node: "a" }], unreadable: 1 });
  });
});

const ev = (type: string, at: number, more: Partial<RawEvent> = {}): RawEvent => ({ type, at, ...more });

describe("judgeJournal", () => {
  it("catches a node journaled succeeded twice or never, and an agent started after its node succeeded", () => {
    const history = cleanHistory();
    const clean = [ev("node.succeeded", 50, { nodeId: "a" }), ev("node.succeeded", 1000, { nodeId: "b" })];
    expect(judgeJournal(clean, history, ["a", "b"])).toEqual({ notOnce: [], rerunAfterSuccess: [] });
    const twice = [...clean, ev("node.succeeded", 1001, { nodeId: "b" })];
    expect(judgeJournal(twice, history, ["a", "b", "c"]).notOnce).toEqual([
      { node: "b", succeeded: 2 },
      { node: "c", succeeded: 0 },
    ]);
    // b succeeded at 70, but its second copy started at 90.
    const early = [ev("node.succeeded", 50, { nodeId: "a" }), ev("node.succeeded", 70, { nodeId: "b" })];
    expect(judgeJournal(early, history, ["a", "b"]).rerunAfterSuccess).toEqual(["b (pid 4) started after the journal recorded it succeeded"]);
  });
});

describe("the raw journal reader", () => {
  const line = (seq: number, event: RawEvent & { error?: { code: string } }) => JSON.stringify({ v: 1, seq, sum: "x", event });

  it("reads events and error codes, and reports a torn last line as bad", () => {
    const text = [line(1, ev("run.started", 1)), line(2, { ...ev("node.failed", 2, { nodeId: "a", attempt: 1 }), error: { code: "timeout" } }), '{"v":1,"seq":3,"su'].join("\n");
    const journal = parseJournal(text);
    expect(journal.events.map((x) => x.type)).toEqual(["run.started", "node.failed"]);
    expect(journal.events[1]!.errorCode).toBe("timeout");
    expect(journal.bad).toEqual([{ line: 3, text: '{"v":1,"seq":3,"su' }]);
  });

  it("finalStatus is null when the last process was cut by a crash after an earlier one settled", () => {
    expect(finalStatus([ev("run.started", 1), ev("run.completed", 2, { status: "failed" })])).toBe("failed");
    expect(finalStatus([ev("run.started", 1), ev("run.completed", 2, { status: "failed" }), ev("run.resumed", 3)])).toBeNull();
    expect(finalStatus([ev("run.resumed", 3), ev("run.completed", 4, { status: "succeeded" })])).toBe("succeeded");
  });

  it("unsettledAttempts lists dispatched attempts with no ending: the agents a kill leaves behind", () => {
    const events = [ev("node.dispatched", 1, { nodeId: "a", attempt: 1 }), ev("node.dispatched", 2, { nodeId: "b", attempt: 1 }), ev("node.succeeded", 3, { nodeId: "a", attempt: 1 })];
    expect(unsettledAttempts(events)).toEqual(["b#1"]);
    expect(unsettledAttempts([...events, ev("node.reaped", 4, { nodeId: "b", attempt: 1 })])).toEqual([]);
  });
});
