// @hybrid/context used alone: compose one node's prompt from a local docs folder, with provenance.
// Run: pnpm tsx --conditions=@hybrid/source examples/context-only.ts
import { fileURLToPath } from "node:url";
import {
  composeContext,
  composeFullContext,
  createContextEventCounter,
  createDocsProvider,
  createHandoffProvider,
  createWorkItemProvider,
  loadContext,
  type ContextRequest,
} from "@hybrid/context";

const root = fileURLToPath(new URL("./repo/", import.meta.url));
const counter = createContextEventCounter();
const providers = [
  createWorkItemProvider(),
  createHandoffProvider(),
  createDocsProvider({ root, maxTokensPerFile: 50, onEvent: counter.onEvent }),
];

// Secret-looking values are assembled at run time, never written out: the point is to see them redacted.
const leakedToken = ["ghp", "_", "x7Kq2Lm9Vd4Rt8Wn3Yb6Hc1Pz5Jf0Ga2Se7Uo4"].join("");
const request: ContextRequest = {
  node: {
    id: "retry-docs",
    agent: "tech-writer",
    priority: "docs",
    scope: "Document the retry policy and the breaker for operators",
    acceptance: ["retry backoff and breaker thresholds documented", "links ADR-0006"],
    dependsOn: ["resilience-impl"],
    outputs: ["docs/operations/retries.md"],
    docs: ["docs/architecture.md", "docs/adr/0006-*.md"],
  },
  blockers: [{ nodeId: "load-test", status: "blocked", reason: "waiting for a staging slot" }],
  upstream: [
    {
      nodeId: "resilience-impl",
      agent: "implementer",
      distance: 1,
      completedAt: "2025-01-02T10:00:00Z",
      output: `Implemented retry (3 attempts, backoff 1s/4s/9s) and the breaker. CI token used: ${leakedToken}`,
    },
    {
      nodeId: "breaker-design",
      agent: "solution-architect",
      distance: 2,
      completedAt: "2025-01-01T09:00:00Z",
      output: Array.from({ length: 20 }, (_, i) => `Design note ${i}: the breaker state is checkpointed with the run.`).join("\n"),
    },
    // Older history the legacy mode would resend in full.
    ...Array.from({ length: 8 }, (_, i) => ({
      nodeId: `earlier-${i}`,
      agent: "implementer",
      distance: 3 + i,
      completedAt: `2024-12-2${i}T09:00:00Z`,
      output: Array.from({ length: 30 }, (_, l) => `Earlier step ${i}, log line ${l}: schema migrated, tests green.`).join("\n"),
    })),
  ],
  runId: "example-run",
};

const segments = await loadContext(providers, request);
const hybrid = composeContext(segments, { hardCap: 1000 });
// The legacy baseline: every output and whole documents, no cap.
const wholeDocs = createDocsProvider({ root, maxTokensPerFile: 1_000_000 });
const full = composeFullContext(await loadContext([providers[0]!, providers[1]!, wholeDocs], request));

console.log(hybrid.prompt);
console.log("\n---");
console.log(`tokens: ${hybrid.tokens} (budget ${hybrid.budget}); the legacy full context would be ${full.tokens}`);
console.log(`included: ${hybrid.included.join(", ")}`);
console.log(`truncated: ${hybrid.truncated.join(", ") || "none"}; pruned: ${hybrid.pruned.join(", ") || "none"}`);
console.log(`redactions: ${JSON.stringify(hybrid.findingsByKind)}; L3 cache: ${JSON.stringify(counter.snapshot().L3)}`);
