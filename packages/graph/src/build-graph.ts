import { z } from "zod";
import { closedPath, nonTrivialComponents } from "./cycle-path.js";
import { didYouMean, suggest } from "./did-you-mean.js";
import { GraphValidationError, type GraphProblem } from "./errors.js";
import { DependencyGraph, type GraphIndex } from "./graph.js";
import { problemsFromZod } from "./schema-problems.js";
import { WorkflowSchema, type WorkflowSpec } from "./workflow-schema.js";

/** The parts of the nodes the structural checks need, in declaration order. */
interface RawNodes {
  /** Declaration index of each entry (entries that are not recognisable nodes are left out). */
  declared: number[];
  ids: string[];
  dependsOn: (readonly unknown[])[];
}

/**
 * "Did you mean" costs a scan of every id per unknown name, so it is bounded: names longer than
 * this get none (an edit distance is quadratic in the length)…
 */
const MAX_SUGGESTED_LENGTH = 64;
/** …and suggestions stop after this many distinct unknown names, or this many ids scanned in total. */
const MAX_SUGGESTED = 50;
const MAX_SUGGESTION_SCAN = 500_000;

/** What `analyseWorkflow` found: every problem, and the graph when there are none. */
export interface WorkflowAnalysis {
  problems: GraphProblem[];
  spec?: WorkflowSpec;
  graph?: DependencyGraph;
}

/**
 * The nodes of a validated spec, or, when the schema failed, whatever nodes of the input are
 * recognisable: one pass then reports a cycle together with a typo elsewhere.
 */
function rawNodes(input: unknown): RawNodes {
  const raw: RawNodes = { declared: [], ids: [], dependsOn: [] };
  const nodes = (input as { nodes?: unknown } | null)?.nodes;
  if (!Array.isArray(nodes)) return raw;
  for (let declared = 0; declared < nodes.length; declared++) {
    const node: unknown = nodes[declared];
    if (typeof node !== "object" || node === null) continue;
    const { id, dependsOn } = node as { id?: unknown; dependsOn?: unknown };
    if (typeof id !== "string") continue;
    raw.declared.push(declared);
    raw.ids.push(id);
    raw.dependsOn.push(Array.isArray(dependsOn) ? dependsOn : []);
  }
  return raw;
}

interface Structure {
  problems: GraphProblem[];
  ids: string[];
  position: Map<string, number>;
  index?: GraphIndex;
  /** Canonical position → the node's sorted, distinct dependencies. */
  depsOf: (position: number) => Uint32Array;
  /** Canonical position → declaration index of the node that defines the id. */
  declaredAt: Uint32Array;
}

function analyseStructure(raw: RawNodes): Structure {
  const problems: GraphProblem[] = [];
  // id → entry in `raw` of its first declaration.
  const firstEntry = new Map<string, number>();
  let totalDeps = 0;
  for (let r = 0; r < raw.ids.length; r++) {
    const id = raw.ids[r]!;
    const first = firstEntry.get(id);
    if (first === undefined) {
      firstEntry.set(id, r);
      totalDeps += raw.dependsOn[r]!.length;
    } else {
      problems.push({
        code: "duplicate-id",
        path: z.core.toDotPath(["nodes", raw.declared[r]!, "id"]),
        message: `duplicate id "${id}" (first declared at nodes[${raw.declared[first]}])`,
      });
    }
  }

  // Canonical positions: node i is the i-th id in sorted order.
  const ids = [...firstEntry.keys()].sort();
  const n = ids.length;
  const position = new Map<string, number>();
  const entryOf = new Uint32Array(n);
  const declaredAt = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const r = firstEntry.get(ids[i]!)!;
    entryOf[i] = r;
    declaredAt[i] = raw.declared[r]!;
    position.set(ids[i]!, i);
  }

  // Dependencies in canonical node order, compressed; repeats dropped (listing one twice is harmless).
  const predOffsets = new Uint32Array(n + 1);
  const predBuffer = new Uint32Array(totalDeps);
  let edges = 0;
  const lastSeen = new Int32Array(n).fill(-1);
  const nearIds = suggester(ids);
  for (let i = 0; i < n; i++) {
    const deps = raw.dependsOn[entryOf[i]!]!;
    const start = edges;
    for (let k = 0; k < deps.length; k++) {
      const dep = deps[k];
      if (typeof dep !== "string") continue; // a schema problem, already reported
      const p = position.get(dep);
      if (p !== undefined && p !== i) {
        if (lastSeen[p] !== i) {
          lastSeen[p] = i;
          predBuffer[edges++] = p;
        }
        continue;
      }
      const path = z.core.toDotPath(["nodes", declaredAt[i]!, "dependsOn", k]);
      if (p === i) {
        problems.push({ code: "self-dependency", path, message: `"${ids[i]}" depends on itself` });
      } else {
        // Never suggest the node itself: that would be a self-dependency.
        const suggestions = nearIds(dep).filter((id) => id !== ids[i]).slice(0, 3);
        problems.push({
          code: "unknown-dependency",
          path,
          message: `"${ids[i]}" depends on "${dep}", which is not a node of this workflow${didYouMean(suggestions)}`,
          ...(suggestions.length > 0 ? { suggestions } : {}),
        });
      }
    }
    predOffsets[i + 1] = edges;
    if (edges - start > 1) predBuffer.subarray(start, edges).sort();
  }
  const preds = predBuffer.slice(0, edges);
  const depsOf = (i: number) => preds.subarray(predOffsets[i]!, predOffsets[i + 1]!);

  // Dependents: filled in ascending node order, so each list comes out sorted.
  const succOffsets = new Uint32Array(n + 1);
  for (let e = 0; e < preds.length; e++) succOffsets[preds[e]! + 1]!++;
  for (let i = 0; i < n; i++) succOffsets[i + 1]! += succOffsets[i]!;
  const succs = new Uint32Array(preds.length);
  const fill = succOffsets.slice(0, n);
  for (let i = 0; i < n; i++) {
    for (let e = predOffsets[i]!; e < predOffsets[i + 1]!; e++) succs[fill[preds[e]!]!++] = i;
  }

  // Kahn's algorithm, FIFO from ascending ids: linear, iterative and deterministic.
  const remaining = new Uint32Array(n);
  const topo = new Uint32Array(n);
  let tail = 0;
  for (let i = 0; i < n; i++) {
    remaining[i] = predOffsets[i + 1]! - predOffsets[i]!;
    if (remaining[i] === 0) topo[tail++] = i;
  }
  for (let head = 0; head < tail; head++) {
    const v = topo[head]!;
    for (let e = succOffsets[v]!; e < succOffsets[v + 1]!; e++) {
      const w = succs[e]!;
      if (--remaining[w]! === 0) topo[tail++] = w;
    }
  }

  if (tail < n) {
    const stuck = new Uint8Array(n);
    for (let i = 0; i < n; i++) if (remaining[i]! > 0) stuck[i] = 1;
    const dependsOnGraph = { offsets: predOffsets, targets: preds };
    for (const component of nonTrivialComponents(dependsOnGraph, stuck)) {
      const cycle = closedPath(dependsOnGraph, component).map((i) => ids[i]!);
      const head = component[0]!;
      const k = raw.dependsOn[entryOf[head]!]!.indexOf(cycle[1]);
      problems.push({
        code: "cycle",
        path: z.core.toDotPath(["nodes", declaredAt[head]!, "dependsOn", k]),
        message: `dependency cycle ${cycle.join(" → ")} (each depends on the next)`,
        cycle,
      });
    }
  }

  const index = tail === n ? { ids, predOffsets, preds, succOffsets, succs, topo } : undefined;
  return { problems, ids, position, ...(index ? { index } : {}), depsOf, declaredAt };
}

