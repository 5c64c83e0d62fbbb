// The runs the scan looks at, all through the built `hybrid` CLI against the local GitHub server
// (behind the recording proxy), each in a state directory of its own: a hybrid run, a sequential
// run, and a hybrid run whose `api` agent fails quoting its prompt on stderr (a post-mortem goes to
// the epic); then `report --json`, `report --html` and `report` over them, and `plan`. Everything
// printed is kept.
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { startGitHubServer } from "@hybrid/test-utils";
import { hybrid, type CliResult } from "../cli.js";
import type { StateDirUse } from "../contract.js";
import type { PlantedAt } from "./corpus.js";
import { issueComments, OWNER, REPO, TOKEN_ENV, TRUSTED_AUTHOR, writePlantedRepo } from "./plant.js";
import { startRecordingProxy, type RecordedBody } from "./recorder.js";
import { filesUnder, type ScanTarget } from "./scan.js";

export interface CommandRun {
  label: string;
  args: string[];
  result: CliResult;
  /** The exit code the plan expects (the failing run exits 1). */
  expected: number;
}

export interface SecurityRuns {
  commands: CommandRun[];
  stateDirs: StateDirUse[];
  /** Everything to scan, by location. */
  targets: ScanTarget[];
  /** What each agent attempt received on stdin, by file name. */
  prompts: Map<string, string>;
  /** Comments on the server whose bodies the runs wrote (the seeded L2 ones left out). */
  commentsWritten: number;
  requestBodies: number;
  /** The raw planted sources, to show the scanners fire on them. */
  plantedSources: ScanTarget[];
}

export interface RunOptions {
  workDir: string;
  bin: string;
  corpus: readonly PlantedAt[];
  token: string;
  seed: number;
  log(line: string): void;
}

const finished = (commands: readonly CommandRun[], dir: string) =>
  commands.filter((c) => c.args[0] === "run" && c.args.includes(dir) && (c.result.code === 0 || c.result.code === 1)).length;

export async function runSecurityScenario(options: RunOptions): Promise<SecurityRuns> {
  const { workDir, bin, corpus } = options;
  const server = await startGitHubServer();
  const proxy = await startRecordingProxy(server.url);
  try {
    const seeded = new Set<number>();
    const plantedSources: ScanTarget[] = [];
    for (const [issue, bodies] of issueComments(corpus)) {
      for (const c of server.seedComments(`${OWNER}/${REPO}#${issue}`, bodies.map((body) => ({ body, user: { login: TRUSTED_AUTHOR } })))) {
        seeded.add(c.id);
        plantedSources.push({ location: "planted L2 comments", name: `issue-${issue}-comment-${c.id}.md`, text: c.body });
      }
    }
    const repo = writePlantedRepo(workDir, corpus, proxy.url);
    plantedSources.push(...filesUnder(repo.repoRoot, "repo", (rel) => (rel.startsWith("docs") ? "planted L3 docs" : "planted L1 workflow and config")));

    const env = { [TOKEN_ENV]: options.token, SEC_PROMPT_DIR: repo.promptDir, CI: "1" };
    const common = ["--runner", "command", "--command", `node ${repo.agent}`, "--repo-root", repo.repoRoot, "--config", repo.config, "--seed", String(options.seed)];
    const hybridDir = join(workDir, "state-hybrid");
    const sequentialDir = join(workDir, "state-sequential");
    const failure = join(workDir, "state-failure");
    const commands: CommandRun[] = [];
    const cli = async (label: string, args: string[], expected = 0, extraEnv: Record<string, string> = {}) => {
      const result = await hybrid(bin, args, { cwd: workDir, env: { ...env, ...extraEnv }, timeoutMs: 240_000 });
      commands.push({ label, args, result, expected });
      options.log(`${label}: exit ${result.code}`);
      return result;
    };
    // Separate processes, so GitHub's write spacing (per process) is waited out in parallel; each
    // state directory's report follows its run, and the plan needs no run.
    await Promise.all([
      cli("hybrid plan", ["plan", repo.workflow, "--repo-root", repo.repoRoot, "--config", repo.config]),
      (async () => {
        await cli("hybrid run --mode hybrid --json", ["run", repo.workflow, "--mode", "hybrid", "--json", "--state-dir", hybridDir, ...common]);
        await cli("hybrid report --json", ["report", "--json", "--state-dir", hybridDir]);
      })(),
      (async () => {
        await cli("hybrid run --mode sequential", ["run", repo.workflow, "--mode", "sequential", "--state-dir", sequentialDir, ...common]);
        await cli("hybrid report --html", ["report", "--html", join(sequentialDir, "reports", "dashboard.html"), "--state-dir", sequentialDir]);
      })(),
      (async () => {
        await cli("hybrid run --mode hybrid (api fails)", ["run", repo.workflow, "--mode", "hybrid", "--state-dir", failure, ...common], 1, { SEC_FAIL_NODES: "api" });
        await cli("hybrid report", ["report", "--state-dir", failure]);
      })(),
    ]);

    const prompts = new Map(readdirSync(repo.promptDir).map((name) => [name, readFileSync(join(repo.promptDir, name), "utf8")]));
    const written = [...server.comments.values()].flat().filter((c) => !seeded.has(c.id));
    const bodies = proxy.bodies.filter((b: RecordedBody) => b.body !== "");
    const targets: ScanTarget[] = [
      ...[hybridDir, sequentialDir, failure].flatMap((dir) => filesUnder(dir, basename(dir))),
      ...[...prompts].map(([name, text]) => ({ location: "agent prompts", name: `prompts/${name}`, text })),
      ...commands.flatMap((c) => [
        { location: "printed (stdout, stderr)", name: `${c.label}: stdout`, text: c.result.stdout },
        { location: "printed (stdout, stderr)", name: `${c.label}: stderr`, text: c.result.stderr },
      ]),
      ...bodies.map((b, i) => ({ location: "GitHub request bodies", name: `request-${i + 1} ${b.method} ${b.path}`, text: b.body })),
      ...written.map((c) => ({ location: "GitHub comments (as stored)", name: `comment-${c.id}.md`, text: c.body })),
    ];
    return {
      commands,
      // A run that exited 0 or 1 reached its end (and must have left a record); a crash did not.
      stateDirs: [hybridDir, sequentialDir, failure].map((dir) => ({ dir, runs: finished(commands, dir) })),
      targets,
      prompts,
      commentsWritten: written.length,
      requestBodies: bodies.length,
      plantedSources,
    };
  } finally {
    await proxy.close();
    await server.close();
  }
}
