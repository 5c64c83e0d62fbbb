// The scale-out suite's failover case: `hybrid worker` processes started through the built CLI, a
// tiny agent that logs where it started, one job, a SIGKILL of the worker running it, and the time
// until the other worker's agent runs it; plus the log and /proc readers around them.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AgentTask } from "@hybrid/dispatch";
import { createBullmqRunner } from "@hybrid/dispatch/bullmq";
import { median, seededRandom } from "./harness.js";
import type { Measurement } from "./harness.js";

/** The built CLI (`tsc -b` writes it): what an operator runs on each worker machine. */
export const CLI = fileURLToPath(new URL("../packages/hybrid/dist/cli/bin.js", import.meta.url));

/**
 * The agent: appends `start <pid> <worker> <epoch ms> <process start, epoch ms>` to $BENCH_LOG,
 * then sleeps 30 s. The worker name comes from $BENCH_WORKER, set on the worker process (the
 * command runner passes its env on).
 */
const AGENT = `import { appendFileSync } from "node:fs";
const origin = Math.round(performance.timeOrigin);
appendFileSync(process.env.BENCH_LOG, \`start \${process.pid} \${process.env.BENCH_WORKER} \${Date.now()} \${origin}\\n\`);
setTimeout(() => process.stdout.write("slept"), 30000);
`;

/** Writes the agent script into `dir`; returns the `--command` line that runs it. */
function writeAgent(dir: string): string {
  const script = join(dir, "agent.mjs");
  writeFileSync(script, AGENT);
  return `${JSON.stringify(process.execPath)} ${JSON.stringify(script)}`;
}

interface WorkerProcess {
  name: string;
  child: ChildProcess;
  /** Everything it printed (stdout and stderr), for error messages. */
  output(): string;
  /** Resolves once it printed "ready: waiting for jobs"; rejects if it exits first or takes > 20 s. */
  ready: Promise<void>;
  /** SIGTERM (a drain with no running job is immediate), SIGKILL after 10 s; resolves on exit. */
  stop(): Promise<void>;
}

interface WorkerSettings {
  redis: string;
  queue: string;
  command: string;
  log: string;
  lockMs?: number;
  stalledMs?: number;
}

