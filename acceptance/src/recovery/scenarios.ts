// The Recovery category's three harder cases, each on the real CLI with the side-effect agent:
// a torn or garbled journal tail (docs/journal.md: a bad last line is cut off; a bad line with good
// lines after it is corruption, refused), two `hybrid resume` racing for one run (docs/cli.md: one
// proceeds, the other exits 3), and a disk that fills up under a running run.
import { execFileSync } from "node:child_process";
import { closeSync, cpSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { CliResult } from "../cli.js";
import { effectsClean, judgeEffects, judgeJournal, parseEffects } from "./effects-oracle.js";
import { finalStatus, parseJournal } from "./journal-lines.js";
import { writeWorkflow } from "./kill-rounds.js";
import { isAlive, launch, readOr, sleep, until, withDeadline } from "./processes.js";

export interface ScenarioEnv {
  bin: string;
  agent: string;
  workDir: string;
  seed: number;
}

/** A prepared run: its files, and how to start or resume it. */
interface Staged {
  dir: string;
  stateDir: string;
  runId: string;
  nodes: string[];
  effectsFile: string;
  journalFile: string;
  env: Record<string, string>;
  run(): ReturnType<typeof launch>;
  resume(): ReturnType<typeof launch>;
}

function stage(s: ScenarioEnv, name: string, stateDir: string, effectMs: [number, number]): Staged {
  const dir = join(s.workDir, name);
  mkdirSync(dir, { recursive: true });
  const workflow = join(dir, "workflow.yaml");
  const nodes = writeWorkflow(workflow, name, "layered", 8, s.seed);
  const effectsFile = join(dir, "effects.jsonl");
  const env = { SIDE_EFFECTS: effectsFile, EFFECT_SEED: String(s.seed), EFFECT_MIN_MS: String(effectMs[0]), EFFECT_MAX_MS: String(effectMs[1]) };
  const common = ["--state-dir", stateDir, "--json"];
  return {
    dir,
    stateDir,
    runId: name,
    nodes,
    effectsFile,
    journalFile: join(stateDir, "runs", name, "journal.jsonl"),
    env,
    run: () => launch(s.bin, ["run", workflow, "--mode", "hybrid", "--runner", "command", "--command", `node ${s.agent}`, "--max-parallel", "3", "--run-id", name, ...common], env, dir),
    resume: () => launch(s.bin, ["resume", name, ...common], env, dir),
  };
}

const commits = (run: Staged): number => parseEffects(readOr(run.effectsFile)).effects.filter((e) => e.what === "commit").length;

/** Starts the run and SIGKILLs it once `minCommits` side effects are in; false when it ended first. */
async function runAndKill(run: Staged, minCommits: number): Promise<boolean> {
  const process_ = run.run();
  await until(() => process_.ended() || commits(run) >= minCommits, 120_000);
  if (process_.ended()) return false;
  process_.kill("SIGKILL");
  await process_.done;
  return true;
}

const statusOf = (result: CliResult | undefined): string | null => {
  try {
    return (JSON.parse(result?.stdout ?? "") as { status?: string }).status ?? null;
  } catch {
    return null;
  }
};

/** Everything recovery promises about a finished run, as a list of what broke (empty: all held). */
export async function finishedCleanly(run: Staged, final: CliResult | undefined): Promise<string[]> {
  const problems: string[] = [];
  if (final === undefined) problems.push("the last command hung (killed after its deadline)");
  else if (final.code !== 0) problems.push(`the last command exited ${final.code}: ${final.stderr.trim().split("\n").slice(-2).join(" | ").slice(0, 300)}`);
  const { effects, unreadable } = parseEffects(readOr(run.effectsFile));
  await until(() => effects.every((e) => !isAlive(e.pid)), 3000);
  const { events, bad } = parseJournal(readOr(run.journalFile));
  if (finalStatus(events) !== "succeeded" || statusOf(final) !== "succeeded") problems.push(`status: journal ${finalStatus(events)}, reported ${statusOf(final)}`);
  if (bad.length > 0) problems.push(`journal lines unreadable: ${bad.map((b) => b.line).join(", ")}`);
  const verdict = judgeEffects(effects, run.nodes, unreadable);
  if (!effectsClean(verdict)) problems.push(`side effects: ${JSON.stringify({ ...verdict, executions: undefined })}`);
  const journal = judgeJournal(events, effects, run.nodes);
  if (journal.notOnce.length > 0 || journal.rerunAfterSuccess.length > 0) problems.push(`journal: ${JSON.stringify(journal)}`);
  const left = effects.filter((e) => isAlive(e.pid)).map((e) => e.pid);
  if (left.length > 0) problems.push(`agents still running: ${[...new Set(left)].join(", ")}`);
  return problems;
}

export type Corruption = "torn-last-line" | "garbled-last-line" | "garbled-middle-line";

export interface CaseResult {
  name: string;
  /** What was expected and seen, in a line. */
  outcome: string;
  pass: boolean;
  problems: string[];
  /** Runs that reached their end in the case's state directory. */
  finishedRuns: number;
}

/** Kills a run, damages its journal as named, resumes: the cut tail must resume, the middle must be refused untouched. */
export async function corruptJournalCase(s: ScenarioEnv, stateDir: string, corruption: Corruption): Promise<CaseResult> {
  const run = stage(s, `torn-${corruption}`, stateDir, [150, 400]);
  const name = `journal ${corruption}`;
  if (!(await runAndKill(run, 2))) return { name, outcome: "the run ended before the kill", pass: false, problems: ["kill did not land"], finishedRuns: 1 };
  const lines = readFileSync(run.journalFile, "utf8").split("\n").filter((line) => line !== "");
  const victim = corruption === "garbled-middle-line" ? Math.floor(lines.length / 2) : lines.length - 1;
  const line = lines[victim]!;
  lines[victim] = corruption === "torn-last-line" ? line.slice(0, Math.floor(line.length / 2)) : `${line.slice(0, 30)}#garbled#${line.slice(39)}`;
  const damaged = `${lines.join("\n")}${corruption === "torn-last-line" ? "" : "\n"}`;
  writeFileSync(run.journalFile, damaged);
  const resumed = await withDeadline(run.resume().done, 180_000);
  if (corruption === "garbled-middle-line") {
    const refused = resumed?.code === 2 && /corrupt/i.test(resumed.stderr) && new RegExp(`:${victim + 1}\\b|line ${victim + 1}\\b`).test(resumed.stderr);
    const untouched = readFileSync(run.journalFile, "utf8") === damaged;
    const problems = [...(refused ? [] : [`not refused clearly (exit ${resumed?.code}): ${resumed?.stderr.trim().slice(-300)}`]), ...(untouched ? [] : ["the refused resume changed the journal"])];
    return { name, outcome: `refused, exit ${resumed?.code}, journal ${untouched ? "untouched" : "changed"}`, pass: problems.length === 0, problems, finishedRuns: 0 };
  }
  const problems = await finishedCleanly(run, resumed);
  return { name, outcome: `resumed, exit ${resumed?.code}`, pass: problems.length === 0, problems, finishedRuns: 1 };
}

/** Two `hybrid resume` of one killed run at once: exactly one proceeds, the other exits 3 naming the lock. */
export async function racingResumeCase(s: ScenarioEnv, stateDir: string, index: number): Promise<CaseResult> {
  // Long agents: the winner still runs when the loser asks for the lock.
  const run = stage(s, `race-${index}`, stateDir, [700, 1200]);
  const name = `racing resume ${index + 1}`;
  if (!(await runAndKill(run, 1))) return { name, outcome: "the run ended before the kill", pass: false, problems: ["kill did not land"], finishedRuns: 1 };
  // The dead CLI's lock is taken over once 2 s stale (docs/runbook.md "Stale lock"): let it get there,
  // so the race is between the two resumes and not with the dead holder.
  await sleep(3000);
  const both = await Promise.all([withDeadline(run.resume().done, 180_000), withDeadline(run.resume().done, 180_000)]);
  const codes = both.map((r) => r?.code ?? null).sort();
  const winner = both.find((r) => r?.code === 0);
  const loser = both.find((r) => r?.code !== 0);
  const problems: string[] = [];
  if (codes[0] !== 0 || codes[1] !== 3) problems.push(`exit codes ${codes.join(" and ")} (expected 0 and 3)`);
  if (loser && !/locked by process \d+/.test(loser.stderr)) problems.push(`the refusal does not name the holder: ${loser.stderr.trim().slice(-300)}`);
  problems.push(...(await finishedCleanly(run, winner)));
  return { name, outcome: `exit codes ${codes.join(", ")}`, pass: problems.length === 0, problems, finishedRuns: winner ? 1 : 0 };
}

/** Fills what is left of the file system under `dir`, biggest writes first; returns the filler file. */
function fill(dir: string): string {
  const file = join(dir, "filler");
  const fd = openSync(file, "w");
  try {
    for (const size of [1 << 20, 1 << 16, 1 << 12, 1 << 9, 1]) {
      const chunk = Buffer.alloc(size, 0x2e);
      for (;;) {
        try {
          writeSync(fd, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "ENOSPC") break;
          throw error;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return file;
}

/**
 * A run on a 2 MiB tmpfs filled up under it: it must fail clearly (an exit code and a message naming
 * the cause, not a hang), leave a journal that reads back, and finish on `resume` once space is freed.
 * The tmpfs state is copied to `keepAs` for the observability suite before it is unmounted.
 */
export async function diskFullCase(s: ScenarioEnv, keepAs: string): Promise<CaseResult & { how: string }> {
  const mount = join(s.workDir, "diskfull-mnt");
  mkdirSync(mount, { recursive: true });
  const name = "disk full";
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mount], { stdio: "pipe" });
  } catch (error) {
    const why = (error as { stderr?: Buffer }).stderr?.toString().trim() ?? String(error);
    return { name, outcome: "not run: tmpfs could not be mounted", pass: false, problems: [`mount: ${why}`], finishedRuns: 0, how: "not run" };
  }
  try {
    const run = stage(s, "disk-full", join(mount, "state"), [150, 400]);
    const process_ = run.run();
    await until(() => process_.ended() || commits(run) >= 2, 120_000);
    if (process_.ended()) return { name, outcome: "the run ended before the disk filled", pass: false, problems: ["fill did not land"], finishedRuns: 1, how: "tmpfs" };
    const filler = fill(mount);
    const failed = await withDeadline(process_.done, 120_000);
    const problems: string[] = [];
    if (failed === undefined) {
      process_.kill("SIGKILL");
      problems.push("the CLI hung on a full disk (killed after 120 s)");
    } else if (failed.code === 0) problems.push("the run succeeded on a full disk (the fill came too late)");
    else if (!/ENOSPC|no space left/i.test(failed.stderr)) problems.push(`exit ${failed.code} without naming the cause: ${failed.stderr.trim().slice(-300)}`);
    const { bad, events } = parseJournal(readOr(run.journalFile));
    // Only a torn last line may be unreadable (docs/journal.md); anything else is lost data.
    if (bad.some((b) => b.line !== readOr(run.journalFile).split("\n").filter(Boolean).length)) problems.push(`journal unreadable at lines ${bad.map((b) => b.line).join(", ")}`);
    rmSync(filler);
    // Space is back: `hybrid resume`, then what it tells the user to type when it is not enough
    // (a node the full disk failed needs --retry-failed).
    const plain = await withDeadline(run.resume().done, 180_000);
    const advice = /^\s*hybrid (resume .*--retry-failed.*)$/m.exec(plain?.stderr ?? "")?.[1]?.split(" ");
    const resumed = plain?.code !== 0 && advice ? await withDeadline(launch(s.bin, [...advice, "--json"], run.env, run.dir).done, 180_000) : plain;
    problems.push(...(await finishedCleanly(run, resumed)));
    cpSync(run.stateDir, keepAs, { recursive: true });
    const stderrLine = failed?.stderr.trim().split("\n").find((l) => /ENOSPC|no space/i.test(l))?.slice(0, 200) ?? "";
    return {
      name,
      outcome:
        `failed with exit ${failed?.code ?? "none (hung)"} after ${events.length} journal events ("${stderrLine}"); space freed: \`hybrid resume\` exit ${plain?.code}` +
        (resumed === plain ? "" : `, then as it advised \`hybrid ${advice?.slice(0, 2).join(" ")} … --retry-failed\` exit ${resumed?.code}`),
      pass: problems.length === 0,
      problems,
      finishedRuns: 1,
      how: "tmpfs",
    };
  } finally {
    await sleep(200);
    try {
      execFileSync("umount", [mount], { stdio: "pipe" });
    } catch {
      execFileSync("umount", ["-l", mount], { stdio: "pipe" });
    }
  }
}