/**
 * Up to four ids near an unknown name, within the bounds above; a name asked again (200,000 nodes
 * may all name one missing id) is answered from memory.
 */
function suggester(ids: readonly string[]): (name: string) => readonly string[] {
  const answers = new Map<string, readonly string[]>();
  let scanned = 0;
  return (name) => {
    let answer = answers.get(name);
    if (answer === undefined) {
      const scan = answers.size < MAX_SUGGESTED && name.length <= MAX_SUGGESTED_LENGTH && scanned + ids.length <= MAX_SUGGESTION_SCAN;
      answer = scan ? suggest(name, ids, 4) : [];
      if (scan) scanned += ids.length;
      answers.set(name, answer);
    }
    return answer;
  };
}

/**
 * Validates a workflow (schema and structure) and reports every problem at once; builds the graph
 * when there are none (unless `build: false`, which leaves the returned spec as declared).
 */
export function analyseWorkflow(input: unknown, options: { build?: boolean } = {}): WorkflowAnalysis {
  if (input instanceof DependencyGraph) return { problems: [], spec: input.toWorkflow(), graph: input };
  const parsed = WorkflowSchema.safeParse(input);
  const spec = parsed.success ? parsed.data : undefined;
  const problems = parsed.success ? [] : problemsFromZod(parsed.error, input);
  const structure = analyseStructure(rawNodes(spec ?? input));
  // A loop, not push(...spread): a workflow can have more problems than a call has arguments.
  for (const problem of structure.problems) problems.push(problem);
  if (!spec || problems.length > 0 || !structure.index) return { problems };
  if (options.build === false) return { problems, spec };

  const { ids, depsOf, declaredAt, position, index } = structure;
  // The schema's output is a fresh copy of the input, so its nodes can take canonical
  // dependencies in place rather than be copied once more.
  const specs = ids.map((_, i) => {
    const node = spec.nodes[declaredAt[i]!]!;
    const deps = depsOf(i);
    // A loop: Array.from over a typed array with a mapper takes the iterator path (+30% CPU time
    // to build 100,000 nodes with 500,000 edges).
    const dependsOn = new Array<string>(deps.length);
    for (let k = 0; k < deps.length; k++) dependsOn[k] = ids[deps[k]!]!;
    node.dependsOn = dependsOn;
    return node;
  });
  const { nodes: _nodes, ...meta } = spec;
  return { problems, spec, graph: new DependencyGraph(meta, specs, position, index) };
}

/** Every problem of a workflow (schema and structure), or `[]` when it is valid. */
export function validateWorkflow(input: unknown): GraphProblem[] {
  return analyseWorkflow(input).problems;
}

/**
 * Builds an immutable `DependencyGraph` from a workflow: the output of `parseWorkflow`, or a plain
 * object of the workflow shape. Throws one `GraphValidationError` listing every problem.
 *
 * @example
 * const graph = buildGraph({ version: 1, id: "epic", nodes: [
 *   { id: "design", agent: "architect", priority: "architecture", scope: "…", acceptance: [], dependsOn: [] },
 * ] });
 */
export function buildGraph(input: unknown): DependencyGraph {
  const { problems, graph } = analyseWorkflow(input);
  if (!graph) throw new GraphValidationError(problems);
  return graph;
}
