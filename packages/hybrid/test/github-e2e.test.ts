// Escalation and the progress ledger end to end (issue 11): the real HybridOrchestrator, wired from
// its config (GitHub on, the local server as baseUrl, the token in the environment, the epic as
// escalation target), against the local server speaking GitHub's REST API. What GitHub received is
// counted server-side. The small epic (fixtures/github-e2e-epic.yaml): waves [design], [api, flags],
// [docs]; `api` hands off on acme/agents#8; `flags` fails for good with a secret in its error.
// The slow suite runs the example epic through seeded kill -9 rounds.
//
// Through the orchestrator GitHub writes are spaced as in production (1 s per write, 3 s between
// comment posts: @octokit/plugin-throttling's process-wide default, which no orchestrator option
// changes), so each run here idles a few seconds. No assertion is about time.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { HybridOrchestrator } from "../src/index.js";
import {
  APP_BOT,
  APP_TOKEN,
  BOT,
  TOKEN,
  allComments,
  edits,
  epicComments,
  epicPosts,
  escalations,
  gitHub,
  ledgerLines,
  nodeHandoffs,
  prepareChildren,
  progressComments,
  scratch,
  startChild,
  writes,
} from "./fixtures/github-e2e.js";
import { EPIC_ISSUE, EPIC_KEY, OFFLINE_CONFIG, OWNER, REPO_ROOT, SECRET, SMALL_EPIC, TOKEN_ENV, e2eConfig, e2eRunner, handoffPrefix, progressMarker } from "./fixtures/github-e2e-config.js";

/** A comment anybody could write on the public epic, carrying one of the run's markers. */
const forgedBy = (login: string, firstLine: string) => ({ body: `${firstLine}\nlooks official`, user: { login } });

/** The row of `node` in a progress table: `| \`node\` | \`agent\` | \`status\` | attempts | handoff |`. */
const row = (body: string, node: string): string[] =>
  body
    .split("\n")
    .find((line) => line.startsWith(`| \`${node}\` |`))!
    .split("|")
    .slice(1, -1)
    .map((cell) => cell.trim());

describe("a failed run on GitHub (in process)", () => {
  it("posts one post-mortem mentioning the owner and one progress comment edited in place, ignoring forged markers", async () => {
    const server = await gitHub();
    const dir = await scratch();
    const runId = "e2e-fail-1";
    // Before the run, somebody else copies both markers onto the epic: neither may suppress ours.
    const [forgedProgress, forgedEscalation] = server.seedComments(EPIC_KEY, [
      forgedBy("mallory", progressMarker(runId)),
      forgedBy("mallory", `${handoffPrefix(`${runId}:escalation`)}run=${runId} node=escalation agent=hybrid -->`),
    ]);
    const result = await new HybridOrchestrator({
      config: e2eConfig(server.url),
      env: { [TOKEN_ENV]: TOKEN },
      runner: e2eRunner({ seed: 7, fail: ["flags"] }),
      stateDir: dir,
      repoRoot: REPO_ROOT,
      onWarning: () => {},
    }).execute(SMALL_EPIC, { runId });

    expect(result.status).toBe("failed");
    expect(result.warnings).toEqual([]);
    expect(Object.fromEntries(Object.entries(result.nodes).map(([id, n]) => [id, n.status]))).toEqual({ design: "succeeded", api: "succeeded", flags: "failed", docs: "blocked" });

    // 1. One post-mortem, ours, on the epic: owner, run, failed node, root cause, remediation; no secret.
    const [postMortem, ...morePostMortems] = escalations(server, runId).filter((c) => c.id !== forgedEscalation!.id);
    expect(morePostMortems).toEqual([]);
    expect(postMortem).toMatchObject({ user: { login: BOT }, html_url: result.escalationUrl });
    expect(epicComments(server)).toContain(postMortem);
    const text = postMortem!.body;
    expect(text).toContain(`@${OWNER}: hybrid run \`${runId}\` of workflow \`e2e-epic-7\` failed.`);
    expect(text).toContain("**Nodes:** `flags`");
    expect(text).toContain(`## Post-mortem: run \`${runId}\` — failed`);
    expect(text).toMatch(/- \*\*Root cause:\*\* .*flags.*failed permanently/);
    expect(text).toContain("the deploy key [REDACTED:github-token] was refused by the registry");
    expect(text).toContain("**What to do:**");
    expect(text).toContain(`resume run \`${runId}\` with \`retryFailed\``);
    expect(text).toContain("`docs` blocked by `flags`");
    for (const comment of allComments(server)) expect(comment.body).not.toContain(SECRET);

    // 2. One progress comment, ours: posted once, then only edited; it ends as the file says.
    const progress = progressComments(server, runId).filter((c) => c.id !== forgedProgress!.id);
    expect(progress).toHaveLength(1);
    const ours = progress[0]!;
    expect(ours.user.login).toBe(BOT);
    expect(epicComments(server)).toContain(ours);
    const epicWrites = writes(server).filter((w) => w.includes("/issues/7/") || w.endsWith(`/comments/${ours.id}`));
    // The progress comment's POST, its edits, and the post-mortem's POST; nothing else on the epic.
    expect(epicPosts(server)).toHaveLength(2);
    expect(edits(server, ours.id).length).toBeGreaterThanOrEqual(1);
    expect(epicWrites.indexOf("POST /repos/acme/agents/issues/7/comments")).toBe(0);
    expect(edits(server, forgedProgress!.id)).toEqual([]);
    expect(ours.body).toBe(await readFile(join(dir, "runs", runId, "progress.md"), "utf8"));
    expect(ours.body).toContain("wave 3/3");
    const apiHandoff = nodeHandoffs(server, runId);
    expect([...apiHandoff.values()].map((comments) => comments.length)).toEqual([1]);
    const apiComment = [...apiHandoff.values()][0]![0]!;
    expect(server.comments.get("acme/agents#8")).toEqual([apiComment]);
    expect(row(ours.body, "api")).toEqual(["`api`", "`backend-engineer`", "`succeeded`", "1", `[handoff](${apiComment.html_url})`]);
    expect(row(ours.body, "flags")).toEqual(["`flags`", "`devops-engineer`", "`failed`", "1", ""]);
    expect(row(ours.body, "docs")).toEqual(["`docs`", "`technical-writer`", "`blocked`", "0", ""]);
    expect(row(ours.body, "design")[3]).toBe("1");
    expect(row(ours.body, "design")[4]).toMatch(/^`ledger:\/\/.*#e2e-fail-1%3Adesign%3A[0-9a-f]+`$/);
  });
});

