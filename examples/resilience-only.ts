// The resilience policies alone: a retry policy and a circuit breaker around flaky "agents", a file
// journal under the run's lock, a crash, a resume with planReplay (completed work is reused only if
// it was produced from the current versions of all its ancestors), a forced resume after the plan
// changed, and a post-mortem of what still failed. Only @hybrid/resilience is used.
//   pnpm tsx --conditions=@hybrid/source examples/resilience-only.ts
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  buildPostMortemFromJournal,
  classifyError,
  createBreakerRegistry,
  createFileCheckpointStore,
  createRetryPolicy,
  digestOutput,
  planReplay,
  renderPostMortemMarkdown,
  resolveResiliencePolicy,
  withTimeout,
} from "@hybrid/resilience";
import type { BreakerRegistry, CheckpointStore, ErrorInfo, FailureCategory, JournalEvent } from "@hybrid/resilience";

const policy = resolveResiliencePolicy({ retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 50 }, timeoutMs: 1_000 });
const seed = 42; // retry delays are drawn from (seed, node id, attempt): a resume sleeps the same ones
const retry = createRetryPolicy(policy.retry, { seed });
const dir = await mkdtemp(join(tmpdir(), "hybrid-resilience-example-"));
const redact = (text: string): string => text.replaceAll(/sk-[A-Za-z0-9]+/g, "[secret]");
const runId = "example-run";

interface Node {
  id: string;
  agent: string;
  specHash: string;
  dependsOn: string[];
}
// Structurally a ReplayPlanInput (what replay needs of a plan), with each node's agent.
interface Plan {
  planHash: string;
  nodes: Node[];
}
const planOf = (buildSpec: string): Plan => ({
  planHash: `plan-${buildSpec}`,
  nodes: [
    { id: "design", agent: "architect", specHash: "d1", dependsOn: [] },
    { id: "build", agent: "coder", specHash: buildSpec, dependsOn: ["design"] },
    { id: "docs", agent: "writer", specHash: "o1", dependsOn: ["build"] },
    { id: "lint", agent: "linter", specHash: "l1", dependsOn: ["design"] },
  ],
});

// The "agents": build is rate limited once (transient: retried), lint is broken for good.
const calls: Record<string, number> = {};
async function agent(node: Node, upstream: Record<string, string>, signal: AbortSignal): Promise<string> {
  calls[node.id] = (calls[node.id] ?? 0) + 1;
  signal.throwIfAborted();
  if (node.id === "build" && calls[node.id] === 1) throw Object.assign(new Error("rate limited"), { status: 429 });
  if (node.id === "lint") throw Object.assign(new Error("config sk-abc123 not found"), { exitCode: 2, stderrTail: "lint: cannot read .lintrc" });
  return `${node.id} (${node.specHash}) from [${Object.values(upstream).join(", ")}]`;
}

const errorInfo = (error: unknown): ErrorInfo => {
  const e = error as { message?: unknown; exitCode?: unknown; stderrTail?: unknown };
  return {
    code: classifyError(error),
    message: String(e.message ?? error),
    ...(typeof e.exitCode === "number" ? { exitCode: e.exitCode } : {}),
    ...(typeof e.stderrTail === "string" ? { stderrTail: e.stderrTail } : {}),
  };
};