/** Starts `node bin.js worker --runner command ...` named `name`, with BENCH_WORKER=name. */
function spawnWorker(name: string, s: WorkerSettings, cwd: string): WorkerProcess {
  const args = [CLI, "worker", "--redis", s.redis, "--queue", s.queue, "--name", name, "--runner", "command", "--command", s.command];
  if (s.lockMs !== undefined) args.push("--lock-duration", String(s.lockMs));
  if (s.stalledMs !== undefined) args.push("--stalled-interval", String(s.stalledMs));
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, BENCH_WORKER: name, BENCH_LOG: s.log }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker ${name} not ready after 20 s:\n${out.slice(-1000)}`)), 20_000);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      if (out.includes("ready: waiting for jobs")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`worker ${name} exited (${child.exitCode ?? child.signalCode}):\n${out.slice(-1000)}`));
    });
  });
  ready.catch(() => {});
  return {
    name,
    child,
    output: () => out,
    ready,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

interface StartLine {
  pid: number;
  worker: string;
  at: number;
  /** When the agent's process started (its node startup is `at - spawned`). */
  spawned: number;
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The agent starts logged so far. */
function readStarts(log: string): StartLine[] {
  return readFileSync(log, "utf8")
    .split("\n")
    .map((line) => /^start (\d+) (\S+) (\d+) (\d+)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), worker: m[2]!, at: Number(m[3]), spawned: Number(m[4]) }));
}

/** Polls the log (every 5 ms) until it holds `count` starts; the timestamps come from the agents, not from the poll. */
async function waitForStarts(log: string, count: number, timeoutMs: number): Promise<StartLine[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const starts = readStarts(log);
    if (starts.length >= count) return starts;
    if (Date.now() > deadline) throw new Error(`${count} agent start(s) expected within ${timeoutMs} ms, saw ${starts.length}`);
    await delay(5);
  }
}

/** Whether a pid runs: /proc/<pid> exists and is not a zombie (a reaped or unreaped corpse is dead). */
function isAlive(pid: number): boolean {
  if (!existsSync(`/proc/${pid}`)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Ms from `since` until `pid` is dead (polled every 2 ms), or null if it still runs after `timeoutMs`. */
async function timeToDeath(pid: number, since: number, timeoutMs: number): Promise<number | null> {
  while (Date.now() - since < timeoutMs) {
    if (!isAlive(pid)) return Date.now() - since;
    await delay(2);
  }
  return null;
}

/** `state ppid pgid comm` of a pid from /proc, for a report on a process that should be dead. */
function describePid(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const [state, ppid, pgid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return `pid ${pid} state ${state} ppid ${ppid} pgid ${pgid} ${stat.slice(stat.indexOf("("), stat.lastIndexOf(")") + 1)}`;
  } catch {
    return `pid ${pid} gone`;
  }
}

interface FailoverSample {
  /** SIGKILL of worker A → the job's agent running on worker B (its own timestamp). */
  failoverMs: number;
  /** The same, to the moment B's agent process was spawned (without its node startup). */
  toSpawnMs: number;
  /** Ms from the SIGKILL until A's agent was gone (null: still alive 5 s later). */
  agentDeadMs: number | null;
  agentDeadAtRestart: boolean;
  survivor?: string;
  otherWorker: boolean;
  /** The coordinator's run() settled before we aborted it (it should not: the job still ran). */
  settledEarly?: string;
}

const sleeperTask = (runId: string): AgentTask => ({
  runId,
  nodeId: "sleeper",
  agent: "sleeper",
  priority: "implementation",
  attempt: 1,
  idempotencyKey: `${runId}:sleeper`,
  prompt: "sleep",
  node: { id: "sleeper", agent: "sleeper", priority: "implementation", scope: "sleep 30 s", acceptance: [], dependsOn: [] },
});

/**
 * `samples` failovers on one queue with two CLI workers: each sample enqueues a job through a
 * coordinator's runner.run(), SIGKILLs the worker whose agent started it, times until the other
 * worker's agent starts it, checks A's agent died, then aborts run() (B's agent is stopped). The
 * killed worker is replaced (after the measurement) for the next sample; the survivor stays.
 */
export async function failoverCase(redis: string, dir: string, lockMs: number | undefined, stalledMs: number | undefined, samples: number): Promise<{ measurement: Measurement; notes: string[] }> {
  const lock = lockMs ?? 10_000;
  const stalled = stalledMs ?? 5000;
  const name = `lock ${lock} / stalled ${stalled}${lockMs === undefined ? " (defaults)" : ""}`;
  const queue = `scale-out-failover-${lock}-${stalled}-${process.pid}`;
  const log = join(dir, `${queue}.log`);
  writeFileSync(log, "");
  const settings: WorkerSettings = { redis, queue, command: writeAgent(dir), log, ...(lockMs !== undefined ? { lockMs } : {}), ...(stalledMs !== undefined ? { stalledMs } : {}) };
  const random = seededRandom(lock);
  let spawned = 0;
  const newWorker = (): WorkerProcess => spawnWorker(`w${++spawned}`, settings, dir);
  let pool = [newWorker(), newWorker()];
  const runner = createBullmqRunner({ connection: redis, queue, pollIntervalMs: 1000, settleTimeoutMs: 20_000 });
  const got: FailoverSample[] = [];
  let error: string | undefined;
  try {
    for (let i = 0; i < samples; i++) {
      await Promise.all(pool.map((w) => w.ready));
      // A random phase against the workers' stalled checks (a new worker checks as it starts).
      await delay(random() * stalled);
      const before = readStarts(log).length;
      const abort = new AbortController();
      let settledEarly: string | undefined;
      const early = (what: string): void => void (abort.signal.aborted || (settledEarly ??= what));
      const run = runner.run(sleeperTask(`failover-${i}`), abort.signal).then(
        () => early("resolved"),
        (e: unknown) => early(String(e).slice(0, 160)),
      );
      try {
        const first = (await waitForStarts(log, before + 1, 15_000))[before]!;
        const a = pool.find((w) => w.name === first.worker)!;
        // Killed at a random point of its lock renewal cycle (BullMQ 6's lock manager ticks every
        // lockRenewTime/2 = lock/4 and renews a lock older than lock/4: in practice every tick).
        await delay(random() * (lock / 4));
        const killedAt = Date.now();
        process.kill(a.child.pid!, "SIGKILL");
        const agentDeath = timeToDeath(first.pid, killedAt, 5000);
        const second = (await waitForStarts(log, before + 2, lock + 4 * stalled + 10_000))[before + 1]!;
        const agentDeadAtRestart = !isAlive(first.pid);
        const survivor = agentDeadAtRestart ? undefined : describePid(first.pid);
        got.push({
          failoverMs: second.at - killedAt,
          toSpawnMs: second.spawned - killedAt,
          agentDeadMs: await agentDeath,
          agentDeadAtRestart,
          otherWorker: second.worker !== a.name,
          ...(survivor ? { survivor } : {}),
          ...(settledEarly ? { settledEarly } : {}),
        });
        await a.stop();
        pool = [...pool.filter((w) => w !== a), newWorker()];
      } finally {
        abort.abort(new Error("bench: measured"));
        await run;
      }
    }
  } catch (e) {
    error = (e instanceof Error ? e.message : String(e)).slice(0, 120);
  } finally {
    await runner.close();
    await Promise.all(pool.map((w) => w.stop()));
  }
  const runsMs = got.map((s) => s.failoverMs);
  const deaths = got.map((s) => s.agentDeadMs).filter((ms): ms is number => ms !== null);
  const early = got.filter((s) => s.settledEarly !== undefined);
  const range = (values: number[]): string => (values.length > 0 ? `${Math.min(...values)}–${Math.max(...values)}` : "—");
  const notes = got.filter((s) => s.survivor).map((s) => `${name}: A's agent still alive when B's started: ${s.survivor}`);
  if (early.length > 0) notes.push(`${name}: run() settled before the abort in ${early.length} sample(s): ${early[0]!.settledEarly}`);
  const measurement: Measurement = {
    name,
    medianMs: error === undefined && runsMs.length > 0 ? median(runsMs) : null,
    runsMs,
    ...(error !== undefined ? { error } : {}),
    extra: {
      N: got.length,
      "min–max ms": range(runsMs),
      "÷ lock": runsMs.length > 0 ? (median(runsMs) / lock).toFixed(2) : "—",
      "to B's agent spawn ms (median)": got.length > 0 ? median(got.map((s) => s.toSpawnMs)).toFixed(0) : "—",
      "expected ms": `${(lock * 3) / 4}–${lock + stalled} + start`,
      "on other worker": `${got.filter((s) => s.otherWorker).length}/${got.length}`,
      "A's agent dead at restart": `${got.filter((s) => s.agentDeadAtRestart).length}/${got.length}`,
      "A's agent dead ≤5 s (median ms)": `${deaths.length}/${got.length} (${deaths.length > 0 ? median(deaths).toFixed(0) : "—"})`,
    },
  };
  return { measurement, notes };
}
