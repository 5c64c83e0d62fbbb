// Runs every benchmark suite in one process, so all contenders share one machine state.
// `pnpm bench` runs all; `pnpm bench graph dispatch` runs the named suites.
const suites: Record<string, () => Promise<void>> = {
  graph: async () => (await import("./graph.bench.js")).runGraphBench(),
  dispatch: async () => (await import("./dispatch.bench.js")).runDispatchBench(),
  context: async () => (await import("./context.bench.js")).runContextBench(),
  redaction: async () => (await import("./redaction.bench.js")).runRedactionBench(),
  telemetry: async () => (await import("./telemetry.bench.js")).runTelemetryBench(),
  "scale-out": async () => (await import("./scale-out.bench.js")).runScaleOutBench(),
};

const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith("-"));
const unknown = wanted.filter((name) => !(name in suites));
if (unknown.length > 0) {
  console.error(`[bench] unknown suite(s): ${unknown.join(", ")}; known: ${Object.keys(suites).join(", ")}`);
  process.exit(2);
}
for (const [name, run] of Object.entries(suites)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log(`\n# bench: ${name}`);
  await run();
}
