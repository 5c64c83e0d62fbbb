// Real restarts: a process reporting a run's progress wave after wave is killed with kill -9 at a
// seeded moment (before its first post, mid-edit, between edits), and a new process goes on with
// the same run. However the kills fall, the run has one progress comment, edited in place.
import { redact } from "@hybrid/context";
import { seededRandom } from "@hybrid/test-utils";
import { describe, expect, it } from "vitest";
import { createProgressReporter } from "../src/index.js";
import { commentsStartingWith, count, gitHub, issue, scratch, startChild } from "./fixtures/reporting.js";
import { snapshotAt } from "./fixtures/snapshots.js";

const ROUNDS = Number(process.env.HYBRID_PROGRESS_ROUNDS ?? 6);

describe("progress ledger across kill -9 and restart", () => {
  it(`${ROUNDS} processes killed in turn: one comment`, async () => {
    const server = await gitHub();
    const stateDir = await scratch();
    const random = seededRandom(7);
    for (let round = 0; round < ROUNDS; round++) {
      const child = startChild("./progress-child.ts", [server.url, stateDir, "run-k", "100000"]);
      // Even rounds: right after a seeded edit (the next one is in flight). Odd rounds: at a seeded
      // moment, often during its start-up (about a second) or its first post.
      if (round % 2 === 0) await child.line(`wave ${1 + Math.floor(random() * 20)} `);
      else await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 2000)));
      await child.kill9();
    }
    const progress = createProgressReporter({ stateDir, redact, github: { baseUrl: server.url, auth: "t", issue, writeIntervalMs: 0 } });
    const { url, error } = await progress.update(snapshotAt("run-k", 100000, 100000));
    expect(error).toBeUndefined();
    const ours = commentsStartingWith(server, "<!-- hybrid:progress run=run-k -->\n");
    expect(ours.map((c) => c.html_url)).toEqual([url]);
    expect(ours[0]!.body).toContain("wave 100000/100000");
    expect(count(server, "POST", /\/issues\/11\/comments$/)).toBe(1);
  });
});
