// The contract every CheckpointStore must meet (one writer per run, appended and flushed before acknowledged: docs/journal.md). A store implementation runs it in
// three lines from its own tests. Typed structurally, so test-utils does not depend on
// @hybrid/resilience (which depends on test-utils for its tests); the events used are valid under
// resilience's journal vocabulary (docs/journal.md).
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";

/** A journal event, as the store sees it. */
export type ContractJournalEvent = { type: string; at: number; runId: string; [key: string]: unknown };

/** A run's writer lock, as `CheckpointStore.lock` returns it. */
export interface ContractRunLock {
  release(): Promise<void>;
}

/** The store surface under test (structurally the same as `CheckpointStore`). */
export interface ContractCheckpointStore {
  append(runId: string, event: ContractJournalEvent): Promise<void>;
  read(runId: string): Promise<{ events: ContractJournalEvent[]; warnings: string[] }>;
  list(): Promise<string[]>;
  /** Optional in the interface; when a store has it, the contract holds it to exclusivity. */
  lock?(runId: string): Promise<ContractRunLock>;
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

const digest = (text: string): string => `sha256:${createHash("sha256").update(text, "utf8").digest("hex")}`;
const node = { id: "a", agent: "coder", priority: "implementation", wave: 0, dependsOn: [], specHash: "s-a" };

const started = (runId: string, at = 1): ContractJournalEvent => ({
  type: "run.started",
  runId,
  at,
  planHash: "plan-1",
  workflowId: "wf",
  mode: "wave",
  seed: 7,
  nodes: [node],
  breakers: {},
});

const dispatched = (runId: string, attempt: number, at = 2): ContractJournalEvent => ({
  type: "node.dispatched",
  runId,
  at,
  nodeId: "a",
  agent: "coder",
  priority: "implementation",
  wave: 0,
  attempt,
  idempotencyKey: `${runId}:a`,
  specHash: "s-a",
  inputs: {},
});

const succeeded = (runId: string, output: string): ContractJournalEvent => ({
  type: "node.succeeded",
  runId,
  at: 3,
  nodeId: "a",
  agent: "coder",
  attempt: 1,
  output,
  outputDigest: digest(output),
  specHash: "s-a",
  inputs: {},
  tokens: { input: 10, output: 5 },
  startedAt: 2,
  durationMs: 7,
});

function field(error: unknown, name: string): unknown {
  return typeof error === "object" && error !== null ? (error as Record<string, unknown>)[name] : undefined;
}
const codeOf = (error: unknown): unknown => field(error, "code");
// resilience's brand guard, read structurally: `isLockedError` checks this `Symbol.for` brand.
const isLockedError = (error: unknown): boolean =>
  typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[Symbol.for("hybrid.resilience.LockedError")] === true;

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

    it("round-trips valid events unchanged", async () => {
      const { store } = await setup();
      await store.append("run-1", started("run-1"));
      await store.append("run-1", dispatched("run-1", 1));
      await store.append("run-1", succeeded("run-1", "hello"));
      expect(await store.read("run-1")).toEqual({
        events: [started("run-1"), dispatched("run-1", 1), succeeded("run-1", "hello")],
        warnings: [],
      });
    });

    it("rejects an event type outside the vocabulary and a field its type does not have, writing nothing", async () => {
      const { store } = await setup();
      await store.append("run-x", started("run-x"));
      const custom = { type: "custom.note", runId: "run-x", at: 5, note: { deep: [1, "two"] } };
      await expect(store.append("run-x", custom)).rejects.toSatisfy((e) => codeOf(e) === "journal-event-invalid" && field(e, "eventType") === "custom.note");
      await expect(store.append("run-x", { ...dispatched("run-x", 1), extra: true })).rejects.toSatisfy((e) => codeOf(e) === "journal-event-invalid");
      expect((await store.read("run-x")).events).toEqual([started("run-x")]);
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
      await store.close?.();
      const second = await reopen(fixture);
      expect((await second.read("run-3")).events.map((event) => event.type)).toEqual(["run.started", "node.dispatched"]);
      await second.append("run-3", dispatched("run-3", 2));
      await second.close?.();
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

    it("does not let a caller mutate the journal through what it read, or through what it appended", async () => {
      const { store } = await setup();
      const event = started("run-m");
      await store.append("run-m", event);
      event.planHash = "changed-after-append";
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
        if (store.lock) await expect(store.lock(runId)).rejects.toSatisfy((e) => codeOf(e) === "invalid-run-id");
        expect(await store.list()).toEqual([]);
      },
    );

    it("rejects an event for another run, and an event missing required fields, writing nothing", async () => {
      const { store } = await setup();
      await expect(store.append("run-4", started("run-5"))).rejects.toSatisfy((e) => codeOf(e) === "journal-event-invalid");
      await expect(store.append("run-4", { type: "node.dispatched", runId: "run-4", at: 1, nodeId: "a" })).rejects.toSatisfy(
        (e) => codeOf(e) === "journal-event-invalid",
      );
      expect((await store.read("run-4")).events).toEqual([]);
    });

    it("lock(): a second lock of a held run is refused with LockedError (also through a second store on the same location), and release lets the next one in", async (context) => {
      const { fixture, store } = await setup();
      if (!store.lock) context.skip("this store has no lock(): it cannot stop a second writer");
      const other = await reopen(fixture);
      const held = await store.lock!("run-l");
      await expect(store.lock!("run-l")).rejects.toSatisfy((e) => isLockedError(e) && codeOf(e) === "locked" && field(e, "what") === "run run-l");
      await expect(other.lock!("run-l")).rejects.toSatisfy(isLockedError);
      // Another run is not affected.
      const unrelated = await other.lock!("run-other");
      // The holder writes under its lock.
      await store.append("run-l", started("run-l"));

      await held.release();
      await held.release(); // safe to call twice
      const next = await other.lock!("run-l");
      await other.append("run-l", dispatched("run-l", 1));
      await expect(store.lock!("run-l")).rejects.toSatisfy(isLockedError);
      await next.release();
      await unrelated.release();
      expect((await store.read("run-l")).events.map((event) => event.type)).toEqual(["run.started", "node.dispatched"]);
    });
  });
}
