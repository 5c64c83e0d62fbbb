import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildGraph, loadWorkflow } from "@hybrid/graph";
import { describe, expect, it } from "vitest";
import { planSchedule, simulate } from "../src/index.js";

const dir = fileURLToPath(new URL("../../../examples/workflows/", import.meta.url));
const files = readdirSync(dir).filter((file) => /\.(ya?ml|json)$/.test(file));

describe("plans of the example workflows", () => {
  it.each(files)("%s", async (file) => {
    const plan = planSchedule(buildGraph(await loadWorkflow(`${dir}${file}`)));
    const summary = {
      planHash: plan.planHash,
      waves: plan.waves,
      order: plan.order,
      sequentialOrder: plan.sequentialOrder,
      criticalPath: plan.criticalPath,
      makespan: Object.fromEntries(
        (["sequential", "wave", "eager"] as const).map((mode) => [mode, simulate(plan, {}, { mode, maxParallel: 4 }).makespan]),
      ),
    };
    expect(summary).toMatchSnapshot();
  });
});
