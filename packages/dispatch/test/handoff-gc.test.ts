// Node 20's AbortSignal.any() holds its sources weakly: an AbortSignal.timeout() passed only to it
// may be collected before it fires (nodejs/node#57736), and a hanging handoff sink then hangs the
// run. The sink's deadline must survive garbage collection; this runs it in a process that collects
// every millisecond (the bug showed only under the full suite's memory pressure otherwise).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const fixture = fileURLToPath(new URL("./fixtures/handoff-gc.ts", import.meta.url));

it("a hanging sink is cut off at handoffTimeoutMs even while the GC runs constantly", async () => {
  const child = spawn(process.execPath, ["--expose-gc", "--conditions=@hybrid/source", "--import", "tsx", fixture], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  // A generous bound for a run of three no-op nodes: a lost deadline never ends.
  const hung = setTimeout(() => child.kill("SIGKILL"), 20_000);
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  clearTimeout(hung);
  expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
  expect(JSON.parse(stdout)).toEqual({ status: "succeeded", failures: ["a", "b", "c"] });
});
