// Memory measurements for the count memo tests.
import v8 from "node:v8";
import vm from "node:vm";
import { expect } from "vitest";

/** Heap growth (MB, after full GCs) while `work` runs and its results stay reachable. */
export function heapGrowthMb(work: () => unknown): number {
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as () => void;
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = work();
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  expect(kept).toBeDefined();
  return (after - before) / 1e6;
}

/** A distinct text of about `lines * 50` characters: every line differs, so no chunk repeats across texts. */
export const bigText = (i: number, lines = 12_000): string =>
  Array.from({ length: lines }, (_, line) => `text ${i} line ${line}: some words that fill the line out`).join("\n");
