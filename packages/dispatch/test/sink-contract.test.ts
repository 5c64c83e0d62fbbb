// Every shipped HandoffSink against the contract suite of @hybrid/test-utils: the ledger (its file
// read back here) and the GitHub sink (the local REST server's comments).
import { readFile } from "node:fs/promises";
import { acquireFileLock } from "@hybrid/resilience";
import { startGitHubServer, testHandoffSink } from "@hybrid/test-utils";
import { createGitHubSink } from "../src/github-sink.js";
import { createLedgerSink } from "../src/ledger-sink.js";
import type { LedgerRecord } from "../src/ledger-sink.js";
import { tempDir } from "./helpers.js";

async function ledgerLinesOf(path: string, key: string): Promise<string[]> {
  const text = await readFile(path, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .filter((line) => (JSON.parse(line) as LedgerRecord).idempotencyKey === key);
}

testHandoffSink({
  name: "ledger",
  create: async ({ redact }) => {
    const { dir, cleanup } = await tempDir();
    const sink = createLedgerSink({ dir, redact });
    return {
      sink,
      read: (key) => ledgerLinesOf(sink.path, key),
      // Another process holding the ledger's lock.
      stall: async () => {
        const lock = await acquireFileLock(sink.path);
        return () => lock.release();
      },
      cleanup,
    };
  },
});

const issue = { owner: "acme", repo: "agents", number: 9 };

testHandoffSink({
  name: "GitHub",
  issue,
  create: async ({ redact }) => {
    const gh = await startGitHubServer();
    const { dir, cleanup } = await tempDir();
    const sink = createGitHubSink({ auth: "test-token", baseUrl: gh.url, redact, retryAfterBaseMs: 1, writeIntervalMs: 0, ledgerDir: dir });
    const marker = (key: string): string => `<!-- hybrid:handoff key=${encodeURIComponent(key)} `;
    return {
      sink,
      read: async (key) => (gh.comments.get(`${issue.owner}/${issue.repo}#${issue.number}`) ?? []).map((c) => c.body).filter((body) => body.startsWith(marker(key))),
      cleanup: async () => {
        await gh.close();
        await cleanup();
      },
    };
  },
});
