// The resilience policies alone: a retry policy and a circuit breaker around a flaky "agent", a
// file journal, a crash, planReplay to resume without repeating completed work, and a post-mortem
// for what still failed. Only @hybrid/resilience is used.
//   pnpm tsx --conditions=@hybrid/source examples/resilience-only.ts
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  TransientError,
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
import type { JournalEvent } from "@hybrid/resilience";

const policy = resolveResiliencePolicy({ retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 50 }, timeoutMs: 1_000 });
let seed = 42; // a seeded random source: the backoff delays are the same on every run
const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
const retry = createRetryPolicy(policy.retry, { random });
const dir = await mkdtemp(join(tmpdir(), "hybrid-resilience-example-"));
const store = createFileCheckpointStore({ dir, redact: (text) => text.replaceAll(/sk-[A-Za-z0-9]+/g, "[secret]") });
const runId = "example-run";
const plan = {
  planHash: "plan-v1",
  nodes: [
    { id: "design", specHash: "d1", dependsOn: [] },
    { id: "build", specHash: "b1", dependsOn: ["design"] },
    { id: "docs", specHash: "o1", dependsOn: ["build"] },
    { id: "lint", specHash: "l1", dependsOn: ["design"] },
  ],
};
const agentOf: Record<string, string> = { design: "architect", build: "coder", docs: "writer", lint: "linter" };
const journal = (event: { type: string; [key: string]: unknown }): Promise<void> =>
  store.append(runId, { ...event, runId, at: Date.now() } satisfies JournalEvent);

// The "agents": build is rate limited once (a transient error: retried), lint is broken for good.
const calls: Record<string, number> = {};
async function agent(nodeId: string, signal: AbortSignal): Promise<string> {
  calls[nodeId] = (calls[nodeId] ?? 0) + 1;
  if (signal.aborted) throw new Error("aborted");
  if (nodeId === "build" && calls[nodeId]! <= 1) throw Object.assign(new Error("rate limited"), { status: 429 });
  if (nodeId === "lint") throw Object.assign(new Error("config sk-abc123 not found"), { exitCode: 2, stderrTail: "lint: cannot read .lintrc" });
  return `${nodeId} done`;
}

async function runNode(nodeId: string, breakers: ReturnType<typeof createBreakerRegistry>, startAttempt = 1, key = `${runId}:${nodeId}`): Promise<boolean> {
  const agentName = agentOf[nodeId]!;
  let lastAttempt = startAttempt;
  try {
    const output = await retry.execute(
      async ({ attempt, signal }) => {
        lastAttempt = attempt;
        await journal({ type: "node.dispatched", nodeId, agent: agentName, attempt, idempotencyKey: key });
        const text = await breakers.execute(agentName, () => withTimeout((inner) => agent(nodeId, inner), policy.timeoutMs, signal));
        await journal({ type: "node.succeeded", nodeId, agent: agentName, attempt, output: text, outputDigest: digestOutput(text), tokens: { input: 100, output: 20 }, durationMs: 1 });
        return text;
      },
      {
        startAttempt,
        // Journaled before the backoff sleep, so a crash during the sleep still knows the attempt.
        onRetry: ({ attempt, nextAttempt, delayMs, error }) =>
          journal({ type: "node.retrying", nodeId, agent: agentName, attempt, nextAttempt, delayMs, error: String(error) }),
      },
    );
    console.log(`  ${nodeId}: ${output}`);
    return true;
  } catch (error) {
    const e = error as { message: string; exitCode?: number; stderrTail?: string };
    const kind = classifyError(error);
    const category = kind === "transient" ? "transient-exhausted" : kind === "aborted" ? "permanent" : kind;
    await journal({ type: "node.failed", nodeId, agent: agentName, attempt: lastAttempt, final: true, category, error: { code: kind, message: e.message, exitCode: e.exitCode, stderrTail: e.stderrTail } });
    console.log(`  ${nodeId}: failed (${category}; see the post-mortem)`);
    return false;
  }
}

try {
  // First run: design completes, then the process "crashes" while build is in flight.
  const breakers = createBreakerRegistry(policy.breaker, {
    onChange: (change) => void journal({ type: "breaker.changed", ...change }),
  });
  await journal({ type: "run.started", planHash: plan.planHash, workflowId: "example", nodes: plan.nodes.map((n) => ({ ...n, agent: agentOf[n.id]! })) });
  console.log("first run:");
  await runNode("design", breakers);
  await journal({ type: "node.dispatched", nodeId: "build", agent: "coder", attempt: 1, idempotencyKey: `${runId}:build` });
  console.log("  (crash while build is in flight)");

  // Resume: read the journal back (a fresh store, as a new process would) and plan the replay.
  const { events } = await createFileCheckpointStore({ dir }).read(runId);
  const replay = planReplay(plan, events);
  console.log(`resume: completed [${replay.completed.map((c) => c.nodeId)}], to run [${replay.toRun.map((r) => `${r.nodeId}#${r.attempt} (${r.reason})`)}]`);
  const resumed = createBreakerRegistry(policy.breaker, { initialState: replay.breakers });
  await journal({ type: "run.resumed", planHash: plan.planHash, forced: false });
  const ok = new Set(replay.completed.map((c) => c.nodeId));
  for (const next of replay.toRun) {
    const node = plan.nodes.find((n) => n.id === next.nodeId)!;
    const failedDep = node.dependsOn.find((dep) => !ok.has(dep));
    if (failedDep) {
      await journal({ type: "node.blocked", nodeId: node.id, agent: agentOf[node.id]!, blockedBy: failedDep });
      continue;
    }
    if (await runNode(node.id, resumed, next.attempt, next.idempotencyKey)) ok.add(node.id);
  }
  await journal({ type: "run.completed", status: ok.size === plan.nodes.length ? "succeeded" : "failed" });

  // The post-mortem comes from the journal alone.
  const postMortem = buildPostMortemFromJournal((await store.read(runId)).events, { maxAttempts: policy.retry.maxAttempts });
  console.log(`\n${renderPostMortemMarkdown(postMortem)}`);
} finally {
  await store.close?.();
  await rm(dir, { recursive: true, force: true });
}
