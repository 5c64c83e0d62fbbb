// The workflows both modes run for the gate-log comparison: the example workflows (their joins
// agreeing, and disagreeing), and generated DAGs of every shape, each clean or with one node whose
// agent misbehaves (gives up, leaves a criterion open, forgets a declared output).
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { WorkflowSchema, type WorkflowSpec } from "@hybrid/graph";
import { generateDag, seededRandom, type DagShape } from "@hybrid/test-utils";
import { withVerdict, type Behaviour } from "./runs.js";

export interface ComparedWorkflow {
  name: string;
  workflow: string | WorkflowSpec;
  behaviour: Behaviour;
}

const SHAPES: readonly DagShape[] = ["chain", "fan-out", "fan-in", "diamond", "layered", "random"];
export const MISBEHAVIOURS = ["clean", "gives-up", "needs-review", "undeclared-output"] as const;
type Misbehaviour = (typeof MISBEHAVIOURS)[number];


/** A misbehaviour on one node; the first ticked criterion is reopened for needs-review. */
function misbehave(kind: Misbehaviour, target: string): Behaviour {
  switch (kind) {
    case "clean":
      return {};
    case "gives-up":
      return { giveUp: new Set([target]) };
    case "needs-review":
      return { transform: (task, output) => (task.nodeId === target ? output.replace("- [x] ", "- [ ] ") : output) };
    case "undeclared-output":
      return { transform: (task, output) => (task.nodeId === target ? output.replaceAll(`${target}-out`, "its artifact") : output) };
  }
}

/** The example workflows; joins' upstreams either agree or (security says hold) disagree. */
export function exampleWorkflows(repoRoot: string): ComparedWorkflow[] {
  const dir = join(repoRoot, "examples/workflows");
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  const conflicting: Behaviour = {
    // Every output carries a verdict: upstreams of a join then agree or not by priority alone.
    transform: (task, output) => withVerdict(output, task.priority === "security" ? "hold" : "ship"),
  };
  return files.flatMap((f) => [
    { name: `example ${f}`, workflow: join(dir, f), behaviour: {} },
    { name: `example ${f} (join upstreams disagree)`, workflow: join(dir, f), behaviour: conflicting },
  ]);
}

/** Generated DAGs: every shape × every misbehaviour, `perCell` seeds each, sizes 4..`maxSize`. */
export function generatedWorkflows(seed: number, perCell: number, maxSize: number): ComparedWorkflow[] {
  const random = seededRandom(seed);
  const out: ComparedWorkflow[] = [];
  for (const shape of SHAPES) {
    for (const kind of MISBEHAVIOURS) {
      for (let k = 0; k < perCell; k++) {
        const size = 4 + Math.floor(random() * (maxSize - 3));
        const dagSeed = Math.floor(random() * 2 ** 31);
        const generated = generateDag(shape, size, dagSeed);
        const spec = WorkflowSchema.parse({ ...generated, nodes: generated.nodes.map((n) => ({ ...n, outputs: [`${n.id}-out`] })) });
        const target = spec.nodes[Math.floor(random() * spec.nodes.length)]!.id;
        out.push({ name: `${shape} ×${size} seed ${dagSeed}, ${kind}${kind === "clean" ? "" : ` on ${target}`}`, workflow: spec, behaviour: misbehave(kind, target) });
      }
    }
  }
  return out;
}
