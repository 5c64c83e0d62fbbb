// Scale-out through the built CLI and a real redis-server: `hybrid worker` processes run the agents
// of a `hybrid run --redis` coordinator. One worker is killed -9 mid-job, then the coordinator is
// killed -9 and resumed. Oracles of the test's own: the journal read by hand (one success per node),
// /proc (agents alive per class, sampled; the dead worker's agent gone), the agents' effects log.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { hybrid, startHybrid, tempDir } from "./fixtures/cli/cli.js";
import { liveAgentsOf, startCensus } from "./fixtures/scale-out/census.js";
import { alive, effectLines, journalEvents, startWorker as startWorkerOn, until, useCliAndRedis } from "./fixtures/scale-out/harness.js";

const FIXTURES = new URL("./fixtures/scale-out/", import.meta.url).pathname;
const WORKFLOW = join(FIXTURES, "workflow.yaml");
const CONFIG = join(FIXTURES, "config.yaml");
const CAPS = { all: 3, implementation: 2, docs: 1 };
const NODES = (parse(readFileSync(WORKFLOW, "utf8")) as { nodes: Array<{ id: string; priority: string }> }).nodes;
const classOf = (nodeId: string): string => NODES.find((node) => node.id === nodeId)?.priority ?? "?";

const server = useCliAndRedis();

const startWorker = (name: string, queue: string, env: Record<string, string>, extra: string[] = []) =>
  startWorkerOn(server().url, name, queue, env, ["--concurrency", "2", ...extra]);

