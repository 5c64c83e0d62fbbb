// The GitHub sink with its production defaults: real rate-limit waits (retry-after × 1000 ms) and
// the throttling plugin's process-wide spacing of comment posts. The default suite shrinks both.
import { startGitHubServer } from "@hybrid/test-utils";
import { describe, expect, it } from "vitest";
import { createGitHubSink } from "../src/github-sink.js";
import { createLedgerSink } from "../src/ledger-sink.js";
import { tempDir } from "./helpers.js";

describe("createGitHubSink with its default waits (slow)", () => {
  it("waits out a real secondary rate limit and spaces two posts, each posted once", async () => {
    const gh = await startGitHubServer();
    const { dir, cleanup } = await tempDir();
    try {
      gh.failNext(403, { secondaryRateLimit: true, retryAfterSec: 1 });
      const sink = createGitHubSink({ auth: "test-token", baseUrl: gh.url, redact: (text) => text, fallback: createLedgerSink({ dir, redact: (text) => text }) });
      const issue = { owner: "acme", repo: "agents", number: 7 };
      const base = { runId: "run-1", agent: "coder", at: 0, summary: "done", issue };
      const [a, b] = await Promise.all([
        sink.record({ ...base, nodeId: "a", idempotencyKey: "run-1:a:1" }),
        sink.record({ ...base, nodeId: "b", idempotencyKey: "run-1:b:1" }),
      ]);
      expect(a.url).not.toBe(b.url);
      expect([a.url, b.url].every((url) => url.includes("#issuecomment-"))).toBe(true);
      expect(gh.requests.filter((r) => r.method === "POST").map((r) => r.status)).toEqual([201, 201]);
      expect(gh.requests.filter((r) => r.status === 403)).toHaveLength(1);
    } finally {
      await gh.close();
      await cleanup();
    }
  });
});
