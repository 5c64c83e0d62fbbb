import { describe, expect, it } from "vitest";
import {
  ErrorInfoSchema,
  FailureCategorySchema,
  JOURNAL_EVENT_TYPES,
  JournalEventSchema,
  isInvalidJournalEventError,
  parseJournalEvent,
} from "@hybrid/resilience";
import type { JournalEventType } from "@hybrid/resilience";
import { exampleEvents } from "./helpers.js";

const examples = exampleEvents();
const types = Object.keys(examples) as JournalEventType[];

function issuesOf(value: unknown): Array<{ path: string; message: string }> {
  try {
    parseJournalEvent(value);
  } catch (error) {
    expect(isInvalidJournalEventError(error)).toBe(true);
    return [...(error as { issues: Array<{ path: string; message: string }> }).issues];
  }
  return expect.unreachable("the event was accepted");
}

describe("the journal vocabulary", () => {
  it("has exactly the nineteen event types (issue 9's seventeen and the orchestrator's two), one example each", () => {
    expect([...JOURNAL_EVENT_TYPES]).toEqual([
      "run.started",
      "run.resumed",
      "wave.started",
      "wave.completed",
      "node.dispatched",
      "node.spawned",
      "node.reaped",
      "node.succeeded",
      "node.failed",
      "node.timed-out",
      "node.retrying",
      "node.waiting",
      "node.blocked",
      "breaker.changed",
      "handoff.recorded",
      "handoff.failed",
      "run.strategy",
      "gate.evaluated",
      "run.completed",
    ]);
    expect(types).toEqual([...JOURNAL_EVENT_TYPES]);
    expect(Object.isFrozen(JOURNAL_EVENT_TYPES)).toBe(true);
  });

  it.each(types)("accepts a full %s event and returns an equal copy", (type) => {
    const parsed = parseJournalEvent(examples[type]);
    expect(parsed).toEqual(examples[type]);
    expect(parsed).not.toBe(examples[type]);
  });

  it.each(types)("rejects %s with a field it does not know (strict), naming the key", (type) => {
    const issues = issuesOf({ ...examples[type], note: "x" });
    expect(issues).toEqual([{ path: "", message: expect.stringContaining('"note"') }]);
  });

  it.each(types)("rejects %s without its runId or with a non-finite time", (type) => {
    const { runId: _dropped, ...rest } = examples[type];
    expect(issuesOf(rest).map((issue) => issue.path)).toEqual(["runId"]);
    expect(issuesOf({ ...examples[type], at: Number.NaN }).map((issue) => issue.path)).toEqual(["at"]);
  });

  it("rejects an unknown event type: the vocabulary is closed for a format version", () => {
    const issues = issuesOf({ type: "breaker.snapshot", runId: "r", at: 1, breakers: {} });
    expect(issues).toEqual([{ path: "type", message: expect.stringContaining("run.started") }]);
    expect(JournalEventSchema.safeParse({ type: "custom.note", runId: "r", at: 1 }).success).toBe(false);
  });

  it("names the path of every problem, nested ones included, and the event type in the message", () => {
    const bad = {
      ...examples["node.failed"],
      attempt: 0,
      error: { message: 5 },
      category: "flaky",
    };
    const error = (() => {
      try {
        parseJournalEvent(bad);
      } catch (caught) {
        return caught;
      }
      return expect.unreachable("accepted");
    })();
    expect(error).toMatchObject({ code: "journal-event-invalid", eventType: "node.failed", name: "InvalidJournalEventError" });
    expect((error as { issues: Array<{ path: string }> }).issues.map((issue) => issue.path).sort()).toEqual(["attempt", "category", "error.message"]);
    expect((error as Error).message).toMatch(/^\[resilience\] invalid journal event node\.failed:\n {2}- /);
    expect(issuesOf({ ...examples["run.started"], nodes: [{ ...examples["run.started"].nodes[0], dependsOn: [""] }] }).map((i) => i.path)).toEqual([
      "nodes[0].dependsOn[0]",
    ]);
    expect(() => parseJournalEvent(null)).toThrow(/invalid journal event \(no type\):\n {2}- \(root\)/);
    expect(() => parseJournalEvent({ type: 3 })).toThrow(/invalid journal event \(no type\)/);
  });

  it("rejects what a malformed runner result would smuggle in: NaN or fractional tokens, negative durations", () => {
    const succeeded = examples["node.succeeded"];
    expect(issuesOf({ ...succeeded, tokens: { input: Number.NaN, output: 1 } }).map((i) => i.path)).toEqual(["tokens.input"]);
    expect(issuesOf({ ...succeeded, tokens: { input: 1.5, output: 1 } }).map((i) => i.path)).toEqual(["tokens.input"]);
    expect(issuesOf({ ...succeeded, durationMs: -1 }).map((i) => i.path)).toEqual(["durationMs"]);
    const { tokens: _unknown, ...withoutTokens } = succeeded;
    expect(parseJournalEvent(withoutTokens)).toEqual(withoutTokens);
  });

  it("keeps one error shape and one failure-category union", () => {
    expect(ErrorInfoSchema.parse({ message: "m" })).toEqual({ message: "m" });
    expect(ErrorInfoSchema.safeParse({ message: "m", stack: "at x" }).success).toBe(false);
    expect(ErrorInfoSchema.safeParse({ message: "m", exitCode: 1.5 }).success).toBe(false);
    expect(FailureCategorySchema.options).toEqual(["timeout", "transient-exhausted", "permanent", "breaker-open", "dependency-failed", "gate-failed", "needs-review", "needs-escalation"]);
    // node.retrying and handoff.failed carry the same shape as node.failed.
    expect(issuesOf({ ...examples["node.retrying"], error: "HTTP 503" }).map((i) => i.path)).toEqual(["error"]);
    expect(issuesOf({ ...examples["handoff.failed"], error: { message: "x", extra: 1 } }).map((i) => i.path)).toEqual(["error"]);
  });
});
