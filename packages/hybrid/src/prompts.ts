// Each node's prompt, in the two ways the modes build it, and what the gates need to judge it:
// the memory hierarchy under a hard cap (hybrid), and the legacy full history (sequential, and the
// baseline every hybrid prompt's savings are measured against, counted with the same estimator).
import {
  composeContext,
  composeFullContext,
  createDocsProvider,
  createFileContextCache,
  createGitHubCommentsProvider,
  createHandoffProvider,
  createWorkItemProvider,
  loadContext,
  referencedTerms,
} from "@hybrid/context";
import type { ContextEvent, ContextProvider, ContextSegment, TokenEstimator, UpstreamOutput } from "@hybrid/context";
import type { SchedulePlan, PlannedNode } from "@hybrid/scheduler";
import type { GatePrompt, JoinResolution } from "./gate-contract.js";

/** One finished node of the run, in completion order. */
export interface HistoryEntry {
  nodeId: string;
  agent: string;
  output: string;
  /** ISO time of completion. */
  completedAt: string;
  url?: string;
}

/** A node's prompt, its legacy baseline, and the gates' view of it. */
export interface BuiltPrompt {
  prompt: string;
  tokens: number;
  /** Tokens the legacy full-history prompt would have had, with the same estimator. */
  baselineTokens: number;
  gate: GatePrompt;
  /** Findings redacted from the prompt, by kind. */
  redactions: Record<string, number>;
}

export interface PromptBuilderOptions {
  plan: SchedulePlan;
  estimator: TokenEstimator;
  hardCap: number;
  repoRoot: string;
  cacheDir: string;
  redact: (text: string) => string;
  onContextEvent: (event: ContextEvent) => void;
  clock: () => Date;
  /** GitHub comments as L2 for nodes with an `issue`, when configured. */
  github?: { baseUrl: string; auth?: string; authors: readonly string[]; maxComments: number };
  /** Replace the L2 / L3 providers (tests, custom sources). */
  providers?: { l2?: ContextProvider[]; l3?: ContextProvider[] };
}

/** Every ancestor of a node with its distance (1 = direct dependency); iterative. */
function ancestorsByDistance(plan: SchedulePlan, id: string): Map<string, number> {
  const distance = new Map<string, number>();
  let frontier = [...plan.nodes[id]!.dependsOn];
  for (let d = 1; frontier.length > 0; d++) {
    const next: string[] = [];
    for (const dep of frontier) {
      if (distance.has(dep)) continue;
      distance.set(dep, d);
      for (const up of plan.nodes[dep]!.dependsOn) next.push(up);
    }
    frontier = next;
  }
  return distance;
}

/** The legacy agent re-reads the run's whole history: every earlier output, in completion order. */
function historyProvider(history: readonly HistoryEntry[]): ContextProvider {
  return {
    tier: "L2",
    name: "run-history",
    async collect(request): Promise<ContextSegment[]> {
      return history.map((entry, index) => ({
        id: `history:${entry.nodeId}`,
        tier: "L2" as const,
        source: entry.url ?? `run:${request.runId}/node:${entry.nodeId}`,
        text: `Output of ${entry.nodeId} (${entry.agent}):\n${entry.output}`,
        priority: history.length - index,
        pinned: false,
        createdAt: entry.completedAt,
      }));
    },
  };
}

/** A join node's resolved upstream (the resolver's text: merged structure, rules, sections in order). */
function joinProvider(nodeId: string, join: JoinResolution): ContextProvider {
  return {
    tier: "L2",
    name: "join",
    async collect(): Promise<ContextSegment[]> {
      return [{ id: `join:${nodeId}`, tier: "L2", source: `join:${join.policy}`, text: `Joined upstream (${join.policy}):\n${join.text}`, priority: 10_000, pinned: false }];
    },
  };
}

