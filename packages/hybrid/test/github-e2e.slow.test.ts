// The example epic (17 nodes; handoffs on acme/agents#7, #8 and #9; the epic is #7) through the
// real HybridOrchestrator in child processes, killed with kill -9 at seeded moments: while GitHub
// holds the answer to the k-th write (the comment is stored, the process never hears back), or
// after a seeded delay. Each killed run is resumed in a fresh process (killed again, sometimes)
// until one finishes. Half the rounds have a node that fails for good in every process. After each
// round, counted server-side: one progress comment for the run, one post-mortem if it failed and
// none if it succeeded, one handoff comment per idempotency key and none that the result does not
// link, no secret anywhere. All rounds share one server, so every run must find only its own.
// HYBRID_GITHUB_E2E_ROUNDS sets the number of rounds (default 4); the default suite's
// github-e2e.test.ts has the reduced version (one kill, one resume, the small epic).
import type { GitHubServer } from "@hybrid/test-utils";
import { seededRandom } from "@hybrid/test-utils";
import { beforeAll, describe, expect, it } from "vitest";
import type { E2EChildResult } from "./fixtures/github-e2e-child.js";
import { BOT, TOKEN, allComments, escalations, gitHub, nodeHandoffs, prepareChildren, progressComments, scratch, startChild } from "./fixtures/github-e2e.js";
import type { E2EChild } from "./fixtures/github-e2e.js";
import { EXAMPLE_EPIC, SECRET } from "./fixtures/github-e2e-config.js";

const ROUNDS = Number(process.env.HYBRID_GITHUB_E2E_ROUNDS ?? 4);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** How a process of the round is stopped: at the k-th write GitHub receives from it, after a delay, or not at all. */
type Kill = { at: "write"; k: number } | { at: "delay"; ms: number } | { at: "never" };

/**
 * Runs one orchestrator process to its kill (or its end): its result if it finished, undefined if
 * it was killed first. A process that dies on its own without a result fails the test.
 */
async function runUntil(server: GitHubServer, start: () => Promise<E2EChild>, kill: Kill, log: string[]): Promise<E2EChildResult | undefined> {
  let writes = 0;
  const hold = kill.at === "write" ? server.holdNext((r) => r.method !== "GET" && ++writes === kill.k) : undefined;
  const child = await start();
  const finished = child.result().then(
    (result) => ({ result, error: undefined }),
    (error: unknown) => ({ result: undefined, error }),
  );
  // The delay counts from the first agent's start: by then the run has a journal to resume.
  const trigger =
    kill.at === "write" ? hold!.held.then(() => "kill" as const) : kill.at === "delay" ? child.line("started ").then(() => sleep(kill.ms)).then(() => "kill" as const) : new Promise<never>(() => {});
  const first = await Promise.race([finished, trigger.catch(() => "gone" as const)]);
  const killed = first === "kill";
  if (killed) {
    await child.kill9();
    if (kill.at === "write") {
      const held = await hold!.held;
      log.push(`killed holding ${held.method} ${held.path.split("?")[0]}`);
    } else if (kill.at === "delay") log.push(`killed after ${kill.ms}ms`);
  } else log.push("finished");
  hold?.release();
  const { result, error } = await finished;
  if (result === undefined && !killed) throw error;
  return result;
}

describe("the example epic across kill -9 and resume, on the local GitHub server (slow)", () => {
  beforeAll(() => prepareChildren());

  it(`${ROUNDS} seeded rounds: one progress comment, one post-mortem per failed run, one comment per handoff key`, async () => {
    const server = await gitHub();
    const random = seededRandom(1107);
    const pick = (): Kill => {
      const r = random();
      return r < 0.6 ? { at: "write", k: 1 + Math.floor(random() * 7) } : { at: "delay", ms: Math.floor(random() * 6000) };
    };
    let resumed = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const runId = `slow-${round}`;
      const failing = round % 2 === 0;
      const base = { baseUrl: server.url, token: TOKEN, stateDir: await scratch(), runId, workflow: EXAMPLE_EPIC, seed: 100 + round, fail: failing ? ["feature-flags"] : [] };
      // The first process always dies holding a write (the window where a duplicate is born); the
      // first resume sometimes dies too, at a write or after a delay.
      const kills: Kill[] = [{ at: "write", k: 1 + Math.floor(random() * 7) }, random() < 0.5 ? pick() : { at: "never" }];
      const log: string[] = [];
      let result = await runUntil(server, () => startChild({ action: "execute", ...base }), kills[0]!, log);
      let processes = 1;
      while (result === undefined) {
        const kill = kills[processes] ?? { at: "never" };
        result = await runUntil(server, () => startChild({ action: "resume", ...base }), kill, log);
        processes++;
        expect(processes, `${runId}: still unfinished after ${processes} processes`).toBeLessThan(6);
      }
      const where = `${runId} (${failing ? "failing" : "succeeding"}: ${log.join(", then ")})`;
      resumed += processes > 1 ? 1 : 0;

      // The run's outcome.
      expect(result.status, where).toBe(failing ? "failed" : "succeeded");
      if (failing) expect(result.nodes["feature-flags"]!.status, where).toBe("failed");
      else expect(Object.values(result.nodes).every((n) => n.status === "succeeded"), where).toBe(true);

      // One progress comment, ours, at the last wave, agreeing with the result.
      const progress = progressComments(server, runId);
      expect(progress, where).toHaveLength(1);
      expect(progress[0]!.user.login).toBe(BOT);
      expect(progress[0]!.body, where).toContain("wave 8/8");
      for (const [id, node] of Object.entries(result.nodes)) {
        expect(progress[0]!.body, `${where}: row of ${id}`).toContain(`| \`${id}\` | `);
        expect(progress[0]!.body.split("\n").find((line) => line.startsWith(`| \`${id}\` |`)), `${where}: row of ${id}`).toContain(`| \`${node.status}\` | ${node.attempts} |`);
      }

      // One post-mortem if the run failed, none if it succeeded.
      const postMortems = escalations(server, runId);
      expect(postMortems.map((c) => c.html_url), where).toEqual(failing ? [result.escalationUrl] : []);

      // One comment per handoff key, and each is the one the result links.
      const handoffs = nodeHandoffs(server, runId);
      for (const [key, comments] of handoffs) expect(comments.length, `${where}: comments of ${key}`).toBe(1);
      const linked = Object.values(result.nodes).flatMap((n) => (n.handoffUrl?.startsWith("https://") ? [n.handoffUrl] : []));
      expect([...handoffs.values()].map(([c]) => c!.html_url).sort(), where).toEqual(linked.sort());

      for (const comment of allComments(server)) expect(comment.body, where).not.toContain(SECRET);
      if (process.env.HYBRID_GITHUB_E2E_VERBOSE === "1") process.stdout.write(`${where}\n`);
    }
    // The rounds did kill runs mid-way (a kill after the run's end kills nothing).
    expect(resumed).toBeGreaterThan(0);
  });
});