describe("hybrid worker and hybrid run --redis", { timeout: 300_000 }, () => {
  it("a worker killed -9 mid-job and a coordinator killed -9 then resumed: every node succeeds once in the journal, caps hold in OS processes", async () => {
    const dir = tempDir("hybrid-scale-out-");
    const effects = join(dir, "effects.log");
    const stateDir = join(dir, "state");
    const queue = "kill-rounds";
    const runId = "scale-out-kill";
    // Agents outlive the 2 s lease: a killed worker's agent left running would still run when its job runs again.
    const env = { SIDE_EFFECTS: effects, AGENT_SLEEP_MS: "2500" };
    const workers = ["w1", "w2", "w3"].map((name) => startWorker(name, queue, env));
    await until("the workers to be ready", () => workers.every((w) => w.output().stdout.includes("ready: waiting for jobs")));
    const census = startCensus(runId, classOf);
    const coordinatorArgs = ["--redis", server().url, "--queue", queue, "--state-dir", stateDir, "--config", CONFIG];
    const first = startHybrid(["run", WORKFLOW, "--mode", "hybrid", "--run-id", runId, ...coordinatorArgs], { cwd: dir });

    // Kill -9 the worker running the first agent that starts after the root's.
    await until("a middle-wave agent", async () => (await liveAgentsOf(runId)).some((agent) => agent.nodeId !== "root" && workers.some((w) => w.child.pid === agent.ppid)));
    const victim = (await liveAgentsOf(runId)).find((agent) => agent.nodeId !== "root" && workers.some((w) => w.child.pid === agent.ppid))!;
    const killedWorker = workers.find((w) => w.child.pid === victim.ppid)!;
    // The agent is a process group: its gate shell, `sh -c`, the node process that logs its effects.
    await until("the victim's agent to log its start", () => effectLines(effects).some((line) => line[0] === victim.nodeId && line[2] === "start"));
    const group = (await liveAgentsOf(runId)).filter((agent) => agent.pgid === victim.pgid).map((agent) => agent.pid);
    killedWorker.child.kill("SIGKILL");
    // Its agent is not left running: SIGKILLed by the sentinel (it never wrote `end`, nor the `stop` of a SIGTERM) ...
    await until(`the killed worker's agent (${group.join(", ")}) to die`, () => !group.some(alive), 10_000);

    // ... then the coordinator dies with nodes in flight, and is resumed.
    await until("three more agents to finish", () => effectLines(effects).filter((line) => line[2] === "end").length >= 4, 120_000);
    first.child.kill("SIGKILL");
    await first.done;
    // No --redis, --queue or --config: the run kept them (its Redis URL has no password).
    const resumed = await hybrid(["resume", runId, "--state-dir", stateDir], { cwd: dir });
    const peaks = await census.stop();
    expect(resumed.code, resumed.stderr + resumed.stdout).toBe(0);

    const events = journalEvents(stateDir, runId);
    const successes = events.filter((event) => event.type === "node.succeeded").map((event) => event.nodeId);
    expect(successes.toSorted()).toEqual(NODES.map((node) => node.id).toSorted());
    expect(events.at(-1)).toMatchObject({ type: "run.completed", status: "succeeded" });

    // The killed worker's node ran again elsewhere, and finished there.
    const ofVictim = effectLines(effects).filter((line) => line[0] === victim.nodeId);
    expect(ofVictim.filter((line) => line[2] === "start").length).toBeGreaterThanOrEqual(2);
    expect(ofVictim.some((line) => line[2] === "end" && !group.includes(Number(line[3])))).toBe(true);
    expect(ofVictim.filter((line) => group.includes(Number(line[3]))).map((line) => line[2])).toEqual(["start"]);

    // Caps, counted in process groups alive at once; and the sampler saw real parallelism.
    expect(peaks.samples).toBeGreaterThan(100);
    expect(peaks.peak).toBeLessThanOrEqual(CAPS.all);
    expect(peaks.peakByClass.implementation ?? 0).toBeLessThanOrEqual(CAPS.implementation);
    expect(peaks.peakByClass.docs ?? 0).toBeLessThanOrEqual(CAPS.docs);
    expect(peaks.peak).toBeGreaterThanOrEqual(2);

    // The surviving workers stop cleanly on SIGTERM.
    const survivors = workers.filter((w) => w !== killedWorker);
    for (const w of survivors) w.child.kill("SIGTERM");
    for (const w of survivors) {
      const result = await w.done;
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/stopped\n$/);
    }
    console.info(`[scale-out] peaks ${JSON.stringify(peaks)}; ${victim.nodeId} killed on ${victim.ppid}; ${effectLines(effects).length} effect lines`);
  });

  it("SIGTERM hands a running job back: another worker finishes it, the coordinator journals no failure", async () => {
    const dir = tempDir("hybrid-scale-out-");
    const effects = join(dir, "effects.log");
    const stateDir = join(dir, "state");
    const queue = "handback";
    const workflow = join(dir, "one.yaml");
    await import("node:fs/promises").then((fs) => fs.writeFile(workflow, "version: 1\nid: one\nnodes:\n  - { id: only, agent: dev, priority: implementation, scope: s, acceptance: [work finished], dependsOn: [] }\n"));
    const first = startWorker("leaving", queue, { SIDE_EFFECTS: effects, AGENT_SLEEP_MS: "4000" }, ["--drain-timeout", "200"]);
    await until("the first worker", () => first.output().stdout.includes("ready: waiting for jobs"));
    const run = startHybrid(["run", workflow, "--mode", "hybrid", "--run-id", "handback", "--redis", server().url, "--queue", queue, "--state-dir", stateDir], { cwd: dir });
    await until("the agent to start", () => effectLines(effects).some((line) => line[2] === "start"));
    const second = startWorker("staying", queue, { SIDE_EFFECTS: effects, AGENT_SLEEP_MS: "100" });
    first.child.kill("SIGTERM");
    const left = await first.done;
    expect(left.code, left.stderr).toBe(0);
    expect(left.stdout).toMatch(/handed back handback\/only: another worker runs it/);
    const finished = await run.done;
    expect(finished.code, finished.stderr).toBe(0);
    const events = journalEvents(stateDir, "handback");
    expect(events.filter((event) => event.type === "node.failed")).toEqual([]);
    expect(events.filter((event) => event.type === "node.succeeded").map((event) => event.nodeId)).toEqual(["only"]);
    expect(second.output().stdout).toMatch(/completed handback\/only/);
    second.child.kill("SIGTERM");
    expect((await second.done).code).toBe(0);
  });
});
