// Caps, stops, timeouts and the run lock, held for OS processes and not just for promises (issue 9,
// items 2–4): real command agents (fixtures/agents.ts) that ignore SIGTERM and start children of
// their own, real orchestrator processes (fixtures/kill-run.ts), and oracles of the test's own: a
// monitor process reading the process table (fixtures/monitor.ts), a scan of /proc at the moment a
// promise settles (fixtures/process-table.ts), the agents' log, and the journal read by hand.
import { existsSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDispatchController } from "../src/controller.js";
import { agentRunner, profilePrepare } from "./fixtures/agents.js";
import type { AgentProfile } from "./fixtures/agents.js";
import { gate, readAgentLog, readJournalByHand, scratchDir, segments, sleep, startMonitor, startOrchestrator, TAG_PREFIX, waitFor } from "./fixtures/harness.js";
import type { AgentStart, HandEvent, Monitor, Orchestrator } from "./fixtures/harness.js";
import type { KillRunConfig } from "./fixtures/kill-run.js";
import { liveAgentGroups, liveAgents } from "./fixtures/process-table.js";
import { node, planOf } from "./helpers.js";

let monitor: Monitor;
beforeAll(async () => {
  monitor = await startMonitor();
}, 60_000);
afterAll(async () => {
  const { samples, maxGapMs } = await monitor.stop();
  console.info(`[processes] monitor: ${samples} scans, longest gap ${maxGapMs} ms`);
});

// Bounds against hangs on a loaded machine, never timing assertions.
const BOUND_MS = 60_000;
const hung = (ms = BOUND_MS): Promise<"hung"> => sleep(ms).then(() => "hung" as const);

/** An agent that ignores SIGTERM, starts a child in its group, and works for minutes (it must be stopped). */
const STUBBORN: AgentProfile = { ms: 300_000, ignoresTerm: true, children: true };

async function setup(name: string, extra: Partial<KillRunConfig> = {}): Promise<{ config: KillRunConfig; tag: string; log: string; dir: string; journal: string }> {
  const dir = await scratchDir();
  const tag = `${TAG_PREFIX}${name}`;
  const log = join(dir, "agents.log");
  const config: KillRunConfig = {
    stateDir: join(dir, "state"),
    runId: name,
    seed: 1,
    count: 6,
    independent: true,
    maxParallel: 3,
    mode: "eager",
    tag,
    log,
    killGraceMs: 200,
    reapGraceMs: 200,
    ...extra,
  };
  return { config, tag, log, dir, journal: join(config.stateDir, "runs", name, "journal.jsonl") };
}

const starts = async (log: string, ppid?: number): Promise<AgentStart[]> =>
  (await readAgentLog(log)).filter((line): line is AgentStart => line.kind === "start" && (ppid === undefined || line.ppid === ppid));

/** Journal checks shared by the tests: valid lines (by hand), run.completed last, one success per node. */
async function completedJournal(file: string, nodes: number): Promise<HandEvent[]> {
  const { events } = await readJournalByHand(file, { tornTail: false });
  expect(events.at(-1)).toMatchObject({ type: "run.completed", status: "succeeded" });
  const successes = events.filter((e) => e.type === "node.succeeded").map((e) => e.nodeId);
  expect(successes).toHaveLength(nodes);
  expect(new Set(successes).size).toBe(nodes);
  return events;
}

function expectMonitorClean(tag: string, maxParallel: number): number {
  const record = monitor.record(tag);
  expect(record.overlaps, "two live agents of one node").toEqual([]);
  expect(record.maxLive).toBeLessThanOrEqual(maxParallel);
  return record.maxLive;
}

