// The contract every AgentRunner must meet (dispatch's `AgentRunner`). A runner implementation runs
// it in a few lines from its own tests. Typed structurally, so test-utils does not depend on
// @hybrid/dispatch. Process runners are checked with an oracle of their own: `ps`, read at the
// moment the runner's promise settles.
import { execFileSync } from "node:child_process";
import { hostname } from "node:os";
import { describe, expect, it } from "vitest";

/** An agent's OS process, as a process runner reports it (structurally dispatch's `AgentProcess`). */
export interface ContractAgentProcess {
  pid: number;
  pgid: number;
  hostname: string;
  startTime?: string;
}

/** The task a runner is given (structurally dispatch's `AgentTask`). */
export interface ContractAgentTask {
  runId: string;
  nodeId: string;
  agent: string;
  priority: "security" | "architecture" | "implementation" | "docs";
  attempt: number;
  idempotencyKey: string;
  prompt: string;
  node: { id: string; agent: string; priority: "security" | "architecture" | "implementation" | "docs"; scope: string; acceptance: string[]; dependsOn: string[] };
  reportProcess?: (process: ContractAgentProcess) => Promise<void>;
}

/** The runner surface under test (structurally dispatch's `AgentRunner`). */
export interface ContractAgentRunner {
  run(task: ContractAgentTask, signal: AbortSignal): Promise<{ output: string; tokens?: { input: number; output: number } }>;
}

/**
 * What the runner under test is asked to do: `echo` succeeds with an output showing the task fields
 * listed in `echoes`; `hang` never finishes on its own (a process runner's agent should ignore
 * SIGTERM and start a child in its group, the hardest case); `fail` fails.
 */
export type AgentRunnerScenario = "echo" | "hang" | "fail";

/** Task fields an echo output can show. */
export type EchoedField = "prompt" | "runId" | "nodeId" | "attempt" | "idempotencyKey";

/** Options of {@link testAgentRunner}. */
export interface AgentRunnerContractOptions {
  name: string;
  /** A runner that behaves as `scenario` says. */
  create(scenario: AgentRunnerScenario): ContractAgentRunner | Promise<ContractAgentRunner>;
  /** Task fields the echo output shows (the `HYBRID_*` variables of a command agent). @default all of them */
  echoes?: readonly EchoedField[];
  /** The runner starts OS processes: it reports each through `reportProcess`, and its group is dead when it settles. @default false */
  processes?: boolean;
  /** Catastrophic bound for settling after an abort (not a timing assertion). @default 15000 */
  settleWithinMs?: number;
}

let counter = 0;

/** A task with distinctive values, so an echo cannot match by accident. */
export function contractTask(extra: Partial<ContractAgentTask> = {}): ContractAgentTask {
  counter++;
  const nodeId = `contract-node-${counter}`;
  return {
    runId: `contract-run-${process.pid}-${counter}`,
    nodeId,
    agent: "contract-agent",
    priority: "implementation",
    attempt: 3,
    idempotencyKey: `contract-key-${counter}-${process.pid}`,
    prompt: `contract prompt ${counter}: do the thing`,
    node: { id: nodeId, agent: "contract-agent", priority: "implementation", scope: "contract", acceptance: [], dependsOn: [] },
    ...extra,
  };
}

/** Live (not zombie) members of process group `pgid`, as `ps` sees them right now. */
export function liveGroupMembers(pgid: number): number[] {
  const table = execFileSync("ps", ["-eo", "pid=,pgid=,stat="], { encoding: "utf8" });
  const members: number[] = [];
  for (const line of table.split("\n")) {
    const [pid, group, stat] = line.trim().split(/\s+/);
    if (Number(group) === pgid && stat !== undefined && !stat.startsWith("Z")) members.push(Number(pid));
  }
  return members;
}

/** Settles `promise` and, at that very moment, reads what `probe` says (before any other callback runs). */
async function settleWith<T, P>(promise: Promise<T>, probe: () => P): Promise<{ value?: T; error?: unknown; probed: P }> {
  return promise.then(
    (value) => ({ value, probed: probe() }),
    (error: unknown) => ({ error, probed: probe() }),
  );
}

const isCount = (value: unknown): boolean => typeof value === "number" && Number.isSafeInteger(value) && value >= 0;

