// The contract every HandoffSink must meet (dispatch's `HandoffSink`): one record per idempotency
// key, a real URL, stop on abort, redaction of what it writes. Typed structurally, so test-utils does
// not depend on @hybrid/dispatch. What the sink stored is read back from its backing store (the
// file, the server) by the fixture, never through the sink.
import { afterEach, describe, expect, it } from "vitest";

/** One handoff (structurally dispatch's `HandoffEntry`). */
export interface ContractHandoffEntry {
  runId: string;
  nodeId: string;
  agent: string;
  at: number;
  summary: string;
  issue?: { owner: string; repo: string; number: number };
  idempotencyKey: string;
}

/** The sink surface under test (structurally dispatch's `HandoffSink`). */
export interface ContractHandoffSink {
  record(entry: ContractHandoffEntry, options?: { signal?: AbortSignal }): Promise<{ url: string }>;
}

/** A sink over a fresh, empty backing store, and ways to look at that store. */
export interface HandoffSinkFixture {
  sink: ContractHandoffSink;
  /** The text of every record of `idempotencyKey` in the backing store, read without the sink. */
  read(idempotencyKey: string): Promise<string[]>;
  /** Makes the backing store hang (a held lock, unanswered requests) until the returned function is called. */
  stall?(): Promise<() => Promise<void>>;
  cleanup?(): Promise<void>;
}

/** Options of {@link testHandoffSink}. */
export interface HandoffSinkContractOptions {
  name: string;
  /** Makes a sink over a fresh store; it must apply `redact` to what it writes. */
  create(options: { redact: (text: string) => string }): HandoffSinkFixture | Promise<HandoffSinkFixture>;
  /** The issue entries carry (a GitHub sink records only entries that have one). @default none */
  issue?: { owner: string; repo: string; number: number };
  /** Catastrophic bound for rejecting after an abort (not a timing assertion). @default 10000 */
  abortWithinMs?: number;
}

/** The redactor the suite hands to the sink: it hides `SECRET-<digits>`. */
export const contractRedact = (text: string): string => text.replace(/SECRET-\d+/g, "[REDACTED]");

/**
 * Registers the HandoffSink contract suite.
 * @example testHandoffSink({ name: "ledger", create: async ({ redact }) => { const dir = await tmp(); const sink = createLedgerSink({ dir, redact }); return { sink, read: (key) => linesOf(dir, key) }; } });
 */
export function testHandoffSink(options: HandoffSinkContractOptions): void {
  const bound = options.abortWithinMs ?? 10_000;
  let counter = 0;
  const entry = (extra: Partial<ContractHandoffEntry> = {}): ContractHandoffEntry => {
    counter++;
    return {
      runId: "contract-run",
      nodeId: `node-${counter}`,
      agent: "contract-agent",
      at: Date.UTC(2026, 0, 1),
      summary: `summary ${counter}`,
      idempotencyKey: `contract-run:node-${counter}:spec-${counter}`,
      ...(options.issue ? { issue: options.issue } : {}),
      ...extra,
    };
  };

  describe(`HandoffSink contract: ${options.name}`, () => {
    const fixtures: HandoffSinkFixture[] = [];
    afterEach(async () => {
      for (const fixture of fixtures.splice(0)) await fixture.cleanup?.();
    });
    const setup = async (): Promise<HandoffSinkFixture> => {
      const fixture = await options.create({ redact: contractRedact });
      fixtures.push(fixture);
      return fixture;
    };

    it("returns a URL and stores one record holding the summary", async () => {
      const { sink, read } = await setup();
      const handoff = entry();
      const { url } = await sink.record(handoff);
      expect(() => new URL(url)).not.toThrow();
      const stored = await read(handoff.idempotencyKey);
      expect(stored).toHaveLength(1);
      expect(stored[0]).toContain(handoff.summary);
    });

    it("records a key once: again, and concurrently, it returns the first URL and keeps the first summary", async () => {
      const { sink, read } = await setup();
      const handoff = entry();
      const first = await sink.record(handoff);
      expect(await sink.record({ ...handoff, summary: "second summary" })).toEqual(first);
      const fresh = entry();
      const concurrent = await Promise.all([0, 1, 2].map((i) => sink.record({ ...fresh, summary: `concurrent ${i}` })));
      expect(new Set(concurrent.map((r) => r.url)).size).toBe(1);
      expect(await read(handoff.idempotencyKey)).toHaveLength(1);
      expect((await read(handoff.idempotencyKey))[0]).not.toContain("second summary");
      expect(await read(fresh.idempotencyKey)).toHaveLength(1);
    });

    it("records a new key of the same node (a forced re-run) as a new record with its new summary", async () => {
      const { sink, read } = await setup();
      const before = entry();
      const after = { ...before, idempotencyKey: `${before.idempotencyKey}-changed`, summary: "the re-run's summary" };
      const first = await sink.record(before);
      const second = await sink.record(after);
      expect(second.url).not.toBe(first.url);
      expect(await read(before.idempotencyKey)).toHaveLength(1);
      const stored = await read(after.idempotencyKey);
      expect(stored).toHaveLength(1);
      expect(stored[0]).toContain("the re-run's summary");
    });

    it("rejects with the signal's reason, recording nothing, when the signal is already aborted", async () => {
      const { sink, read } = await setup();
      const handoff = entry();
      const reason = new Error("contract: stopped");
      await expect(sink.record(handoff, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
      expect(await read(handoff.idempotencyKey)).toEqual([]);
    });

    it("rejects promptly when the signal aborts mid-record, and the key can still be recorded once later", async () => {
      const fixture = await setup();
      const handoff = entry();
      const release = fixture.stall ? await fixture.stall() : undefined;
      const controller = new AbortController();
      const pending = fixture.sink.record(handoff, { signal: controller.signal });
      const reason = new Error("contract: stop mid-record");
      const abortedAt = Date.now();
      controller.abort(reason);
      await expect(pending).rejects.toBe(reason);
      expect(Date.now() - abortedAt).toBeLessThan(bound);
      await release?.();
      const { url } = await fixture.sink.record(handoff);
      expect(() => new URL(url)).not.toThrow();
      expect(await fixture.read(handoff.idempotencyKey)).toHaveLength(1);
    });

    it("redacts what it writes (summary, agent) and keeps the key", async () => {
      const { sink, read } = await setup();
      const handoff = entry({ summary: "used token SECRET-1234 to deploy", agent: "agent-SECRET-99" });
      await sink.record(handoff);
      const [stored] = await read(handoff.idempotencyKey);
      expect(stored).toBeDefined();
      expect(stored).not.toContain("SECRET-");
      expect(stored).toContain("used token [REDACTED] to deploy");
    });
  });
}