describe("a GitHub App's token (identity configured)", () => {
  it("posts the post-mortem and handoffs as the App, and a restarted orchestrator finds both comments instead of posting again", async () => {
    const server = await gitHub();
    const dir = await scratch();
    const runId = "e2e-app-1";
    const make = () =>
      new HybridOrchestrator({
        config: e2eConfig(server.url, { identity: APP_BOT }),
        env: { [TOKEN_ENV]: APP_TOKEN },
        runner: e2eRunner({ seed: 7, fail: ["design"] }),
        stateDir: dir,
        repoRoot: REPO_ROOT,
        onWarning: () => {},
      });
    const first = await make().execute(SMALL_EPIC, { runId });
    expect(first.status).toBe("failed");
    const [postMortem, ...others] = escalations(server, runId);
    expect(others).toEqual([]);
    expect(postMortem).toMatchObject({ user: { login: APP_BOT }, html_url: first.escalationUrl });
    expect(await ledgerLines(dir)).toEqual([]);
    const [progress] = progressComments(server, runId);
    expect(progress!.user.login).toBe(APP_BOT);

    // A new process (a new orchestrator) resumes the failed run: same comments, edited, none posted.
    const posts = epicPosts(server).length;
    const again = await make().resume(runId);
    expect(again.status).toBe("failed");
    expect(again.escalationUrl).toBe(first.escalationUrl);
    expect(epicPosts(server)).toHaveLength(posts);
    expect(escalations(server, runId)).toHaveLength(1);
    expect(progressComments(server, runId)).toEqual([progress]);
    expect(edits(server, progress!.id).length).toBeGreaterThanOrEqual(1);
  });
});