/**
 * Registers the AgentRunner contract suite.
 * @example testAgentRunner({ name: "function", create: (scenario) => createFunctionRunner(agents[scenario]) });
 */
export function testAgentRunner(options: AgentRunnerContractOptions): void {
  const echoes = options.echoes ?? ["prompt", "runId", "nodeId", "attempt", "idempotencyKey"];
  const bound = options.settleWithinMs ?? 15_000;
  const never = (): AbortSignal => new AbortController().signal;

  describe(`AgentRunner contract: ${options.name}`, () => {
    it("resolves with a valid AgentResult (tokens omitted, or two token counts)", async () => {
      const runner = await options.create("echo");
      const result = await runner.run(contractTask(), never());
      expect(typeof result.output).toBe("string");
      expect(Object.keys(result).every((key) => key === "output" || key === "tokens")).toBe(true);
      if (result.tokens !== undefined) {
        expect(isCount(result.tokens.input) && isCount(result.tokens.output)).toBe(true);
      }
    });

    it(`passes the task's fields to the agent (${echoes.join(", ")})`, async () => {
      const runner = await options.create("echo");
      const task = contractTask();
      const { output } = await runner.run(task, never());
      for (const field of echoes) expect(output).toContain(String(task[field]));
    });

    it("rejects with an Error when the agent fails", async () => {
      const runner = await options.create("fail");
      const error = await runner.run(contractTask(), never()).then(
        () => expect.unreachable("a failing agent must reject"),
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Error);
    });

    it("rejects with the signal's reason at once when the signal is already aborted", async () => {
      const runner = await options.create("echo");
      const reported: ContractAgentProcess[] = [];
      const reason = new Error("contract: aborted before start");
      const task = contractTask({ reportProcess: async (p) => void reported.push(p) });
      await expect(runner.run(task, AbortSignal.abort(reason))).rejects.toBe(reason);
      expect(reported).toEqual([]);
    });

    it("rejects with the signal's reason after an abort, within the bound, and only once its agent stopped", async () => {
      const runner = await options.create("hang");
      const reported: ContractAgentProcess[] = [];
      let started!: () => void;
      const running = new Promise<void>((resolve) => (started = resolve));
      const task = contractTask({
        reportProcess: async (p) => {
          reported.push(p);
          started();
        },
      });
      const controller = new AbortController();
      const promise = runner.run(task, controller.signal);
      // A process runner has started its agent once it reported it; an in-process one at once.
      if (options.processes) await running;
      else await new Promise((resolve) => setTimeout(resolve, 20));
      const reason = new Error("contract: stop");
      const abortedAt = Date.now();
      controller.abort(reason);
      const settled = await settleWith(promise, () => reported.map((p) => liveGroupMembers(p.pgid)));
      expect(settled.error).toBe(reason);
      expect(Date.now() - abortedAt).toBeLessThan(bound);
      if (options.processes) {
        expect(reported).toHaveLength(1);
        expect(settled.probed).toEqual([[]]);
      }
    });

    if (options.processes) {
      it("reports its process (pid, own group, host) and settles only when the group is dead", async () => {
        const runner = await options.create("echo");
        const reported: ContractAgentProcess[] = [];
        const task = contractTask({ reportProcess: async (p) => void reported.push(p) });
        const settled = await settleWith(runner.run(task, never()), () => reported.map((p) => liveGroupMembers(p.pgid)));
        expect(settled.error).toBeUndefined();
        expect(reported).toHaveLength(1);
        expect(reported[0]).toMatchObject({ pgid: reported[0]!.pid, hostname: hostname() });
        expect(settled.probed).toEqual([[]]);
      });

      it("kills its agent and rejects with the error when reportProcess rejects", async () => {
        const runner = await options.create("hang");
        const reported: ContractAgentProcess[] = [];
        const refusal = new Error("contract: journal refused the process");
        const task = contractTask({
          reportProcess: async (p) => {
            reported.push(p);
            throw refusal;
          },
        });
        const settled = await settleWith(runner.run(task, never()), () => reported.map((p) => liveGroupMembers(p.pgid)));
        expect(settled.error).toBe(refusal);
        expect(settled.probed).toEqual([[]]);
      });
    }
  });
}