/** One "process" of the run: lock it, plan the replay, run what is left, let go. */
async function runProcess(plan: Plan, options: { force?: boolean; crashBefore?: string } = {}): Promise<void> {
  const store: CheckpointStore = createFileCheckpointStore({ dir, redact });
  const lock = await store.lock!(runId); // a second process would get LockedError naming this one
  const journal = (event: { type: JournalEvent["type"]; [key: string]: unknown }): Promise<void> =>
    store.append(runId, { ...event, runId, at: Date.now() } as JournalEvent);
  try {
    const { events } = await store.read(runId);
    const replay = planReplay(plan, events, { force: options.force ?? false });
    console.log(
      `${events.length === 0 ? "start" : "resume"}: reuse [${replay.completed.map((c) => c.nodeId)}], ` +
        `run [${replay.toRun.map((r) => `${r.nodeId}#${r.attempt} ${r.reason}${r.idempotencyKey ? ` (key ${r.idempotencyKey})` : ""}`)}], ` +
        `failed [${replay.failed.map((f) => f.nodeId)}]`,
    );
    const breakers: BreakerRegistry = createBreakerRegistry(policy.breaker, {
      initialState: replay.breakers,
      onChange: (change) => void journal({ type: "breaker.changed", ...change }),
    });
    const nodes = plan.nodes.map(({ id, agent: name, specHash, dependsOn }) => ({ id, agent: name, priority: "implementation", wave: 0, specHash, dependsOn }));
    const head = { planHash: plan.planHash, workflowId: "example", mode: "wave", nodes, breakers: breakers.toJSON() };
    await journal(events.length === 0 ? { type: "run.started", ...head, seed } : { type: "run.resumed", ...head, forced: replay.forced, retryFailed: false });

    const outputs = new Map(replay.completed.map((c) => [c.nodeId, c.output]));
    const failed = new Set<string>();
    const blockerOf = new Map<string, string>(); // replay.toRun is in dependency order
    for (const next of replay.toRun) {
      const node = plan.nodes.find((n) => n.id === next.nodeId)!;
      const base = { nodeId: node.id, agent: node.agent };
      const stuck = node.dependsOn.find((dep) => failed.has(dep) || blockerOf.has(dep));
      if (stuck !== undefined) {
        blockerOf.set(node.id, blockerOf.get(stuck) ?? stuck);
        await journal({ type: "node.blocked", ...base, blockedBy: blockerOf.get(node.id)! });
        continue;
      }
      // Lineage: what this node is prepared from, by digest; a resume reuses its output only while these are current.
      const upstream = Object.fromEntries(node.dependsOn.map((dep) => [dep, outputs.get(dep)!]));
      const inputs = Object.fromEntries(Object.entries(upstream).map(([dep, output]) => [dep, digestOutput(output)]));
      const common = { ...base, specHash: node.specHash, inputs };
      // An unfinished dispatch of the same spec and inputs is the same attempt: its key is reused.
      const key = next.idempotencyKey ?? `${runId}:${node.id}:${node.specHash}:${next.attempt}`;
      if (node.id === options.crashBefore) {
        await journal({ type: "node.dispatched", ...common, priority: "implementation", wave: 0, attempt: next.attempt, idempotencyKey: key });
        console.log(`  (crash while ${node.id} is in flight, key ${key})`);
        return;
      }
      let attempt = next.attempt;
      try {
        const output = await retry.execute(
          async ({ attempt: current, signal }) => {
            attempt = current;
            await journal({ type: "node.dispatched", ...common, priority: "implementation", wave: 0, attempt, idempotencyKey: key });
            const startedAt = Date.now();
            const text = await breakers.execute(node.agent, () => withTimeout((inner) => agent(node, upstream, inner), policy.timeoutMs, signal));
            await journal({ type: "node.succeeded", ...common, attempt, output: text, outputDigest: digestOutput(text), tokens: { input: 100, output: 20 }, startedAt, durationMs: Date.now() - startedAt });
            return text;
          },
          {
            key: node.id,
            startAttempt: next.attempt,
            // Journaled before the backoff sleep, so a crash during the sleep still knows the attempt.
            onRetry: async (info) => {
              await journal({ type: "node.failed", ...common, attempt: info.attempt, final: false, error: errorInfo(info.error) });
              await journal({ type: "node.retrying", ...base, attempt: info.attempt, nextAttempt: info.nextAttempt, delayMs: info.delayMs, error: errorInfo(info.error) });
            },
          },
        );
        outputs.set(node.id, output);
        console.log(`  ${node.id}: ${output}`);
      } catch (error) {
        const kind = classifyError(error);
        const category: FailureCategory = kind === "transient" ? "transient-exhausted" : kind === "aborted" ? "permanent" : kind;
        await journal({ type: "node.failed", ...common, attempt, final: true, category, error: errorInfo(error) });
        failed.add(node.id);
        console.log(`  ${node.id}: failed (${category}; see the post-mortem)`);
      }
    }
    const succeeded = outputs.size;
    await journal({
      type: "run.completed",
      status: succeeded === plan.nodes.length ? "succeeded" : "failed",
      counts: { total: plan.nodes.length, succeeded, failed: failed.size + replay.failed.length, blocked: blockerOf.size + replay.blocked.length, skipped: 0 },
    });
  } finally {
    await lock.release();
    await store.close?.();
  }
}

try {
  console.log("first process:");
  await runProcess(planOf("b1"), { crashBefore: "docs" });
  console.log("second process (same plan):");
  await runProcess(planOf("b1"));
  // The build node's spec changes: design is reused, build and everything built on it runs again.
  console.log("third process (build changed, forced):");
  await runProcess(planOf("b2"), { force: true });

  const { events } = await createFileCheckpointStore({ dir, redact }).read(runId);
  const postMortem = buildPostMortemFromJournal(events, { maxAttempts: policy.retry.maxAttempts, redact });
  console.log(`\n${renderPostMortemMarkdown(postMortem)}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