describe("kill -9 mid-run and resume in a fresh process", () => {
  beforeAll(() => prepareChildren());

  it("one progress comment (edited by the resume), one post-mortem, one handoff comment per key", async () => {
    const server = await gitHub();
    const dir = await scratch();
    const runId = "e2e-kill-1";
    const base = { baseUrl: server.url, token: TOKEN, stateDir: dir, runId, workflow: SMALL_EPIC, seed: 11, fail: ["flags"] };
    // GitHub stores api's handoff comment, and the orchestrator dies before it hears back: the
    // worst moment for a duplicate (the journal has api dispatched, not succeeded).
    const apiPost = server.holdNext((r) => r.method === "POST" && r.path.startsWith("/repos/acme/agents/issues/8/comments"));
    const doomed = await startChild({ action: "execute", ...base });
    await apiPost.held;
    await doomed.kill9();
    apiPost.release();
    const [progressBefore] = progressComments(server, runId);
    expect(progressBefore, "the progress comment was posted at the first wave boundary").toBeDefined();
    expect(escalations(server, runId)).toEqual([]);
    expect([...nodeHandoffs(server, runId).values()].map((c) => c.length)).toEqual([1]);
    const postsBefore = epicPosts(server).length;

    const resumed = await startChild({ action: "resume", ...base });
    await resumed.line("started api");
    const result = await resumed.result();
    expect(result.status).toBe("failed");
    expect(result.warnings).toEqual([]);
    expect(result.nodes.design).toMatchObject({ status: "succeeded", reused: true });
    expect(result.nodes.flags).toMatchObject({ status: "failed" });
    expect(result.nodes.docs).toMatchObject({ status: "blocked" });

    // Still one progress comment, the same one, edited by the resume.
    expect(progressComments(server, runId)).toEqual([progressBefore]);
    expect(progressBefore!.body).toContain("wave 3/3");
    // Nodes an earlier process completed keep their attempts and handoff links in the table.
    expect(row(progressBefore!.body, "design")).toEqual(["`design`", "`solution-architect`", "`succeeded`", "1", expect.stringMatching(/^`ledger:\/\//)]);
    expect(edits(server, progressBefore!.id).length).toBeGreaterThanOrEqual(1);
    // One post-mortem, posted by the resume; it is the only comment the resume posted on the epic.
    const [postMortem, ...others] = escalations(server, runId);
    expect(others).toEqual([]);
    expect(postMortem!.html_url).toBe(result.escalationUrl);
    expect(epicPosts(server)).toHaveLength(postsBefore + 1);
    // api ran again (same idempotency key) and found the comment GitHub had stored: one per key.
    const handoffs = nodeHandoffs(server, runId);
    expect([...handoffs.values()].map((c) => c.length)).toEqual([1]);
    expect(result.nodes.api).toMatchObject({ status: "succeeded", handoffUrl: [...handoffs.values()][0]![0]!.html_url });
    expect(server.comments.get("acme/agents#8")).toHaveLength(1);
    for (const comment of allComments(server)) expect(comment.body).not.toContain(SECRET);
  });
});

describe("offline (no GitHub)", () => {
  it("the escalation is one ledger line per run, across a resume; progress goes to runs/<runId>/progress.md", async () => {
    const dir = await scratch();
    const make = (fail: string[]) =>
      new HybridOrchestrator({ config: OFFLINE_CONFIG, env: {}, runner: e2eRunner({ seed: 3, fail }), stateDir: dir, repoRoot: REPO_ROOT, onWarning: () => {} });
    const first = await make(["flags"]).execute(SMALL_EPIC, { runId: "offline-1" });
    expect(first.status).toBe("failed");
    expect(first.escalationUrl).toMatch(/^ledger:\/\/.*#offline-1%3Aescalation$/);
    // The resume fails again (flags still fails): its post-mortem is the same line.
    const again = await make(["flags"]).resume("offline-1", { retryFailed: true });
    expect(again.status).toBe("failed");
    expect(again.escalationUrl).toBe(first.escalationUrl);
    expect(again.nodes.design).toMatchObject({ reused: true, attempts: 1 });
    // Another run, failing too: a line of its own.
    await make(["docs"]).execute(SMALL_EPIC, { runId: "offline-2" });
    const escalationLines = (await ledgerLines(dir)).filter((line) => line.nodeId === "escalation");
    expect(escalationLines.map((line) => line.idempotencyKey)).toEqual(["offline-1:escalation", "offline-2:escalation"]);
    // The ledger keeps where the post-mortem would have gone.
    expect(escalationLines[0]!.issue).toEqual(EPIC_ISSUE);
    expect(escalationLines[0]!.summary).toContain(`@${OWNER}: hybrid run \`offline-1\``);
    expect(escalationLines[0]!.summary).toContain("- **Root cause:**");
    expect(JSON.stringify(await ledgerLines(dir))).not.toContain(SECRET);

    const progress = await readFile(join(dir, "runs", "offline-1", "progress.md"), "utf8");
    expect(progress.split("\n")[0]).toBe(progressMarker("offline-1"));
    expect(progress).toContain("wave 3/3");
    // The file is the resume's: flags was tried again (its second attempt) and failed again.
    expect(row(progress, "flags")).toEqual(["`flags`", "`devops-engineer`", "`failed`", "2", ""]);
    expect(row(progress, "design")).toEqual(["`design`", "`solution-architect`", "`succeeded`", "1", expect.stringMatching(/^`ledger:\/\/.*#offline-1%3Adesign%3A[0-9a-f]+`$/)]);
    expect(progress).not.toContain(SECRET);
  });
});
