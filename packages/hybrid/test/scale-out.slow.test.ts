// Seeded rounds of scale-out chaos (`pnpm test:slow`): a random DAG and random caps, three
// `hybrid worker` processes, then at seeded moments a worker killed -9 (and a new one started), the
// coordinator killed -9 and resumed, possibly more than once. After each round: every node
// succeeded exactly once in the journal (read by hand), the run completed, no agent of a killed
// worker outlived it, and the agents alive at once (sampled from /proc) never exceeded the caps.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateDag, seededRandom } from "@hybrid/test-utils";
import { hybrid, startHybrid, tempDir } from "./fixtures/cli/cli.js";
import { liveAgentsOf, startCensus } from "./fixtures/scale-out/census.js";
import { alive, journalEvents, sleep, startWorker, until, useCliAndRedis } from "./fixtures/scale-out/harness.js";

const server = useCliAndRedis();

interface RoundReport {
  seed: number;
  nodes: number;
  workerKills: number;
  coordinatorKills: number;
  peak: number;
}

async function round(seed: number): Promise<RoundReport> {
  const random = seededRandom(seed);
  const dir = tempDir("hybrid-scale-out-slow-");
  const effects = join(dir, "effects.log");
  const stateDir = join(dir, "state");
  const queue = `chaos-${seed}`;
  const runId = `chaos-${seed}`;
  const shapes = ["layered", "wide", "diamond", "random"] as const;
  const dag = generateDag(shapes[Math.floor(random() * shapes.length)]!, 10 + Math.floor(random() * 10), seed);
  const workflow = { ...dag, nodes: dag.nodes.map((node) => ({ ...node, acceptance: ["work finished"] })) };
  const maxParallel = 2 + Math.floor(random() * 3);
  const caps = { implementation: 1 + Math.floor(random() * 2), docs: 1 };
  writeFileSync(join(dir, "workflow.json"), JSON.stringify(workflow));
  writeFileSync(join(dir, "config.yaml"), `concurrency:\n  maxParallel: ${maxParallel}\n  caps: { implementation: ${caps.implementation}, docs: ${caps.docs} }\n`);
  const classOf = (nodeId: string): string => workflow.nodes.find((node) => node.id === nodeId)?.priority ?? "?";
  const env = { SIDE_EFFECTS: effects, AGENT_SLEEP_MS: String(800 + Math.floor(random() * 1700)) };
  let workerCount = 0;
  const spawnWorker = () => startWorker(server().url, `w${++workerCount}`, queue, env, ["--concurrency", "2"]);
  const workers = [spawnWorker(), spawnWorker(), spawnWorker()];
  await until("the workers to be ready", () => workers.every((w) => w.output().stdout.includes("ready: waiting for jobs")));
  const census = startCensus(runId, classOf);
  const coordinator = ["--state-dir", stateDir];
  const runArgs = ["run", join(dir, "workflow.json"), "--mode", "hybrid", "--run-id", runId, "--redis", server().url, "--queue", queue, "--config", join(dir, "config.yaml"), ...coordinator];
  let current = startHybrid(runArgs, { cwd: dir });
  const orphans: number[][] = [];
  let workerKills = 0;
  let coordinatorKills = 0;
  // Three disruptions at seeded moments: a worker kill, a coordinator kill, then either.
  const plan = ["worker", "coordinator", random() < 0.5 ? "worker" : "coordinator"] as const;
  for (const kind of plan) {
    await sleep(300 + random() * 1500);
    if (current.child.exitCode !== null) break;
    if (kind === "worker") {
      // The first worker seen running an agent (waiting for one, within a bound, if none is).
      let busy: (typeof workers)[number] | undefined;
      let agents: Awaited<ReturnType<typeof liveAgentsOf>> = [];
      await until(`seed ${seed}: a busy worker`, async () => {
        agents = await liveAgentsOf(runId);
        busy = workers.find((w) => w.child.exitCode === null && agents.some((agent) => agent.ppid === w.child.pid));
        return busy !== undefined || current.child.exitCode !== null;
      });
      if (!busy) break;
      const groups = new Set(agents.filter((agent) => agent.ppid === busy!.child.pid).map((agent) => agent.pgid));
      orphans.push(agents.filter((agent) => groups.has(agent.pgid)).map((agent) => agent.pid));
      busy.child.kill("SIGKILL");
      await busy.done;
      workers.push(spawnWorker());
      workerKills++;
    } else {
      current.child.kill("SIGKILL");
      await current.done;
      coordinatorKills++;
      // Killed before it kept its invocation, the run never began: start it again.
      const began = existsSync(join(stateDir, "runs", runId, "cli.json"));
      current = startHybrid(began ? ["resume", runId, ...coordinator] : runArgs, { cwd: dir });
    }
  }
  let final = await current.done;
  // A coordinator killed during its own start may leave nothing to finish; resume until it completes.
  for (let i = 0; i < 3 && final.code !== 0; i++) final = await hybrid(["resume", runId, ...coordinator], { cwd: dir });
  const peaks = await census.stop();
  expect(final.code, `seed ${seed}: ${final.stderr}${final.stdout}`).toBe(0);

  const events = journalEvents(stateDir, runId);
  const successes = events.filter((event) => event.type === "node.succeeded").map((event) => event.nodeId);
  expect(successes.toSorted(), `seed ${seed}`).toEqual(workflow.nodes.map((node) => node.id).toSorted());
  expect(events.at(-1), `seed ${seed}`).toMatchObject({ type: "run.completed", status: "succeeded" });
  for (const group of orphans) await until(`seed ${seed}: a killed worker's agent (${group.join(", ")}) to die`, () => !group.some(alive), 10_000);
  expect(peaks.peak, `seed ${seed}: ${JSON.stringify(peaks)}`).toBeLessThanOrEqual(maxParallel);
  expect(peaks.peakByClass.implementation ?? 0, `seed ${seed}`).toBeLessThanOrEqual(caps.implementation);
  expect(peaks.peakByClass.docs ?? 0, `seed ${seed}`).toBeLessThanOrEqual(caps.docs);

  for (const w of workers) if (w.child.exitCode === null) w.child.kill("SIGTERM");
  for (const w of workers) await w.done;
  return { seed, nodes: workflow.nodes.length, workerKills, coordinatorKills, peak: peaks.peak };
}

describe("scale-out chaos rounds", { timeout: 900_000 }, () => {
  it("random DAGs and caps, seeded worker and coordinator kills: each node succeeds once, caps hold in processes, no orphan agent", async () => {
    const reports: RoundReport[] = [];
    for (const seed of [11, 12, 13, 14, 15, 16]) reports.push(await round(seed));
    console.info(`[scale-out chaos] ${JSON.stringify(reports)}`);
    // The rounds must have disrupted something, or they proved nothing.
    expect(reports.reduce((n, r) => n + r.workerKills, 0)).toBeGreaterThanOrEqual(4);
    expect(reports.reduce((n, r) => n + r.coordinatorKills, 0)).toBeGreaterThanOrEqual(4);
  });
});
