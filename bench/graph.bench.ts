// Planning without parsing: our build (with validation) + waves + critical path, against
// graphology + graphology-dag, dependency-graph and toposort on the same random DAGs.
import { buildGraph, criticalPath, planWaves } from "@hybrid/graph";
import { DepGraph } from "dependency-graph";
import { DirectedGraph } from "graphology";
import { topologicalGenerations } from "graphology-dag";
import toposort from "toposort";
import { measure, printSuite, ratio, seededRandom, writeResults, type SuiteResult } from "./harness.js";

interface BenchNode {
  id: string;
  agent: string;
  priority: "implementation";
  scope: string;
  acceptance: string[];
  dependsOn: string[];
}

/** A random DAG with the given average out-degree (edges point at earlier nodes). */
function randomDag(size: number, degree: number, seed: number): BenchNode[] {
  const random = seededRandom(seed);
  const nodes: BenchNode[] = [];
  for (let i = 0; i < size; i++) {
    const deps = new Set<string>();
    const want = i === 0 ? 0 : Math.min(i, Math.round(random() * 2 * degree));
    while (deps.size < want) deps.add(`n${Math.floor(random() * i)}`);
    nodes.push({ id: `n${i}`, agent: "a", priority: "implementation", scope: "s", acceptance: [], dependsOn: [...deps] });
  }
  return nodes;
}

function chain(size: number): BenchNode[] {
  return Array.from({ length: size }, (_, i) => ({
    id: `n${i}`,
    agent: "a",
    priority: "implementation" as const,
    scope: "s",
    acceptance: [],
    dependsOn: i === 0 ? [] : [`n${i - 1}`],
  }));
}

const contenders = (nodes: BenchNode[]) => ({
  "hybrid (validate+waves+critical path)": () => {
    const graph = buildGraph({ version: 1, id: "bench", nodes });
    planWaves(graph);
    criticalPath(graph);
  },
  "graphology-dag topologicalGenerations": () => {
    const graph = new DirectedGraph({ allowSelfLoops: false });
    for (const node of nodes) graph.addNode(node.id);
    for (const node of nodes) for (const dep of node.dependsOn) graph.mergeEdge(dep, node.id);
    topologicalGenerations(graph);
  },
  "dependency-graph overallOrder": () => {
    const graph = new DepGraph<undefined>();
    for (const node of nodes) graph.addNode(node.id);
    for (const node of nodes) for (const dep of node.dependsOn) graph.addDependency(node.id, dep);
    graph.overallOrder();
  },
  "toposort array": () => {
    const edges: [string, string][] = [];
    for (const node of nodes) for (const dep of node.dependsOn) edges.push([dep, node.id]);
    toposort.array(
      nodes.map((node) => node.id),
      edges,
    );
  },
});

export async function runGraphBench(): Promise<void> {
  const cases: [string, BenchNode[]][] = [
    ["random DAG, 10,000 nodes, out-degree 5", randomDag(10_000, 5, 1)],
    ["random DAG, 100,000 nodes, out-degree 5", randomDag(100_000, 5, 2)],
    ["chain, 100,000 nodes", chain(100_000)],
  ];
  const results: SuiteResult[] = [];
  for (const [name, nodes] of cases) {
    const edges = nodes.reduce((sum, node) => sum + node.dependsOn.length, 0);
    const measurements = [];
    for (const [contender, fn] of Object.entries(contenders(nodes))) {
      measurements.push(await measure(contender, fn, { runs: nodes.length > 50_000 ? 5 : 9 }));
    }
    const result: SuiteResult = {
      suite: "graph",
      case: `${name} (${edges.toLocaleString("en")} edges)`,
      baseline: "hybrid (validate+waves+critical path)",
      measurements,
    };
    results.push(result);
    printSuite(result);
  }
  const big = results[1]!;
  const targets = {
    "100k: hybrid faster than toposort": (ratio(big, "toposort array", big.baseline) ?? Infinity) > 1,
    "100k: hybrid <= 0.5x graphology-dag": (ratio(big, big.baseline, "graphology-dag topologicalGenerations") ?? Infinity) <= 0.5,
  };
  console.log("\ntargets:", targets);
  writeResults("graph", results, targets);
}
