// A chain of nodes whose ~3,000-token outputs pile up: every hybrid prompt must stay under the cap
// (checked with gpt-tokenizer) while the sequential baseline grows, and facts planted early must
// reach the node that is asked to honour them.
import { seededRandom } from "@hybrid/test-utils";
import { expect } from "vitest";
import {
  composeContext,
  composeFullContext,
  createHandoffProvider,
  createTiktokenEstimator,
  createWorkItemProvider,
  loadContext,
  type UpstreamOutput,
  type WorkItem,
} from "../src/index.js";
import { realTokens } from "./oracle.js";

const CAP = 20_000;
const VOCAB =
  "module interface adapter render schema queue worker cache budget layer record event stream buffer index shard replica build test lint deploy rollout metric trace span report table column value field".split(
    " ",
  );

/** Runs the chain; returns the baseline's last size and how many planted facts were checked. */
export async function runChain(nodes: number, factDistance: number): Promise<{ lastFull: number; checkedFacts: number }> {
  const estimator = createTiktokenEstimator();
  const random = seededRandom(7);
  const output = (i: number, fact: string | undefined) => {
    const words = Array.from({ length: 2900 }, (_, w) => `${VOCAB[Math.floor(random() * VOCAB.length)]}${w % 15 === 14 ? ".\n" : ""}`);
    if (fact) words.splice(1400, 0, `\n${fact}\n`);
    return `Node n${i} report.\n${words.join(" ")}`;
  };
  // Every fifth node plants a fact; node i + factDistance (or the last node) must honour it.
  const facts = new Map<number, string>();
  for (let i = 0; i < nodes - 5; i += 5) facts.set(i, `Decision D-${i}: the gateway listens on port ${40000 + Math.floor(random() * 9999)}.`);
  const outputs = Array.from({ length: nodes }, (_, i) => output(i, facts.get(i)));
  const node = (i: number): WorkItem => {
    const referenced = [...facts.keys()].filter((j) => j + factDistance === i || (i === nodes - 1 && j === nodes - 10));
    return {
      id: `n${i}`,
      agent: `agent-${i % 4}`,
      priority: "implementation",
      scope: `Step ${i} of the chain`,
      acceptance: [`Step ${i} is done`, ...referenced.map((j) => `Honour decision D-${j} about the gateway port`)],
      dependsOn: i === 0 ? [] : [`n${i - 1}`],
    };
  };
  const providers = [createWorkItemProvider(), createHandoffProvider()];
  let lastFull = 0;
  let checkedFacts = 0;
  for (let i = 0; i < nodes; i++) {
    const upstream: UpstreamOutput[] = Array.from({ length: i }, (_, j) => ({
      nodeId: `n${j}`,
      agent: `agent-${j % 4}`,
      output: outputs[j]!,
      distance: i - j,
      completedAt: new Date(Date.UTC(2025, 0, 1, 0, j)).toISOString(),
    }));
    const segments = await loadContext(providers, { node: node(i), upstream, runId: "chain" });
    const hybrid = composeContext(segments, { hardCap: CAP, estimator });
    expect(realTokens(hybrid.prompt)).toBeLessThanOrEqual(CAP);
    if (i > 0) expect(hybrid.included).toContain(`handoff:n${i - 1}`);
    for (const criterion of node(i).acceptance) {
      const ref = /D-(\d+)/.exec(criterion);
      if (!ref) continue;
      expect(hybrid.prompt).toContain(facts.get(Number(ref[1]))!);
      checkedFacts++;
    }
    if (i === nodes - 1 || i % 10 === 0) {
      const full = composeFullContext(segments, { estimator });
      expect(full.tokens).toBeGreaterThanOrEqual(lastFull);
      lastFull = full.tokens;
    }
  }
  estimator.dispose();
  return { lastFull, checkedFacts };
}
