// How `hybrid run` started a run, kept beside its journal (`runs/<runId>/cli.json`), so that
// `hybrid resume <runId>` needs nothing but the id: the same runner, workflow file, config file,
// forced mode and parallelism. No secret is kept: model keys come from the environment, and a
// base URL the redactor would change (one with credentials in it) is not stored at all.
import { mkdir, open, readFile, rename } from "node:fs/promises";
import { dirname, join } from "node:path";
import { z } from "zod";
import { CliError } from "./errors.js";

/** The runner of a run, as the options chose it. */
export const RunnerSpecSchema = z.strictObject({
  kind: z.enum(["simulated", "command", "model"]),
  command: z.string().min(1).optional(),
  seed: z.number().int().optional(),
  timeScale: z.number().nonnegative().optional(),
  outputTokens: z.number().int().positive().optional(),
  provider: z.string().min(1).optional(),
  baseUrl: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
});
/** The runner of a run. */
export type RunnerSpec = z.output<typeof RunnerSpecSchema>;

/** What `cli.json` holds (format 1). */
export const InvocationSchema = z.strictObject({
  v: z.literal(1),
  /** Absolute path of the workflow file the run started from. */
  workflow: z.string().min(1),
  /** Absolute path of the config file given with `--config`, if any. */
  config: z.string().min(1).optional(),
  mode: z.enum(["auto", "hybrid", "sequential"]),
  runner: RunnerSpecSchema,
  maxParallel: z.number().int().positive().optional(),
  repoRoot: z.string().min(1),
  /** Set when the run's agents run on `hybrid worker`s: the queue, and Redis unless its URL carries a secret. */
  distributed: z.strictObject({ redis: z.string().min(1).optional(), queue: z.string().min(1) }).optional(),
});
/** How a run was started. */
export type Invocation = z.output<typeof InvocationSchema>;

/** A URL with a password in it (`redis://:secret@host`), which a redactor may not know as one. */
function hasPassword(url: string): boolean {
  try {
    return new URL(url).password !== "";
  } catch {
    return true;
  }
}

const fileOf = (stateDir: string, runId: string): string => join(stateDir, "runs", runId, "cli.json");

/** Writes the invocation atomically (write, fsync, rename), dropping a base URL or Redis URL that carries a secret. */
export async function saveInvocation(stateDir: string, runId: string, invocation: Invocation, redact: (text: string) => string): Promise<void> {
  const { baseUrl, ...runner } = invocation.runner;
  const kept: Invocation = { ...invocation, runner: baseUrl !== undefined && redact(baseUrl) === baseUrl ? { ...runner, baseUrl } : runner };
  if (invocation.distributed) {
    const { redis, queue } = invocation.distributed;
    kept.distributed = redis !== undefined && redact(redis) === redis && !hasPassword(redis) ? { redis, queue } : { queue };
  }
  const target = fileOf(stateDir, runId);
  await mkdir(dirname(target), { recursive: true });
  const temporary = `${target}.${process.pid}.tmp`;
  const handle = await open(temporary, "w");
  try {
    await handle.writeFile(`${JSON.stringify(kept, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, target);
}

/** The invocation of a run, or undefined when the run was not started by the CLI. */
export async function loadInvocation(stateDir: string, runId: string): Promise<Invocation | undefined> {
  const file = fileOf(stateDir, runId);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliError("run-options", `${file}: not valid JSON (${(error as Error).message})`, { file, cause: error });
  }
  const parsed = InvocationSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => ({ code: issue.code, path: z.core.toDotPath(issue.path), message: issue.message }));
    throw new CliError("run-options", [`${file}: not a run invocation this version can read`, ...problems.map((p) => `  - ${p.path || "(document)"}: ${p.message}`)].join("\n"), {
      problems,
      file,
      cause: parsed.error,
    });
  }
  return parsed.data;
}
