// Recovery: 100% restart success, 0 duplicate side effects. The real built CLI runs workflows with
// the command runner and a side-effect agent (acceptance/agents/side-effect-agent.mjs); it is
// SIGKILLed at seeded random moments and `hybrid resume`d until the run ends. Then the oracles read
// the side-effect file the agent processes wrote and the journal, parsed raw. Three harder cases
// follow: a damaged journal tail, two resumes racing, a disk filling up under a run.
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import type { Check, Suite } from "../contract.js";
import { count, ofN, pct } from "../format.js";
import { killRound } from "../recovery/kill-rounds.js";
import type { RoundResult } from "../recovery/kill-rounds.js";
import { cpuSecondsSince } from "../recovery/processes.js";
import { corruptJournalCase, diskFullCase, racingResumeCase } from "../recovery/scenarios.js";
import type { CaseResult, Corruption } from "../recovery/scenarios.js";

const AGENT = fileURLToPath(new URL("../../agents/side-effect-agent.mjs", import.meta.url));
const LANES = 2;
const CORRUPTIONS: readonly Corruption[] = ["torn-last-line", "garbled-last-line", "garbled-middle-line"];

const sum = (rounds: readonly RoundResult[], f: (r: RoundResult) => number): number => rounds.reduce((a, r) => a + f(r), 0);

const caseCheck = (name: string, cases: readonly CaseResult[], threshold: string): Check => ({
  name,
  measured: `${ofN(cases.filter((c) => c.pass).length, cases.length, "cases")}: ${cases.map((c) => `${c.name}: ${c.outcome}`).join("; ")}`,
  threshold,
  pass: cases.length > 0 && cases.every((c) => c.pass),
  n: cases.length,
  unit: "cases",
});

