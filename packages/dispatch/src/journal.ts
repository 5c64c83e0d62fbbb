import type { CheckpointStore } from "@hybrid/resilience";
import type { DispatchEvent, DispatchEventListener } from "./events.js";

/** An event before the journal stamps it with the run id and the time. */
export type EventDraft = DispatchEvent extends infer E ? (E extends DispatchEvent ? Omit<E, "runId" | "at"> : never) : never;

/**
 * The run's journal writer: stamps each event, appends it to the store (durable when the promise
 * resolves), then hands it to the listeners. Appends are issued in call order, so events issued
 * together keep their order in the store. It keeps no events itself: the post-mortem is built from
 * outcomes and counters (see run-post-mortem.ts).
 */
export class Journal {
  readonly #pending = new Set<Promise<unknown>>();
  #failure: unknown;

  constructor(
    readonly runId: string,
    private readonly store: CheckpointStore | undefined,
    private readonly listeners: readonly DispatchEventListener[],
    private readonly now: () => number,
  ) {}

  /** Appends an event; resolves once it is durable and listeners have seen it. */
  append(draft: EventDraft): Promise<DispatchEvent> {
    return this.write(draft) ?? Promise.resolve(draft as DispatchEvent);
  }

  /**
   * Appends an event like `append`, but returns `undefined` when it is already done (no store: the
   * listeners saw it synchronously), so the hot path can skip an `await` per event.
   */
  write(draft: EventDraft): Promise<DispatchEvent> | undefined {
    // Drafts are fresh literals made for this call: stamping them in place avoids a megamorphic
    // object spread per event on the hot path (same key order as `Object.assign` gave).
    const event = draft as DispatchEvent;
    event.runId = this.runId;
    event.at = this.now();
    if (!this.store) {
      this.#emit(event);
      return undefined;
    }
    const done = this.store.append(this.runId, event as never).then(() => {
      this.#emit(event);
      return event;
    });
    this.#pending.add(done);
    done.then(
      () => this.#pending.delete(done),
      (error: unknown) => {
        this.#pending.delete(done);
        this.#failure ??= error;
      },
    );
    return done;
  }

  #emit(event: DispatchEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // a listener's bug must not break the run
      }
    }
  }

  /** Appends without waiting (breaker changes arrive in a synchronous callback); `flush` awaits it. */
  appendLater(draft: EventDraft): void {
    this.append(draft).catch(() => {});
  }

  /** Waits for every append issued so far; rethrows the first append failure. */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
    if (this.#failure !== undefined) throw this.#failure;
  }

  /** The first append failure, if any. */
  get failure(): unknown {
    return this.#failure;
  }
}
