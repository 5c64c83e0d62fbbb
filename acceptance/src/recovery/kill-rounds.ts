// Kill rounds: the real `hybrid run --runner command` SIGKILLed at seeded random moments (its agents
// live on in their own process groups), then `hybrid resume` until the run ends; a resume may be
// killed too. What holds afterwards is read from files the CLI does not vouch for: the side-effect
// file the agent processes appended to, and journal.jsonl parsed line by line.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateDag, seededRandom } from "@hybrid/test-utils";
import type { DagShape } from "@hybrid/test-utils";
import type { CliResult } from "../cli.js";
import { judgeEffects, judgeJournal, parseEffects } from "./effects-oracle.js";
import type { EffectsVerdict, JournalVerdict } from "./effects-oracle.js";
import { countTypes, finalStatus, parseJournal, unsettledAttempts } from "./journal-lines.js";
import { isAlive, launch, readOr, sleep, until, withDeadline } from "./processes.js";
import type { Launched } from "./processes.js";

const SHAPES: readonly DagShape[] = ["diamond", "fan-out", "layered", "random", "chain", "fan-in"];

/** A seeded random source, mixed first (nearby seeds start xoroshiro128+ in nearby states). */
export function mixedRandom(seed: number): () => number {
  const random = seededRandom(seed);
  for (let i = 0; i < 16; i++) random();
  return random;
}

/** A workflow of `size` nodes whose only criterion the side-effect agent's answer meets; returns its ids. */
export function writeWorkflow(file: string, id: string, shape: DagShape, size: number, seed: number): string[] {
  const dag = generateDag(shape, size, seed, { degree: 2 });
  const nodes = dag.nodes.map(({ estimateMs: _, ...node }) => ({ ...node, acceptance: ["work finished"] }));
  // JSON is YAML: the CLI reads it as a workflow file.
  writeFileSync(file, JSON.stringify({ version: 1, id, nodes }, null, 2));
  return nodes.map((node) => node.id);
}

/** Where a round runs and what it may do. */
export interface RoundSpec {
  bin: string;
  agent: string;
  /** The round's own folder (workflow, side-effect file). */
  dir: string;
  stateDir: string;
  runId: string;
  index: number;
  seed: number;
  /** Most kills in the round (drawn 1..maxKills); the second and later land on resumes. */
  maxKills: number;
}

export interface RoundResult {
  index: number;
  runId: string;
  seed: number;
  nodes: number;
  /** Agent copies started (`start` lines). */
  starts: number;
  /** SIGKILLs that landed on a live CLI. */
  kills: number;
  /** Kills with an attempt in flight: dispatched in the journal and not settled, or an agent copy open. */
  killsInFlight: number;
  /** Kills that came before the journal's first line. */
  killsBeforeJournal: number;
  /** Kills before the run wrote anything (no runs/<id>/): restarted with the same `hybrid run`. */
  killsBeforeStart: number;
  /** Resumes refused because the dead holder's lock was not yet stale (exit 3), then retried. */
  lockRefusals: number;
  resumes: number;
  final: { code: number; signal: string | null; stderrTail: string };
  /** The status of the journal's last settled process (null: cut by a crash). */
  journalStatus: string | null;
  /** `status` of the last command's --json document. */
  reportedStatus: string | null;
  restartOk: boolean;
  effects: EffectsVerdict;
  journal: JournalVerdict;
  reaped: number;
  /** Agent pids still alive after the run ended. */
  leftRunning: number[];
  durationMs: number;
}

const statusOf = (result: CliResult): string | null => {
  try {
    return (JSON.parse(result.stdout) as { status?: string }).status ?? null;
  } catch {
    return null;
  }
};

/** Whether the side-effect file shows a copy that has started and not yet ended or stopped. */
function agentsOpen(text: string): boolean {
  const open = new Set<number>();
  for (const effect of parseEffects(text).effects) {
    if (effect.what === "start") open.add(effect.pid);
    else if (effect.what === "end" || effect.what === "stop") open.delete(effect.pid);
  }
  return open.size > 0;
}

