// Shared setup of the BullMQ adapter's tests: one real redis-server per test file, a fresh queue per
// test, in-process workers running function agents, and everything a test opened closed after it.
import { Queue } from "bullmq";
import { startRedisServer } from "@hybrid/test-utils";
import type { RedisServer } from "@hybrid/test-utils";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { createBullmqRunner, createBullmqWorker } from "../src/bullmq/index.js";
import type { BullmqRunner, BullmqRunnerOptions, BullmqWorker, BullmqWorkerOptions, WorkerEvent } from "../src/bullmq/index.js";
import { createFunctionRunner } from "../src/function-runner.js";
import type { AgentFunction } from "../src/function-runner.js";

let server: RedisServer | undefined;
const cleanups: (() => Promise<unknown>)[] = [];

/** Starts redis-server for the calling file; returns it (valid inside tests). */
export function useRedis(): () => RedisServer {
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterEach(async () => {
    // Last opened, first closed: workers before the proxy they connect through.
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    await server?.stop();
  });
  return () => server!;
}

/** Runs `cleanup` after the current test. */
export const defer = (cleanup: () => Promise<unknown>): void => void cleanups.push(cleanup);

let queues = 0;
/** A queue name no other test (or earlier run against the same server) uses. */
export const freshQueue = (): string => `q-${process.pid}-${++queues}-${Math.random().toString(36).slice(2, 8)}`;

/** A coordinator-side runner on `queue`, closed after the test. Polls often: events can be missed. */
export function runnerOn(queue: string, extra: Partial<BullmqRunnerOptions> = {}): BullmqRunner {
  const runner = createBullmqRunner({ connection: server!.url, queue, pollIntervalMs: 100, ...extra });
  defer(() => runner.close());
  return runner;
}

export interface TestWorker {
  worker: BullmqWorker;
  events: WorkerEvent[];
}

/** An in-process worker on `queue` running `fn` with the function runner; ready when returned. */
export async function workerOn(queue: string, fn: AgentFunction, extra: Partial<BullmqWorkerOptions> = {}): Promise<TestWorker> {
  const events: WorkerEvent[] = [];
  const worker = createBullmqWorker({
    connection: server!.url,
    queue,
    runner: createFunctionRunner(fn),
    redact: (text) => text,
    onEvent: (event) => events.push(event),
    ...extra,
  });
  defer(() => worker.stop({ graceMs: 0 }));
  await worker.ready();
  return { worker, events };
}

/** A plain BullMQ queue handle, to look at (or write to) the queue as other software would. */
export function inspect(queue: string): Queue {
  const handle = new Queue(queue, { connection: { host: "127.0.0.1", port: server!.port, maxRetriesPerRequest: null } });
  defer(() => handle.close());
  return handle;
}

/** The rejection reason of `promise`; fails the test if it resolves. */
export function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => expect.unreachable(`expected a rejection, got ${JSON.stringify(value)}`),
    (error: unknown) => error,
  );
}

/** A promise with its resolve function. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** An agent that runs until its signal aborts (then rejects with the reason); `started` resolves when it runs. */
export function hangingAgent(): { fn: AgentFunction; started: Promise<void>; aborted: () => boolean } {
  const started = deferred();
  let aborted = false;
  const fn: AgentFunction = (_task, signal) =>
    new Promise<string>((_resolve, reject) => {
      started.resolve();
      signal.addEventListener("abort", () => {
        aborted = true;
        reject(signal.reason);
      });
    });
  return { fn, started: started.promise, aborted: () => aborted };
}

/** Polls until `check` holds; a bound against hangs only (throws after `tries` × `everyMs`). */
export async function until(check: () => boolean | Promise<boolean>, tries = 400, everyMs = 25): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error("condition never became true");
}
