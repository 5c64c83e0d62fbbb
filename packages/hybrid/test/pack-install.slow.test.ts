// Usable outside this repository: every publishable package built and packed as it would be
// published (`pnpm pack:packages`), the tarballs installed with npm into an empty folder under the
// OS temp dir (no workspace, no @hybrid/source condition, third-party dependencies from the
// registry), and the `hybrid` bin driven there as a user would: --help, init, then the commands
// init prints, plan and run with the command runner.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repo = fileURLToPath(new URL("../../..", import.meta.url));

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

// npm and npx must not see pnpm's or vitest's settings (npm_config_*, a NODE_OPTIONS with our
// source condition): the folder is a stranger's project.
const cleanEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|PNPM_|NODE_OPTIONS$|VITEST|TINYPOOL)/i.test(key)) continue;
    env[key] = value;
  }
  return { ...env, NO_COLOR: "1", npm_config_update_notifier: "false", npm_config_fund: "false", npm_config_audit: "false" };
};

function run(file: string, args: string[], cwd: string, timeout = 300_000): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env: cleanEnv(), timeout, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A command line as a user types it (init prints them), run by the shell with npx's local bin only. */
const typed = (line: string, cwd: string): Promise<Outcome> => run("sh", ["-c", `npx --no -- ${line}`], cwd);
const show = (o: Outcome): string => `exit ${o.code}\n--- stdout\n${o.stdout}\n--- stderr\n${o.stderr}`;

describe("the packed packages, installed outside the repository", () => {
  const scratch = mkdtempSync(join(tmpdir(), "hybrid-pack-"));
  const tarballDir = join(scratch, "tarballs");
  const project = join(scratch, "project");
  let tarballs: string[] = [];

  beforeAll(async () => {
    const packed = await run(process.execPath, [join(repo, "scripts/pack-packages.mjs"), tarballDir], repo, 600_000);
    expect(packed.code, show(packed)).toBe(0);
    tarballs = packed.stdout.trim().split("\n");
    const init = await run("mkdir", ["-p", project], scratch);
    expect(init.code).toBe(0);
    const npmInit = await run("npm", ["init", "-y"], project);
    expect(npmInit.code, show(npmInit)).toBe(0);
    const installed = await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...tarballs], project, 600_000);
    expect(installed.code, show(installed)).toBe(0);
  }, 1_200_000);

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("packs every publishable package, its workspace dependencies rewritten to versions", () => {
    const publishable = readdirSync(join(repo, "packages")).filter((name) => {
      const manifest = JSON.parse(readFileSync(join(repo, "packages", name, "package.json"), "utf8")) as { private?: boolean };
      return manifest.private !== true;
    });
    expect(tarballs.map((file) => relative(tarballDir, file)).sort()).toEqual(publishable.sort().map((name) => expect.stringMatching(new RegExp(`^hybrid-${name}-\\d+\\.\\d+\\.\\d+.*\\.tgz$`))));
    expect(relative(repo, project).startsWith("..")).toBe(true);
    for (const name of publishable) {
      const manifest = JSON.parse(readFileSync(join(project, "node_modules/@hybrid", name, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
      for (const [dep, spec] of Object.entries(manifest.dependencies ?? {})) {
        expect(spec, `${name} → ${dep}`).not.toMatch(/^workspace:/);
        if (dep.startsWith("@hybrid/")) {
          const version = (JSON.parse(readFileSync(join(repo, "packages", dep.slice(8), "package.json"), "utf8")) as { version: string }).version;
          expect(spec, `${name} → ${dep}`).toBe(version);
        }
      }
    }
  });

  it("runs `npx hybrid --help` from the installed bin, not a package of the same name from the registry", async () => {
    const bin = join(project, "node_modules/.bin/hybrid");
    expect(existsSync(bin)).toBe(true);
    expect(realpathSync(bin).startsWith(realpathSync(join(project, "node_modules/@hybrid/hybrid")))).toBe(true);
    const help = await typed("hybrid --help", project);
    expect(help.code, show(help)).toBe(0);
    expect(help.stdout).toMatch(/Usage: hybrid/);
    for (const command of ["init", "plan", "run", "resume", "report", "flags", "rollout"]) expect(help.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, "m"));
  });

  it("inits a project, then plans and runs the example workflow with the commands init printed", async () => {
    const init = await typed("hybrid init", project);
    expect(init.code, show(init)).toBe(0);
    for (const file of ["hybrid.config.yaml", "workflows/example.yaml", "agents/echo-agent.mjs"]) expect(existsSync(join(project, file)), file).toBe(true);
    const next = init.stdout.slice(init.stdout.indexOf("next:")).split("\n").slice(1).map((line) => line.trim()).filter(Boolean);
    expect(next, show(init)).toEqual([expect.stringMatching(/^hybrid plan /), expect.stringMatching(/^hybrid run .*--runner command --command /)]);

    const plan = await typed(next[0]!, project);
    expect(plan.code, show(plan)).toBe(0);
    expect(plan.stdout + plan.stderr).toMatch(/wave/i);
    const planJson = await typed(`${next[0]!} --json`, project);
    expect(planJson.code, show(planJson)).toBe(0);
    const planned = JSON.parse(planJson.stdout) as { workflowId: string; planHash: string; waves: string[][]; criticalPath: unknown; sequentialOrder: string[]; estimates: unknown };
    expect(planned.workflowId).toBe("example");
    expect(planned.waves).toEqual([["design"], ["implement", "write-docs"], ["review"]]);
    expect(planned.sequentialOrder).toHaveLength(4);
    expect(planned.planHash).toMatch(/\S{8,}/);

    const ran = await typed(next[1]!, project);
    expect(ran.code, show(ran)).toBe(0);
    expect(ran.stdout + ran.stderr).toMatch(/succeeded/);

    const json = await typed(`${next[1]!} --run-id packed-1 --json`, project);
    expect(json.code, show(json)).toBe(0);
    const result = JSON.parse(json.stdout) as { runId: string; mode: string; status: string; nodes: Record<string, { status: string }>; metrics: Record<string, number> };
    expect(result.runId).toBe("packed-1");
    expect(result.status).toBe("succeeded");
    expect(Object.fromEntries(Object.entries(result.nodes).map(([id, node]) => [id, node.status]))).toEqual({ design: "succeeded", implement: "succeeded", "write-docs": "succeeded", review: "succeeded" });
    expect(result.metrics.node_count).toBe(4);
    expect(existsSync(join(project, ".hybrid/runs/packed-1/journal.jsonl"))).toBe(true);
  });

  it("refuses bad input there with exit 2 and writes nothing", async () => {
    const listing = (): string[] => readdirSync(join(project, ".hybrid"), { recursive: true }).map(String).sort();
    const before = listing();
    const missing = await typed("hybrid run workflows/missing.yaml --runner command --command 'node agents/echo-agent.mjs'", project);
    expect(missing.code, show(missing)).toBe(2);
    expect(missing.stderr).toMatch(/missing\.yaml/);
    const unknownFlag = await typed("hybrid run workflows/example.yaml --no-such-flag", project);
    expect(unknownFlag.code, show(unknownFlag)).toBe(2);
    expect(listing()).toEqual(before);
  });
});