export const recoverySuite: Suite = {
  name: "recovery",
  categories: ["recovery"],
  async run(ctx) {
    const total = ctx.full ? 100 : 20;
    const load0 = loadavg()[0]!;
    const t0 = Date.now();
    const cpu0 = process.cpuUsage();
    const maxKills = ctx.full ? 3 : 1;
    const races = ctx.full ? 5 : 2;
    const base = ctx.seed * 1_000_003 + 29;
    const laneDirs = Array.from({ length: LANES }, (_, lane) => join(ctx.workDir, `kill-state-${lane}`));
    const rounds: RoundResult[] = [];
    const scenarioDir = join(ctx.workDir, "scenario-state");
    const diskCopy = join(ctx.workDir, "diskfull-state-copy");
    const s = { bin: ctx.bin, agent: AGENT, workDir: ctx.workDir, seed: base + 7 };
    const roundLanes = laneDirs.map(async (stateDir, lane) => {
      for (let index = lane; index < total; index += LANES) {
        const dir = join(ctx.workDir, `round-${index}`);
        mkdirSync(dir, { recursive: true });
        rounds.push(await killRound({ bin: ctx.bin, agent: AGENT, dir, stateDir, runId: `kill-${index}`, index, seed: base + index * 7919, maxKills }));
        if (rounds.length % 5 === 0) ctx.log(`${rounds.length}/${total} kill rounds`);
      }
    });
    // The harder cases run beside the kill rounds, one after another.
    const scenarios = (async () => {
      const corrupt: CaseResult[] = [];
      for (const corruption of CORRUPTIONS) corrupt.push(await corruptJournalCase(s, scenarioDir, corruption));
      const raced: CaseResult[] = [];
      for (let i = 0; i < races; i++) raced.push(await racingResumeCase(s, scenarioDir, i));
      const disk = await diskFullCase(s, diskCopy);
      return { corrupt, raced, disk };
    })();
    const [, { corrupt, raced, disk }] = await Promise.all([Promise.all(roundLanes), scenarios]);
    rounds.sort((a, b) => a.index - b.index);

    const nodes = sum(rounds, (r) => r.nodes);
    const restarted = rounds.filter((r) => r.restartOk).length;
    const kills = sum(rounds, (r) => r.kills);
    const inFlight = sum(rounds, (r) => r.killsInFlight);
    const committedTwice = rounds.flatMap((r) => r.effects.committedTwice.map((d) => `${r.runId}/${d.node} ×${d.commits}`));
    const notDone = rounds.flatMap((r) => [...r.effects.missing.map((n) => `${r.runId}/${n}: no side effect`), ...r.journal.notOnce.map((n) => `${r.runId}/${n.node}: node.succeeded ×${n.succeeded}`)]);
    const overlaps = rounds.flatMap((r) => r.effects.overlaps.map((o) => `${r.runId}: ${o}`));
    const reruns = rounds.flatMap((r) => r.journal.rerunAfterSuccess.map((o) => `${r.runId}: ${o}`));
    const keyChanges = rounds.flatMap((r) => r.effects.keyChanges.map((o) => `${r.runId}: ${o}`));
    const leftovers = rounds.flatMap((r) => [...r.effects.unclosed.map((u) => `${r.runId}: ${u} never ended nor stopped`), ...r.leftRunning.map((p) => `${r.runId}: pid ${p} still running`)]);
    const reexecuted = rounds.reduce((a, r) => a + [...r.effects.executions.values()].filter((n) => n > 1).length, 0);
    const starts = sum(rounds, (r) => r.starts);
    const checks: Check[] = [
      {
        name: "restart success: SIGKILLed runs resumed to status succeeded (exit 0, journal and --json agree)",
        measured: `${pct(rounds.length ? (restarted / rounds.length) * 100 : null)} (${ofN(restarted, rounds.length, "rounds")}; ${count(kills)} kills landed)`,
        threshold: "100%",
        pass: rounds.length === total && restarted === rounds.length,
        n: rounds.length,
        unit: "kill rounds",
        value: rounds.length ? (restarted / rounds.length) * 100 : 0,
      },
      {
        name: "kills that landed with an attempt in flight (non-vacuity)",
        measured: `${ofN(inFlight, kills, "kills")} (${count(sum(rounds, (r) => r.killsBeforeJournal))} before the journal began, ${count(sum(rounds, (r) => r.killsBeforeStart))} before the run wrote anything)`,
        threshold: "> 0",
        pass: inFlight > 0,
        n: kills,
        unit: "kills",
      },
      {
        name: "duplicate side effects: nodes whose side effect was committed twice",
        measured: ofN(committedTwice.length, nodes, "nodes"),
        threshold: "0",
        pass: committedTwice.length === 0 && nodes > 0,
        n: nodes,
        unit: "nodes",
      },
      {
        name: "nodes not done exactly once (side effect missing, or node.succeeded not journaled exactly once)",
        measured: ofN(new Set(notDone.map((x) => x.split(":")[0])).size, nodes, "nodes"),
        threshold: "0",
        pass: notDone.length === 0 && nodes > 0,
        n: nodes,
        unit: "nodes",
      },
      {
        name: "overlapping copies of a node (a copy started while another was alive)",
        measured: ofN(overlaps.length, starts, "agent copies started"),
        threshold: "0",
        pass: overlaps.length === 0 && starts > 0,
        n: starts,
        unit: "agent copies",
      },
      {
        name: "agents started after the journal recorded their node succeeded; idempotency keys changed by a restart",
        measured: `${count(reruns.length)} reruns; ${count(keyChanges.length)} key changes`,
        threshold: "0; 0",
        pass: reruns.length === 0 && keyChanges.length === 0 && nodes > 0,
        n: nodes,
        unit: "nodes",
      },
      {
        name: "agents left running, or killed without a trace, once the run ended",
        measured: count(leftovers.length),
        threshold: "0",
        pass: leftovers.length === 0,
        n: starts,
        unit: "agent copies",
      },
      caseCheck("damaged journal tail: a torn or garbled last line resumes, a garbled middle line is refused (exit 2, line named, journal untouched)", corrupt, "3 of 3"),
      caseCheck("two `hybrid resume` racing: one proceeds, the other exits 3 naming the holder, nothing twice", raced, `${races} of ${races}`),
      caseCheck("disk full under a run: a clear failure naming ENOSPC, the journal reads back, it finishes once space is freed, nothing twice", [disk], "1 of 1"),
    ];
    const problems = [...committedTwice, ...notDone, ...overlaps, ...reruns, ...keyChanges, ...leftovers, ...[...corrupt, ...raced, disk].flatMap((c) => c.problems.map((p) => `${c.name}: ${p}`))];
    const failedRounds = rounds.filter((r) => !r.restartOk).map((r) => `${r.runId} (seed ${r.seed}): exit ${r.final.code}, journal ${r.journalStatus}: ${r.final.stderrTail.trim().split("\n").slice(-2).join(" | ").slice(0, 300)}`);
    return {
      recovery: {
        checks,
        seeds: [...rounds.map((r) => r.seed), s.seed],
        notes: [
          `${count(rounds.length)} kill rounds, ${LANES} at a time: \`hybrid run <generated 5–9-node workflow> --mode hybrid --runner command --command "node acceptance/agents/side-effect-agent.mjs" --max-parallel 3\` SIGKILLed ${maxKills === 1 ? "once" : `1–${maxKills} times (later kills land on resumes)`} per round, at a seeded moment: after a random number (0 to 2× the node count) of new side-effect lines, then 0–500 ms more; then \`hybrid resume <runId> --state-dir …\` until it ends (a resume refused because the dead holder's lock was not yet stale is retried: ${count(sum(rounds, (r) => r.lockRefusals))} times). A kill before the run wrote anything leaves no run: it is restarted with the same \`hybrid run\`.`,
          "The agent appends JSON lines (O_APPEND, one write each) to a side-effect file: start, then after a seeded 40–300 ms of work commit (the first copy to finish for its HYBRID_IDEMPOTENCY_KEY) or reuse (a copy that finds its key committed: the dedupe docs/agents.md recommends, done as a plain read-then-append, so two copies alive at once could both commit), then end; stop on SIGTERM.",
          `What is measured: a duplicate side effect is a node whose side effect was committed twice. Raw executions are reported apart: ${count(reexecuted)} of ${count(nodes)} nodes had their work finished by more than one copy (the agent finished but the CLI died before journaling it, at-least-once by design), and the later copy reused the committed effect under the same key. Without the key-based dedupe those would have been duplicates.`,
          "Oracles, independent of hybrid: the side-effect file (written by the agent processes) and journal.jsonl parsed with JSON.parse per line; agent liveness with kill(pid, 0). The status must agree three ways: exit code 0, the --json document and the journal's last run.completed.",
          `Damaged journals: a run killed after 2 side effects, then its journal.jsonl cut in the middle of its last line, or 9 bytes of its last line garbled (bad JSON / checksum), or a middle line garbled; docs/journal.md: only the last line may be torn.`,
          `Racing resumes: a run killed after 1 side effect, 3 s of wait so the dead holder's lock is stale (docs/runbook.md: taken over after 2 s), then two \`hybrid resume\` started together, agents of 0.7–1.2 s so the winner still runs when the loser asks.`,
          `Disk full (ran ${disk.how === "tmpfs" ? "on a 2 MiB tmpfs mounted as the state directory" : "NOT: the tmpfs could not be mounted"}): filled by a filler file once 2 side effects were in; then the filler deleted and \`hybrid resume\` run, then whatever it told the user to type. Outcome: ${disk.outcome}. The state directory is copied out of the tmpfs for the observability suite before it is unmounted.`,
          ...failedRounds.slice(0, 10).map((f) => `Failed round: ${f}`),
          ...problems.slice(0, 20).map((p) => `Problem: ${p}`),
          `Took ${((Date.now() - t0) / 1000).toFixed(1)} s wall (${cpuSecondsSince(cpu0).toFixed(1)} s CPU in this process; the CLIs and agents are child processes); 1-minute load average ${load0.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end, on ${cpus().length} cores.`,
          "Left out: a reboot (kernel-level loss of unsynced writes), agents on another host, SIGKILL of agents themselves.",
        ],
        stateDirs: [
          ...laneDirs.map((dir, lane) => ({ dir, runs: rounds.filter((r) => r.index % LANES === lane && r.journalStatus !== null).length })),
          { dir: scenarioDir, runs: [...corrupt, ...raced].reduce((a, c) => a + c.finishedRuns, 0) },
          ...(disk.how === "tmpfs" ? [{ dir: diskCopy, runs: disk.finishedRuns }] : []),
        ],
        data: {
          rounds: rounds.map((r) => ({ runId: r.runId, seed: r.seed, nodes: r.nodes, kills: r.kills, inFlight: r.killsInFlight, resumes: r.resumes, lockRefusals: r.lockRefusals, reaped: r.reaped, restartOk: r.restartOk, durationMs: r.durationMs })),
          cases: [...corrupt, ...raced, disk],
        },
      },
    };
  },
};
