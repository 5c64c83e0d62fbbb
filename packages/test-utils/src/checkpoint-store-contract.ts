// The contract every CheckpointStore must meet (DESIGN.md §5). A store implementation runs it in
// three lines from its own tests. Typed structurally, so test-utils does not depend on
// @hybrid/resilience (which depends on test-utils for its tests).
import { afterEach, describe, expect, it } from "vitest";

/** A journal event, as the store sees it. */
export type ContractJournalEvent = { type: string; at: number; runId: string; [key: string]: unknown };

/** The store surface under test (structurally the same as `CheckpointStore`). */
export interface ContractCheckpointStore {
  append(runId: string, event: ContractJournalEvent): Promise<void>;
  read(runId: string): Promise<{ events: ContractJournalEvent[]; warnings: string[] }>;
  list(): Promise<string[]>;
  close?(): Promise<void>;
}

/** A fresh, empty backing location and a way to open stores over it. */
export interface ContractStoreFixture {
  /** Opens a store over the location; a second call must see what the first one appended (a restart). */
  open(): ContractCheckpointStore | Promise<ContractCheckpointStore>;
  /** Removes the location (temp dir, table…). */
  cleanup?(): Promise<void>;
}

/** Options of {@link testCheckpointStore}. */
export interface CheckpointStoreContractOptions {
  name: string;
  /** Makes a fresh, empty location for one test. */
  create(): ContractStoreFixture | Promise<ContractStoreFixture>;
}

const started = (runId: string, at = 1): ContractJournalEvent => ({
  type: "run.started",
  runId,
  at,
  planHash: "plan-1",
  workflowId: "wf",
  nodes: [{ id: "a", agent: "coder", priority: "implementation", wave: 0, dependsOn: [], specHash: "s-a" }],
});

const dispatched = (runId: string, attempt: number, at = 2): ContractJournalEvent => ({
  type: "node.dispatched",
  runId,
  at,
  nodeId: "a",
  agent: "coder",
  attempt,
  idempotencyKey: `${runId}:a`,
});

const succeeded = (runId: string, output: string): ContractJournalEvent => ({
  type: "node.succeeded",
  runId,
  at: 3,
  nodeId: "a",
  agent: "coder",
  attempt: 1,
  output,
  tokens: { input: 10, output: 5 },
  durationMs: 7,
});

function codeOf(error: unknown): unknown {
  return typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
}

/**
 * Registers the CheckpointStore contract suite.
 * @example testCheckpointStore({ name: "memory", create: () => { const s = createMemoryCheckpointStore(); return { open: () => s }; } });
 */
export function testCheckpointStore(options: CheckpointStoreContractOptions): void {
  describe(`CheckpointStore contract: ${options.name}`, () => {
    const fixtures: ContractStoreFixture[] = [];
    const opened: ContractCheckpointStore[] = [];

    async function setup(): Promise<{ fixture: ContractStoreFixture; store: ContractCheckpointStore }> {
      const fixture = await options.create();
      fixtures.push(fixture);
      const store = await fixture.open();
      opened.push(store);
      return { fixture, store };
    }

    async function reopen(fixture: ContractStoreFixture): Promise<ContractCheckpointStore> {
      const store = await fixture.open();
      opened.push(store);
      return store;
    }

    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close?.();
      for (const fixture of fixtures.splice(0)) await fixture.cleanup?.();
    });

    it("reads an empty journal for an unknown run", async () => {
      const { store } = await setup();
      expect(await store.read("never-ran")).toEqual({ events: [], warnings: [] });
      expect(await store.list()).toEqual([]);
    });

    it("round-trips events unchanged, with an output digest added", async () => {
      const { store } = await setup();
      await store.append("run-1", started("run-1"));
      await store.append("run-1", succeeded("run-1", "hello"));
      const { events, warnings } = await store.read("run-1");
      expect(warnings).toEqual([]);
      expect(events[0]).toEqual(started("run-1"));
      expect(events[1]).toMatchObject({ ...succeeded("run-1", "hello") });
      expect(events[1]!.outputDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    });

    it("keeps unknown event types and fields", async () => {
      const { store } = await setup();
      const custom = { type: "custom.note", runId: "run-x", at: 5, note: { deep: [1, "two"] } };
      await store.append("run-x", custom);
      expect((await store.read("run-x")).events).toEqual([custom]);
    });

    it("keeps call order for concurrent appends", async () => {
      const { store } = await setup();
      await Promise.all(Array.from({ length: 40 }, (_, i) => store.append("run-2", dispatched("run-2", i + 1, i))));
      const { events } = await store.read("run-2");
      expect(events.map((event) => event.attempt)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    });

    it("makes an append visible to a store reopened on the same location once it resolves", async () => {
      const { fixture, store } = await setup();
      await store.append("run-3", started("run-3"));
      await store.append("run-3", dispatched("run-3", 1));
      const second = await reopen(fixture);
      expect((await second.read("run-3")).events.map((event) => event.type)).toEqual(["run.started", "node.dispatched"]);
      await second.append("run-3", dispatched("run-3", 2));
      const third = await reopen(fixture);
      expect((await third.read("run-3")).events).toHaveLength(3);
    });

    it("keeps runs apart and lists them sorted", async () => {
      const { store } = await setup();
      await store.append("run-b", started("run-b"));
      await store.append("run-a", started("run-a"));
      await store.append("run-a", dispatched("run-a", 1));
      expect(await store.list()).toEqual(["run-a", "run-b"]);
      expect((await store.read("run-b")).events).toHaveLength(1);
      expect((await store.read("run-a")).events).toHaveLength(2);
    });

    it("does not let a caller mutate the journal through what it read", async () => {
      const { store } = await setup();
      await store.append("run-m", started("run-m"));
      const first = await store.read("run-m");
      first.events[0]!.planHash = "tampered";
      expect((await store.read("run-m")).events[0]!.planHash).toBe("plan-1");
    });

    it.each(["..", "../escape", "a/b", "a\\b", "", ".hidden", "-rf", "x".repeat(200)])(
      "rejects the unsafe run id %j with invalid-run-id",
      async (runId) => {
        const { store } = await setup();
        await expect(store.append(runId, started(runId))).rejects.toSatisfy((e) => codeOf(e) === "invalid-run-id");
        await expect(store.read(runId)).rejects.toSatisfy((e) => codeOf(e) === "invalid-run-id");
        expect(await store.list()).toEqual([]);
      },
    );

    it("rejects an event for another run, and an invalid event, writing nothing", async () => {
      const { store } = await setup();
      await expect(store.append("run-4", started("run-5"))).rejects.toSatisfy((e) => codeOf(e) === "journal-event-invalid");
      await expect(
        store.append("run-4", { type: "node.dispatched", runId: "run-4", at: 1, nodeId: "a" }),
      ).rejects.toSatisfy((e) => codeOf(e) === "journal-event-invalid");
      expect((await store.read("run-4")).events).toEqual([]);
    });
  });
}