/** One round: run, kills, resumes to the end, then the oracles. Never throws for a product failure. */
export async function killRound(spec: RoundSpec): Promise<RoundResult> {
  const t0 = Date.now();
  const random = mixedRandom(spec.seed);
  const size = 5 + Math.floor(random() * 5);
  const workflow = join(spec.dir, "workflow.yaml");
  const nodes = writeWorkflow(workflow, spec.runId, SHAPES[spec.seed % SHAPES.length]!, size, spec.seed);
  const effectsFile = join(spec.dir, "effects.jsonl");
  const journalFile = join(spec.stateDir, "runs", spec.runId, "journal.jsonl");
  const env = { SIDE_EFFECTS: effectsFile, EFFECT_SEED: String(spec.seed), EFFECT_MIN_MS: "40", EFFECT_MAX_MS: "300" };
  const resumeArgs = ["resume", spec.runId, "--state-dir", spec.stateDir, "--json"];
  let planned = 1 + Math.floor(random() * spec.maxKills);
  const r = { kills: 0, killsInFlight: 0, killsBeforeJournal: 0, killsBeforeStart: 0, lockRefusals: 0, resumes: 0 };
  const runArgs = ["run", workflow, "--mode", "hybrid", "--runner", "command", "--command", `node ${spec.agent}`, "--max-parallel", "3", "--state-dir", spec.stateDir, "--run-id", spec.runId, "--json"];
  let process_: Launched = launch(spec.bin, runArgs, env, spec.dir);
  let final: CliResult | undefined;
  for (let step = 0; step < 40 && final === undefined; step++) {
    if (planned > 0) {
      planned -= 1;
      // A moment anywhere in a CLI's life, spread over its agents' work: after a random number of
      // new side-effect lines (0: during start-up), then a random delay (a wave, a handoff, a write).
      const lines = (): number => readOr(effectsFile).split("\n").length;
      const target = lines() + Math.floor(random() * 2 * size);
      const delayMs = random() * 500;
      await until(() => process_.ended() || lines() >= target, 60_000);
      const ended = process_.ended() || (await until(() => process_.ended(), delayMs));
      if (!ended) {
        process_.kill("SIGKILL");
        await process_.done;
        r.kills += 1;
        if (readOr(journalFile) === "") r.killsBeforeJournal += 1;
        if (agentsOpen(readOr(effectsFile)) || unsettledAttempts(parseJournal(readOr(journalFile)).events).length > 0) r.killsInFlight += 1;
        r.resumes += 1;
        // Killed before it wrote anything: the run does not exist, its id is free, and the user's
        // way on is the same `hybrid run` again (`resume` has nothing to resume).
        const started = existsSync(join(spec.stateDir, "runs", spec.runId));
        if (!started) r.killsBeforeStart += 1;
        process_ = launch(spec.bin, started ? resumeArgs : runArgs, env, spec.dir);
        continue;
      }
    }
    const result = await withDeadline(process_.done, 180_000);
    if (result === undefined) {
      process_.kill("SIGKILL");
      final = { ...(await process_.done), stderr: "hung for 180 s and was killed by the suite" };
    } else if (result.code === 3 && /locked/i.test(result.stderr)) {
      // The dead holder's lock is taken over once it is 2 s stale (docs/runbook.md): retry.
      r.lockRefusals += 1;
      r.resumes += 1;
      await sleep(700);
      process_ = launch(spec.bin, resumeArgs, env, spec.dir);
    } else final = result;
  }
  final ??= { code: -1, signal: null, stdout: "", stderr: "gave up after 40 steps" };

  const { effects, unreadable } = parseEffects(readOr(effectsFile));
  // Agents a dead CLI left must be gone once the last resume ended: it reaps them first.
  const pids = [...new Set(effects.map((effect) => effect.pid))];
  await until(() => pids.every((pid) => !isAlive(pid)), 3000);
  const { events } = parseJournal(readOr(journalFile));
  const journalStatus = finalStatus(events);
  const reportedStatus = statusOf(final);
  return {
    index: spec.index,
    runId: spec.runId,
    seed: spec.seed,
    nodes: nodes.length,
    starts: effects.filter((e) => e.what === "start").length,
    ...r,
    final: { code: final.code, signal: final.signal, stderrTail: final.stderr.slice(-600) },
    journalStatus,
    reportedStatus,
    restartOk: final.code === 0 && journalStatus === "succeeded" && reportedStatus === "succeeded",
    effects: judgeEffects(effects, nodes, unreadable),
    journal: judgeJournal(events, effects, nodes),
    reaped: countTypes(events).get("node.reaped") ?? 0,
    leftRunning: pids.filter(isAlive),
    durationMs: Date.now() - t0,
  };
}
