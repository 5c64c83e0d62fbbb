// The workloads of the performance and token-efficiency categories: the example workflows (with
// their docs under examples/repo) and seeded generated ones of every shape and of 5–60 nodes, with
// realistic node fields, L3 documents written under the suite's scratch directory, and planted
// facts: one in every node's output (the simulated agent writes it) and some in documents, which
// downstream acceptance criteria reference so recall can be checked.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { loadWorkflow } from "@hybrid/graph";
import type { WorkflowInput, WorkflowSpec } from "@hybrid/graph";
import { generateDag, seededRandom } from "@hybrid/test-utils";
import type { DagShape } from "@hybrid/test-utils";
import { COMPONENTS, criterionOf, factId, factText, paragraph, scopeOf } from "./text.js";

/** A planted fact and where it was planted. */
export interface Fact {
  id: string;
  /** The whole statement, e.g. "FACT-3f9a2c: the retry budget of the rate limiter is 7". */
  text: string;
  source: { kind: "output"; nodeId: string } | { kind: "doc"; path: string };
}

export type Shape = Exclude<DagShape, "random"> | "wide" | "example";

export interface Workload {
  id: string;
  shape: Shape;
  size: number;
  workflow: WorkflowSpec | WorkflowInput;
  /** Root the nodes' `docs` are read from. */
  repoRoot: string;
  /** The fact each node's agent writes into its output. */
  outputFacts: ReadonlyMap<string, Fact>;
  /** The planted facts each node's acceptance criteria reference (by id). */
  references: ReadonlyMap<string, readonly Fact[]>;
}

export const SHAPES: readonly Exclude<Shape, "example">[] = ["chain", "fan-out", "fan-in", "diamond", "layered", "wide"];

const AGENTS = [
  ["solution-architect", "architecture"],
  ["tech-lead", "architecture"],
  ["security-engineer", "security"],
  ["backend-engineer", "implementation"],
  ["frontend-engineer", "implementation"],
  ["sre", "implementation"],
  ["qa-engineer", "implementation"],
  ["tech-writer", "docs"],
] as const;

/** Dependencies by index for `shape` (edges point to earlier indices, so the graph is acyclic). */
function edgesOf(shape: Exclude<Shape, "example">, size: number, seed: number): string[][] {
  if (shape !== "wide") {
    // generateDag's structure, read back by creation index (its ids carry the index: n<i>-…).
    const dag = generateDag(shape, size, seed);
    const index = new Map(dag.nodes.map((n) => [n.id, Number(/^n(\d+)-/.exec(n.id)![1])]));
    const deps: string[][] = Array.from({ length: size }, () => []);
    for (const n of dag.nodes) deps[index.get(n.id)!] = n.dependsOn.map((d) => String(index.get(d)!));
    return deps;
  }
  // Wide: a root, then as many independent branches as fit in two layers, joined at the end.
  const deps: string[][] = [[]];
  const width = Math.max(1, Math.floor((size - 2) / 2));
  for (let i = 1; i < size - 1; i++) deps.push([String(i <= width ? 0 : i - width)]);
  if (size > 1) deps.push(Array.from({ length: size - 1 - Math.max(1, width) }, (_, k) => String(size - 2 - k)).filter((d) => d !== "0"));
  if (size > 1 && deps[size - 1]!.length === 0) deps[size - 1] = ["0"];
  return deps;
}

/** Every ancestor index of each node. */
function ancestorsOf(deps: readonly string[][]): Set<number>[] {
  const out: Set<number>[] = [];
  for (let i = 0; i < deps.length; i++) {
    const set = new Set<number>();
    for (const d of deps[i]!) {
      const j = Number(d);
      set.add(j);
      for (const a of out[j] ?? []) set.add(a);
    }
    out.push(set);
  }
  return out;
}