describe.concurrent("processes (real agents, process-table oracle)", { timeout: 120_000 }, () => {
  it("two terminals resume one run at once: exactly one runs it, the other gets LockedError naming the run and the holder", async () => {
    const { config, tag, log, dir, journal } = await setup("two-terminals");
    const go = gate(join(dir, "go"));
    config.gate = go.path;
    // Agents wait at the gate, so whichever process takes the lock holds it until the other is done.
    const [a, b] = await Promise.all([startOrchestrator(config), startOrchestrator(config)]);
    const bothRun = async (): Promise<boolean> => {
      const lines = await starts(log);
      return lines.some((line) => line.ppid === a.pid) && lines.some((line) => line.ppid === b.pid);
    };
    const first = await Promise.race([a.exited.then(() => a), b.exited.then(() => b), waitFor(bothRun, BOUND_MS).then((both) => (both ? "both run" : "hung"))]);
    go.open();
    const [exitA, exitB] = await Promise.all([a.exited, b.exited]);
    expect(first, "neither process was refused the run").toBeInstanceOf(Object);
    const loser = first as Orchestrator;
    const winner = loser === a ? b : a;
    expect(loser === a ? exitA : exitB).toEqual({ code: 3, signal: null });
    const refusal = (await loser.result())?.error;
    expect(refusal).toMatchObject({ name: "LockedError", code: "locked", locked: true, holderPid: winner.pid });
    expect(refusal?.message).toContain(`run ${config.runId}`);
    expect(refusal?.message).toContain(`process ${winner.pid}`);
    expect(winner === a ? exitA : exitB, winner.stderr()).toEqual({ code: 0, signal: null });

    // One writer: the journal reads back whole, and every node ran once, in the winner.
    const events = await completedJournal(journal, 6);
    expect(segments(events).map((part) => part[0]!.type)).toEqual(["run.started"]);
    const lines = await starts(log);
    expect(lines.map((line) => line.node).sort()).toEqual(["n00", "n01", "n02", "n03", "n04", "n05"]);
    expect(lines.every((line) => line.ppid === winner.pid)).toBe(true);
    expectMonitorClean(tag, config.maxParallel);
  });

  it("a second terminal never acts on a journal it read while another process held the run", async () => {
    const { config, tag, log, dir, journal } = await setup("stale-reader");
    const go = gate(join(dir, "go"));
    config.gate = go.path;
    const holder = await startOrchestrator(config);
    expect(await waitFor(async () => (await starts(log)).length > 0, BOUND_MS), holder.stderr()).toBe(true);
    // The second process pauses right after its read (if it ever reads), until told to go on.
    const pause = { marker: join(dir, "read"), proceed: join(dir, "proceed") };
    const second = await startOrchestrator({ ...config, pauseAfterRead: pause });
    const paused = await Promise.race([second.exited.then(() => false), waitFor(() => existsSync(pause.marker), BOUND_MS)]);
    if (paused) {
      // It read the journal while the run was held: let the holder finish, then let it act on what it read.
      go.open();
      await holder.exited;
      writeFileSync(pause.proceed, "");
    }
    go.open();
    expect(await holder.exited, holder.stderr()).toEqual({ code: 0, signal: null });
    const refused = await Promise.race([second.exited, hung()]);
    // Every node ran once: nothing was run again from a stale read.
    expect((await starts(log)).map((line) => line.node).sort()).toEqual(["n00", "n01", "n02", "n03", "n04", "n05"]);
    await completedJournal(journal, 6);
    expect(paused, "the second process read the journal while the first held the run").toBe(false);
    expect(refused).toEqual({ code: 3, signal: null });
    expect((await second.result())?.error).toMatchObject({ code: "locked", holderPid: holder.pid });
    expectMonitorClean(tag, config.maxParallel);
  });

  it("kill -9 of the holder: its agents survive; a new resume takes the lock over, stops them before dispatching anything, and re-runs their nodes with the same keys", async () => {
    // Three stubborn agents; their re-run (attempt 2) takes 100 ms.
    const { config, tag, log, journal } = await setup("kill-holder", { count: 3, profile: { ...STUBBORN, laterMs: 100 } });
    const first = await startOrchestrator(config);
    expect(await waitFor(async () => (await starts(log)).length === 3, BOUND_MS), first.stderr()).toBe(true);
    first.kill("SIGKILL");
    expect(await first.exited).toEqual({ code: null, signal: "SIGKILL" });
    // Nothing ran in the orchestrator: its three agents live on.
    const survivors = liveAgentGroups(tag);
    expect([...survivors.values()].sort()).toEqual(["n00", "n01", "n02"]);
    const firstKeys = new Map((await starts(log)).map((line) => [line.node, line.key]));

    const resume = await startOrchestrator(config);
    // For the report only: how long the dead holder's lock kept the resume waiting.
    const startedAt = Date.now();
    void waitFor(async () => (await readFile(journal, "utf8").catch(() => "")).includes('"type":"run.resumed"'), BOUND_MS, 20).then(
      (ok) => ok && console.info(`[processes] the resume took over the dead holder's lock within ${Date.now() - startedAt} ms of its start`),
    );
    const outcome = await Promise.race([resume.exited, hung()]);
    expect(outcome, resume.stderr()).toEqual({ code: 0, signal: null });
    const events = await completedJournal(journal, 3);
    const [, resumed] = segments(events);
    expect(resumed![0]).toMatchObject({ type: "run.resumed" });
    // Every survivor is reaped (stopped, not found gone), and all of it before the first dispatch.
    const reaped = resumed!.filter((e) => e.type === "node.reaped") as Array<HandEvent & { process: { pgid: number }; outcome: string }>;
    expect(reaped.map((e) => [e.process.pgid, e.nodeId, e.outcome]).sort()).toEqual([...survivors].map(([pgid, n]) => [pgid, n, "stopped"]).sort());
    const firstDispatch = resumed!.findIndex((e) => e.type === "node.dispatched");
    expect(firstDispatch).toBeGreaterThan(resumed!.findLastIndex((e) => e.type === "node.reaped"));
    // The same side effects, under the same keys, one more attempt each.
    const again = await starts(log, resume.pid);
    expect(again.map((line) => [line.node, line.key, line.attempt]).sort()).toEqual([...firstKeys].map(([n, key]) => [n, key, 2]).sort());
    expectMonitorClean(tag, config.maxParallel);
    expect(liveAgents(tag)).toEqual([]);
  });

  it("an agent that never reads its prompt does nothing before its process is journaled: killed in between, it never runs, and the resume runs the node once", async () => {
    // The agent works 300 s as soon as it runs (attempt 2: 100 ms); journaling its process takes 30 s.
    const { config, tag, log, journal } = await setup("unjournaled", { count: 1, eager: { seconds: 300, laterSeconds: 0.1 }, slowSpawnedMs: 30_000 });
    const first = await startOrchestrator(config);
    expect(await waitFor(() => liveAgentGroups(tag).size === 1, BOUND_MS), first.stderr()).toBe(true);
    first.kill("SIGKILL");
    await first.exited;
    // The premise: the kill came before the record.
    const before = (await readJournalByHand(journal, { tornTail: true })).events.map((e) => e.type);
    expect(before).toContain("node.dispatched");
    expect(before).not.toContain("node.spawned");
    // No journal names that process, so no resume could stop it: it must not have run, and must go.
    expect(await waitFor(() => liveAgents(tag).length === 0, 15_000, 25), "an agent no journal names lives on").toBe(true);

    const resume = await startOrchestrator({ ...config, slowSpawnedMs: 0 });
    expect(await Promise.race([resume.exited, hung()]), resume.stderr()).toEqual({ code: 0, signal: null });
    await completedJournal(journal, 1);
    const lines = await starts(log);
    expect(lines.map((line) => [line.node, line.attempt, line.ppid])).toEqual([["n00", 2, resume.pid]]);
    expectMonitorClean(tag, config.maxParallel);
  });

  it("Ctrl-C: an orchestrator without a SIGINT handler dies of it and takes its agents' groups with it; the resume finds them gone", async () => {
    const { config, tag, log, journal } = await setup("ctrl-c", { count: 3, profile: { ...STUBBORN, laterMs: 100 } });
    const first = await startOrchestrator(config);
    expect(await waitFor(async () => (await starts(log)).length === 3, BOUND_MS), first.stderr()).toBe(true);
    expect(liveAgentGroups(tag).size).toBe(3);
    first.kill("SIGINT");
    expect(await first.exited).toEqual({ code: null, signal: "SIGINT" });
    const diedAt = Date.now();
    expect(await waitFor(() => liveAgents(tag).length === 0, BOUND_MS, 25), "agents outlived a Ctrl-C").toBe(true);
    console.info(`[processes] no agent alive ${Date.now() - diedAt} ms after the orchestrator died of SIGINT`);

    const resume = await startOrchestrator(config);
    expect(await Promise.race([resume.exited, hung()]), resume.stderr()).toEqual({ code: 0, signal: null });
    const [, resumed] = segments(await completedJournal(journal, 3));
    const reaped = resumed!.filter((e) => e.type === "node.reaped");
    expect(reaped.map((e) => [e.nodeId, e.outcome]).sort()).toEqual([["n00", "gone"], ["n01", "gone"], ["n02", "gone"]]);
    const keys = new Map<string, Set<string>>();
    for (const line of await starts(log)) keys.set(line.node, (keys.get(line.node) ?? new Set()).add(line.key));
    expect([...keys.values()].map((set) => set.size)).toEqual([1, 1, 1]);
    expectMonitorClean(tag, config.maxParallel);
  });

  it("a timeout frees the slot only once the agent is dead: maxParallel 1 holds for processes, and none is alive when run() settles", async () => {
    const dir = await scratchDir();
    const tag = `${TAG_PREFIX}timeouts`;
    const runner = agentRunner({ tag, log: join(dir, "agents.log"), killGraceMs: 300 });
    const controller = createDispatchController({ maxParallel: 1, resilience: { retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 5 }, timeoutMs: 300 } });
    // Agents that ignore SIGTERM outlive their 300 ms deadline by the 300 ms grace; t1 and t2 get a
    // second attempt. One agent name each: no circuit breaker opens on the others' timeouts.
    const plan = planOf(["t1", "t2", "t3", "t4", "t5"].map((id) => node(id, [], { agent: `agent-${id}`, ...(id === "t1" || id === "t2" ? { maxAttempts: 2 } : {}) })));
    // Checked in the .then of run() itself: at the moment it settles, not later.
    const settled = await controller.run(plan, { runner, prepare: profilePrepare(() => STUBBORN) }).then((result) => ({ result, live: liveAgents(tag) }));
    expect(settled.live).toEqual([]);
    expect(settled.result.status).toBe("failed");
    expect(Object.values(settled.result.outcomes).map((o) => [o.category, o.attempts])).toEqual([
      ["timeout", 2],
      ["timeout", 2],
      ["timeout", 1],
      ["timeout", 1],
      ["timeout", 1],
    ]);
    const record = monitor.record(tag);
    expect(record.overlaps).toEqual([]);
    expect(record.maxLive).toBe(1);
    // The monitor saw the seven agents, one after another.
    expect(new Set(record.states.flatMap((state) => state.groups.map(([, pgid]) => pgid))).size).toBe(7);
  });

  it("a clean stop (abort signal) kills every agent's group, children included, before run() settles", async () => {
    const dir = await scratchDir();
    const tag = `${TAG_PREFIX}abort`;
    const log = join(dir, "agents.log");
    const runner = agentRunner({ tag, log, killGraceMs: 300 });
    const controller = createDispatchController({ maxParallel: 3 });
    const plan = planOf(["s1", "s2", "s3", "s4", "s5", "s6"].map((id) => node(id)));
    const stop = new AbortController();
    const running = controller.run(plan, { runner, prepare: profilePrepare(() => STUBBORN), signal: stop.signal }).then((result) => ({ result, live: liveAgents(tag) }));
    expect(await waitFor(async () => (await starts(log)).length === 3, BOUND_MS)).toBe(true);
    // Each agent leads a group with children of its own (its background child and its sleep).
    const groupSizes = (): number[] => {
      const sizes = new Map<number, number>();
      for (const seen of liveAgents(tag)) sizes.set(seen.pgid, (sizes.get(seen.pgid) ?? 0) + 1);
      return [...sizes.values()];
    };
    expect(await waitFor(() => groupSizes().length === 3 && groupSizes().every((size) => size >= 3), BOUND_MS)).toBe(true);
    stop.abort();
    const settled = await running;
    expect(settled.result.status).toBe("aborted");
    expect(settled.live).toEqual([]);
    expect(Object.values(settled.result.outcomes).filter((o) => o.status === "aborted")).toHaveLength(3);
    expectMonitorClean(tag, 3);
  });
});
