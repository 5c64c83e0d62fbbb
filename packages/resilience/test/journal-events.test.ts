import { describe, expect, it } from "vitest";
import { JOURNAL_EVENT_TYPES, JournalEventSchema, isEventType, isInvalidJournalEventError, parseJournalEvent } from "@hybrid/resilience";
import type { JournalEvent } from "@hybrid/resilience";

describe("JournalEventSchema", () => {
  it("checks known types strictly on their fields and passes unknown types and fields through", () => {
    const dispatched = { type: "node.dispatched", runId: "r", at: 1, nodeId: "a", agent: "x", attempt: 1, idempotencyKey: "k", extra: { kept: true } };
    expect(JournalEventSchema.parse(dispatched)).toEqual(dispatched);
    expect(parseJournalEvent({ type: "future.thing", runId: "r", at: 2, whatever: [1] })).toEqual({ type: "future.thing", runId: "r", at: 2, whatever: [1] });
    expect(JOURNAL_EVENT_TYPES).toContain("breaker.changed");
  });

  it("names the path of each problem", () => {
    let caught: unknown;
    try {
      parseJournalEvent({ type: "node.failed", runId: "r", at: 1, nodeId: "a", agent: "x", attempt: 0, final: true, error: { message: 5 } });
    } catch (error) {
      caught = error;
    }
    expect(isInvalidJournalEventError(caught)).toBe(true);
    expect(caught).toMatchObject({ eventType: "node.failed" });
    expect((caught as { issues: Array<{ path: string }> }).issues.map((issue) => issue.path).sort()).toEqual(["attempt", "error.message"]);
    expect(() => parseJournalEvent(null)).toThrow(/invalid journal event \(no type\)/);
    expect(() => parseJournalEvent({ type: 3 })).toThrow(/runId/);
  });

  it("narrows known events with isEventType", () => {
    const event: JournalEvent = { type: "node.blocked", runId: "r", at: 1, nodeId: "b", agent: "x", blockedBy: "a" };
    if (isEventType(event, "node.blocked")) expect(event.blockedBy).toBe("a");
    expect(isEventType(event, "node.failed")).toBe(false);
  });
});
