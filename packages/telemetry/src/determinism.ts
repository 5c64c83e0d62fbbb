import type { RunRecord } from "./run-record.js";

/** A seeded run whose plan hash or dispatch order differs from the first run of its kind. */
export interface DeterminismRegression {
  runId: string;
  /** The earliest run with the same content hash, config, mode and seed. */
  referenceRunId: string;
  startedAt: number;
  kind: "plan-hash" | "dispatch-order";
}

/**
 * Finds determinism regressions: two seeded runs with the same workflow content hash, config hash,
 * mode and runner seed must have the same plan hash and dispatch order. Resumed runs are left out
 * (they legitimately skip completed nodes), as are runs without a content hash.
 */
export function findDeterminismRegressions(records: readonly RunRecord[]): DeterminismRegression[] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of records) {
    if (!r.seeded || r.resumedFrom !== undefined || r.workflowContentHash === "") continue;
    const key = [r.workflowContentHash, r.configHash ?? "", r.mode, r.dispatchMode ?? "", String(r.runnerSeed ?? "")].join("\u0000");
    const list = groups.get(key);
    if (list) list.push(r);
    else groups.set(key, [r]);
  }
  const found: DeterminismRegression[] = [];
  for (const list of groups.values()) {
    list.sort((a, b) => a.startedAt - b.startedAt || a.runId.localeCompare(b.runId));
    const reference = list[0]!;
    const order = reference.dispatchOrder.join("\u0000");
    for (const run of list.slice(1)) {
      const kind =
        run.planHash !== reference.planHash
          ? "plan-hash"
          : run.dispatchOrder.join("\u0000") !== order
            ? "dispatch-order"
            : undefined;
      if (kind) found.push({ runId: run.runId, referenceRunId: reference.runId, startedAt: run.startedAt, kind });
    }
  }
  return found.sort((a, b) => a.startedAt - b.startedAt || a.runId.localeCompare(b.runId));
}
