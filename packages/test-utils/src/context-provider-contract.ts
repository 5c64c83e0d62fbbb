// The contract every @hybrid/context provider must meet. A provider runs it in three lines from its
// own tests, as every shipped one does. Typed structurally, so test-utils does not depend on
// @hybrid/context (which depends on test-utils for its tests).
import { afterEach, describe, expect, it } from "vitest";

/** A segment as the contract sees it (structurally `ContextSegment`). */
export interface ContractSegment {
  id: string;
  tier: "L1" | "L2" | "L3";
  source: string;
  text: string;
  priority: number;
  pinned: boolean;
  createdAt?: string;
}

/** The request surface the contract builds on (structurally `ContextRequest`). */
export interface ContractRequest {
  node: { id: string };
  runId: string;
  signal?: AbortSignal;
}

/** The provider surface under test (structurally `ContextProvider`). */
export interface ContractProvider {
  readonly tier: "L1" | "L2" | "L3";
  readonly name: string;
  readonly required?: boolean;
  collect(request: never): Promise<ContractSegment[]>;
}

/** An event as the contract reads it (structurally every `ContextEvent`). */
export interface ContractEvent {
  type: string;
  runId?: unknown;
  nodeId?: unknown;
  at?: unknown;
}

/** One provider ready to be asked, with what it needs. */
export interface ContextProviderFixture {
  provider: ContractProvider;
  /** A request for which the provider yields at least one segment. */
  request: ContractRequest;
  /** Events the provider emitted (wire its `onEvent` to push here); empty for a provider without events. */
  events: readonly ContractEvent[];
  /** Removes what `create` made (temp dirs, servers). */
  cleanup?(): Promise<void>;
}

/** Options of {@link testContextProvider}. */
export interface ContextProviderContractOptions {
  name: string;
  /** A fresh provider, request and event list for one test. */
  create(): ContextProviderFixture | Promise<ContextProviderFixture>;
}

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !(value instanceof AbortSignal) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

const ask = (fixture: ContextProviderFixture, request: ContractRequest = fixture.request) =>
  (fixture.provider.collect as (request: ContractRequest) => Promise<ContractSegment[]>)(request);

/**
 * Runs the provider contract: a declared tier and name; valid segments, all of the declared tier,
 * with unique ids and `createdAt` as an instant with an offset; the same request gives the same
 * segments; the request is not mutated; every event names the request's run and node; an aborted
 * request settles.
 */
export function testContextProvider(options: ContextProviderContractOptions): void {
  describe(`${options.name}: context provider contract`, () => {
    let fixture: ContextProviderFixture | undefined;
    const make = async () => (fixture = await options.create());
    afterEach(async () => {
      await fixture?.cleanup?.();
      fixture = undefined;
    });

    it("declares a tier, a name and a collect method", async () => {
      const { provider } = await make();
      expect(["L1", "L2", "L3"]).toContain(provider.tier);
      expect(typeof provider.name).toBe("string");
      expect(provider.name.length).toBeGreaterThan(0);
      expect(provider.required === undefined || typeof provider.required === "boolean").toBe(true);
      expect(typeof provider.collect).toBe("function");
    });

    it("yields valid segments of its declared tier with unique ids", async () => {
      const f = await make();
      const segments = await ask(f);
      expect(segments.length).toBeGreaterThan(0);
      for (const s of segments) {
        expect(typeof s.id === "string" && s.id.length > 0, JSON.stringify(s.id)).toBe(true);
        expect(s.tier, s.id).toBe(f.provider.tier);
        expect(typeof s.source, s.id).toBe("string");
        expect(typeof s.text, s.id).toBe("string");
        expect(Number.isFinite(s.priority), s.id).toBe(true);
        expect(typeof s.pinned, s.id).toBe("boolean");
        if (s.createdAt !== undefined) {
          expect(s.createdAt, s.id).toMatch(ISO_WITH_OFFSET);
          expect(Number.isNaN(Date.parse(s.createdAt)), s.id).toBe(false);
        }
      }
      expect(new Set(segments.map((s) => s.id)).size).toBe(segments.length);
    });

    it("gives the same segments for the same request", async () => {
      const f = await make();
      const first = await ask(f);
      expect(await ask(f)).toEqual(first);
    });

    it("leaves the request as it was (a deeply frozen request works)", async () => {
      const f = await make();
      const before = JSON.stringify(f.request);
      const segments = await ask(f, deepFreeze(f.request));
      expect(segments.length).toBeGreaterThan(0);
      expect(JSON.stringify(f.request)).toBe(before);
    });

    it("names the request's run and node in every event", async () => {
      const f = await make();
      await ask(f);
      await ask(f);
      for (const event of f.events) {
        expect(event.type).toMatch(/^context\./);
        expect(event.runId, event.type).toBe(f.request.runId);
        expect(event.nodeId, event.type).toBe(f.request.node.id);
        expect(String(event.at), event.type).toMatch(ISO_WITH_OFFSET);
      }
    });

    it("settles when the request is already aborted", async () => {
      const f = await make();
      const controller = new AbortController();
      controller.abort(new Error("cancelled by the contract"));
      const outcome = await ask(f, { ...f.request, signal: controller.signal }).then(
        (segments) => ({ segments }),
        (error: unknown) => ({ error }),
      );
      if ("segments" in outcome) for (const s of outcome.segments) expect(s.tier).toBe(f.provider.tier);
      else expect(outcome.error).toBeDefined();
    });
  });
}