/** Builds prompts for one run. */
export function createPromptBuilder(options: PromptBuilderOptions) {
  const { plan, estimator, redact, onContextEvent, clock } = options;
  const cache = createFileContextCache({ dir: options.cacheDir, redact });
  const workItem = createWorkItemProvider();
  const docs = options.providers?.l3 ?? [createDocsProvider({ root: options.repoRoot, cache, onEvent: onContextEvent, clock, redact })];
  // The legacy mode sends whole documents.
  const wholeDocs = createDocsProvider({ root: options.repoRoot, maxTokensPerFile: Number.MAX_SAFE_INTEGER, redact });
  const comments = options.github
    ? createGitHubCommentsProvider({
        baseUrl: options.github.baseUrl,
        ...(options.github.auth ? { auth: options.github.auth } : {}),
        authors: [...options.github.authors],
        maxComments: options.github.maxComments,
        cache,
        onEvent: onContextEvent,
        clock,
        redact,
      })
    : undefined;

  const legacy = async (node: PlannedNode, history: readonly HistoryEntry[], runId: string, signal: AbortSignal, join?: JoinResolution): Promise<{ prompt: string; tokens: number }> => {
    const providers = [workItem, historyProvider(history), ...(join ? [joinProvider(node.id, join)] : []), wholeDocs];
    const segments = await loadContext(providers, { node: node.spec, runId, signal }, { onEvent: onContextEvent, clock, redact });
    return composeFullContext(segments, { estimator });
  };

  return {
    estimator,
    /**
     * The prompt `memory` asks for (the hierarchy, or the legacy one), plus the legacy baseline's
     * tokens. A join node's direct upstream arrives as the resolver's joined text.
     */
    async build(node: PlannedNode, history: readonly HistoryEntry[], context: { runId: string; memory: boolean; join?: JoinResolution; signal: AbortSignal }): Promise<BuiltPrompt> {
      const baseline = await legacy(node, history, context.runId, context.signal, context.join);
      if (!context.memory) {
        return { prompt: baseline.prompt, tokens: baseline.tokens, baselineTokens: baseline.tokens, gate: { text: baseline.prompt, tokens: baseline.tokens, hardCap: Number.MAX_SAFE_INTEGER, missingPinned: [], findings: {} }, redactions: {} };
      }
      const distances = ancestorsByDistance(plan, node.id);
      const upstream: UpstreamOutput[] = history
        .filter((entry) => distances.has(entry.nodeId) && !(context.join && distances.get(entry.nodeId) === 1))
        .map((entry) => ({ nodeId: entry.nodeId, agent: entry.agent, output: entry.output, distance: distances.get(entry.nodeId)!, completedAt: entry.completedAt, ...(entry.url ? { url: entry.url } : {}) }));
      if (context.join) upstream.unshift({ nodeId: `${node.id}.join`, agent: "join-resolver", output: context.join.text, distance: 1 });
      const l2 = options.providers?.l2 ?? [createHandoffProvider(), ...(comments && node.spec.issue ? [comments] : [])];
      const segments = await loadContext([workItem, ...l2, ...docs], { node: node.spec, upstream, runId: context.runId, signal: context.signal }, { onEvent: onContextEvent, clock, redact });
      const composed = composeContext(segments, {
        hardCap: options.hardCap,
        estimator,
        // What a criterion names (ADR-0007, a ticket, a fact's id) reaches the agent even when its text did not fit.
        recall: referencedTerms(node.spec.acceptance),
        events: { runId: context.runId, nodeId: node.id, onEvent: onContextEvent },
      });
      const missingPinned = composed.provenance.filter((entry) => entry.pinned && entry.status === "pruned").map((entry) => entry.id);
      return {
        prompt: composed.prompt,
        tokens: composed.tokens,
        baselineTokens: baseline.tokens,
        gate: { text: composed.prompt, tokens: composed.tokens, hardCap: options.hardCap, missingPinned, findings: { ...composed.findingsByKind } },
        redactions: { ...composed.findingsByKind },
      };
    },
  };
}

/** What `createPromptBuilder` returns. */
export type PromptBuilder = ReturnType<typeof createPromptBuilder>;
