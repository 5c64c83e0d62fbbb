// Every shipped provider runs the provider contract from @hybrid/test-utils.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startGitHubServer, testContextProvider } from "@hybrid/test-utils";
import {
  createDocsProvider,
  createGitHubCommentsProvider,
  createHandoffProvider,
  createWorkItemProvider,
  formatHandoffMarker,
  type ContextEvent,
  type ContextRequest,
} from "../src/index.js";

const request = (extra: Partial<ContextRequest["node"]> = {}): ContextRequest => ({
  runId: "contract-run",
  node: {
    id: "impl",
    agent: "implementer",
    priority: "implementation",
    scope: "Implement the retry policy",
    acceptance: ["retries documented"],
    dependsOn: ["arch"],
    outputs: ["src/retry.ts"],
    ...extra,
  },
  blockers: [{ nodeId: "load-test", status: "blocked", reason: "waiting for staging" }],
  upstream: [
    { nodeId: "arch", agent: "architect", output: "Use exponential backoff.", distance: 1, completedAt: "2025-01-02T10:00:00+02:00" },
    { nodeId: "spike", agent: "researcher", output: "Retry storms seen in 2024.", distance: 2, completedAt: "2025-01-01T09:00:00Z" },
  ],
});

testContextProvider({
  name: "createWorkItemProvider",
  create: () => ({ provider: createWorkItemProvider(), request: request(), events: [] }),
});

testContextProvider({
  name: "createHandoffProvider",
  create: () => ({ provider: createHandoffProvider(), request: request(), events: [] }),
});

testContextProvider({
  name: "createDocsProvider",
  async create() {
    const root = await mkdtemp(join(tmpdir(), "ctx-contract-"));
    await mkdir(join(root, "docs"), { recursive: true });
    await writeFile(join(root, "docs/retry.md"), "# Retry\nBack off exponentially.\n");
    await writeFile(join(root, ".system-state"), "phase: B\n");
    const events: ContextEvent[] = [];
    const provider = createDocsProvider({ root, onEvent: (e) => events.push(e), clock: () => new Date("2025-02-01T00:00:00Z") });
    return {
      provider,
      request: request({ docs: ["docs/retry.md", "docs/missing.md"] }),
      events,
      cleanup: () => rm(root, { recursive: true, force: true }),
    };
  },
});

testContextProvider({
  name: "createGitHubCommentsProvider",
  async create() {
    const server = await startGitHubServer({ now: () => new Date("2025-01-01T00:00:00Z") });
    server.seedComments("acme/agents#7", [
      { body: `${formatHandoffMarker({ runId: "contract-run", nodeId: "arch", agent: "architect" })}\nBackoff chosen.` },
      { body: "Please keep retries bounded.", user: { login: "lead" }, updated_at: "2025-01-01T03:00:00+02:00" },
    ]);
    const events: ContextEvent[] = [];
    const provider = createGitHubCommentsProvider({
      baseUrl: server.url,
      auth: "contract-token",
      authors: ["lead"],
      onEvent: (e) => events.push(e),
      retries: 0,
    });
    return {
      provider,
      request: request({ issue: { owner: "acme", repo: "agents", number: 7 } }),
      events,
      cleanup: () => server.close(),
    };
  },
});
