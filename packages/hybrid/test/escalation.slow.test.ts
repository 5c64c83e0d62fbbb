// Real restarts: a process escalating a run is killed with kill -9 at a seeded moment (before,
// during or after its post), and a new process escalates the same run. Every run ends with exactly
// one comment, whose URL both the survivor and a later process get.
import { seededRandom } from "@hybrid/test-utils";
import { describe, expect, it } from "vitest";
import { commentsStartingWith, gitHub, scratch, startChild } from "./fixtures/reporting.js";

const ROUNDS = Number(process.env.HYBRID_ESCALATION_ROUNDS ?? 6);

describe("escalation across kill -9 and restart", () => {
  it(`${ROUNDS} rounds: one comment per run`, async () => {
    const server = await gitHub();
    const ledger = await scratch();
    const random = seededRandom(11);
    for (let round = 0; round < ROUNDS; round++) {
      const runId = `run-${round}`;
      const doomed = startChild("./escalate-child.ts", [server.url, ledger, runId]);
      // Somewhere in its start-up or its escalation: loading takes most of a second, posting a few ms.
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 2500)));
      await doomed.kill9();
      const survivor = startChild("./escalate-child.ts", [server.url, ledger, runId]);
      const url = (await survivor.line("url ")).slice(4);
      await survivor.kill9();
      const again = startChild("./escalate-child.ts", [server.url, ledger, runId]);
      expect((await again.line("url ")).slice(4)).toBe(url);
      await again.kill9();
      const ours = commentsStartingWith(server, `<!-- hybrid:handoff key=${runId}%3Aescalation `);
      expect(ours.map((c) => c.html_url)).toEqual([url]);
    }
  });
});