/** A generated workflow with its documents written under `root`. */
export function generateWorkload(shape: Exclude<Shape, "example">, size: number, seed: number, root: string): Workload {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const id = `gen-${shape}-${size}-${seed}`;
  const repoRoot = join(root, id);
  // Documents: a handful per workflow, some larger than the docs provider's per-file share, each
  // with one or two facts in a random section.
  const docs: Array<{ path: string; facts: Fact[] }> = [];
  const docCount = 3 + Math.floor(size / 6);
  for (let d = 0; d < docCount; d++) {
    const component = pick(COMPONENTS);
    const path = `docs/${pick(["adr", "runbooks", "design", "security"])}/${component.replace(/\s+/g, "-")}-${d}.md`;
    const sections = 3 + Math.floor(random() * 8);
    const facts: Fact[] = Array.from({ length: 1 + Math.floor(random() * 2) }, () => {
      const fid = factId(random);
      return { id: fid, text: factText(random, fid), source: { kind: "doc" as const, path } };
    });
    const where = facts.map(() => Math.floor(random() * sections));
    const lines = [`# ${component} (${path})`, ""];
    for (let s = 0; s < sections; s++) {
      lines.push(`## ${pick(["Context", "Decision", "Consequences", "Operations", "Limits", "Risks", "Interfaces", "Rollout"])} ${s + 1}`, "");
      const body = Array.from({ length: 2 + Math.floor(random() * 4) }, () => paragraph(random, component, 3 + Math.floor(random() * 5)));
      facts.forEach((fact, k) => {
        if (where[k] === s) body.splice(Math.floor(random() * (body.length + 1)), 0, fact.text + ".");
      });
      lines.push(body.join("\n\n"), "");
    }
    const file = join(repoRoot, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, lines.join("\n"));
    docs.push({ path, facts });
  }

  const deps = edgesOf(shape, size, seed);
  const ancestors = ancestorsOf(deps);
  const nodeIds = deps.map((_, i) => `${pick(["design", "build", "review", "test", "doc", "ship", "audit", "plan"])}-${i}`);
  const outputFacts = new Map<string, Fact>();
  for (const nodeId of nodeIds) {
    const fid = factId(random);
    outputFacts.set(nodeId, { id: fid, text: factText(random, fid), source: { kind: "output", nodeId } });
  }
  const references = new Map<string, Fact[]>();
  const nodes = nodeIds.map((nodeId, i) => {
    const [agent, priority] = pick(AGENTS);
    const component = pick(COMPONENTS);
    const acceptance = Array.from({ length: 2 + Math.floor(random() * 2) }, () => criterionOf(random, component));
    const nodeDocs = random() < 0.75 ? [...new Set(Array.from({ length: 1 + Math.floor(random() * 2) }, () => pick(docs).path))] : [];
    const refs: Fact[] = [];
    // Some nodes must respect a decision made anywhere upstream (near or far), some a documented one.
    if (ancestors[i]!.size > 0 && random() < 0.4) refs.push(outputFacts.get(nodeIds[pick([...ancestors[i]!])]!)!);
    if (nodeDocs.length > 0 && random() < 0.5) {
      const cited = pick(nodeDocs);
      refs.push(pick(docs.find((doc) => doc.path === cited)!.facts));
    }
    for (const fact of refs) acceptance.push(`Respects ${fact.id}`);
    if (refs.length > 0) references.set(nodeId, refs);
    return {
      id: nodeId,
      agent,
      priority,
      scope: scopeOf(random, component),
      acceptance,
      dependsOn: deps[i]!.map((d) => nodeIds[Number(d)]!),
      outputs: [`${component.replace(/\s+/g, "-")}-${pick(["design-note", "patch", "report", "runbook", "test-plan"])}`],
      ...(nodeDocs.length > 0 ? { docs: nodeDocs } : {}),
      estimateMs: 60_000 + Math.floor(random() * 240_000),
    };
  });
  return { id, shape, size, workflow: { version: 1, id, taskType: "feature", nodes }, repoRoot, outputFacts, references };
}

/** An example workflow: its own docs (examples/repo), a fact planted in every output, none referenced. */
export async function exampleWorkload(file: string, repoRoot: string, seed: number): Promise<Workload> {
  const spec = await loadWorkflow(file);
  const random = seededRandom(seed);
  const outputFacts = new Map<string, Fact>();
  for (const node of spec.nodes) {
    const fid = factId(random);
    outputFacts.set(node.id, { id: fid, text: factText(random, fid), source: { kind: "output", nodeId: node.id } });
  }
  return { id: spec.id, shape: "example", size: spec.nodes.length, workflow: spec, repoRoot, outputFacts, references: new Map() };
}

/** Sizes 5–60 (log-spread) over `count` workflows, shapes in turn: deterministic for a seed. */
export function plannedWorkloads(count: number, seed: number): Array<{ shape: Exclude<Shape, "example">; size: number; seed: number }> {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => ({
    shape: SHAPES[i % SHAPES.length]!,
    // Spread evenly on a log scale over 5–60 (most plans are small, a few large), one stratum each.
    size: Math.min(60, Math.round(5 * 12 ** ((i + random()) / count))),
    seed: (seed % 1_000_000) * 100 + i + 1,
  }));
}
