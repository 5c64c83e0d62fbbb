// Bad input of every kind, through the built bin: exit 2, a message naming the file, the path and
// the problem, and nothing written — the default state dir stays absent, a given one unchanged
// (the listing oracle compares every entry's size and mtime).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { BUILD_TIMEOUT_MS, buildCli, hybrid, jsonOf, listing, tempDir } from "./fixtures/cli/cli.js";

const GOOD = `version: 1
id: good
nodes:
  - { id: a, agent: dev, priority: implementation, scope: do a, acceptance: [a done], dependsOn: [] }
  - { id: b, agent: dev, priority: docs, scope: do b, acceptance: [b done], dependsOn: [a] }
`;

/** A workflow file with `text` in a fresh folder (the repository root of the case). */
function caseDir(text?: string, name = "workflow.yaml"): { cwd: string; file: string } {
  const cwd = tempDir();
  if (text !== undefined) writeFileSync(join(cwd, name), text);
  return { cwd, file: name };
}

let populated: string;
beforeAll(async () => {
  await buildCli();
  const { cwd, file } = caseDir(GOOD);
  populated = join(cwd, "state");
  const ran = await hybrid(["run", file, "--state-dir", populated, "--run-id", "first"], { cwd });
  expect(ran.code, ran.stderr).toBe(0);
}, BUILD_TIMEOUT_MS);

interface Case {
  name: string;
  text?: string;
  args: (file: string) => string[];
  /** What stderr must say: the problem's code or words, and where. */
  says: RegExp[];
}

const CASES: Case[] = [
  { name: "a missing workflow file", args: () => ["run", "nope.yaml"], says: [/nope\.yaml/, /no such file/] },
  { name: "YAML syntax", text: "version: 1\nnodes: [\n  { id: a,\n", args: (f) => ["run", f], says: [/workflow\.yaml/, /yaml-syntax/] },
  {
    name: "a schema problem",
    text: "version: 1\nnodes:\n  - { id: a, priority: implementation, scope: s, acceptance: [x], dependsOn: [] }\n",
    args: (f) => ["run", f],
    says: [/workflow\.yaml/, /nodes\[0\]\.agent/],
  },
  {
    name: "a cycle",
    text: GOOD.replace("dependsOn: [] }", "dependsOn: [b] }"),
    args: (f) => ["run", f],
    says: [/workflow\.yaml/, /\[cycle\]/, /a.*b.*a/],
  },
  {
    name: "an unknown dependency",
    text: GOOD.replace("dependsOn: [a] }", "dependsOn: [ghost] }"),
    args: (f) => ["run", f],
    says: [/workflow\.yaml/, /nodes\[1\]\.dependsOn\[0\]/, /unknown-dependency/],
  },
  {
    name: "a docs path outside the repository",
    text: GOOD.replace("dependsOn: [a] }", "dependsOn: [a], docs: [README.md, ../../etc/passwd] }"),
    args: (f) => ["run", f],
    says: [/workflow\.yaml/, /nodes\[1\]\.docs\[1\]/, /path-outside-repo/, /\.\.\/\.\.\/etc\/passwd/],
  },
  { name: "an unknown option", text: GOOD, args: (f) => ["run", f, "--paralel", "3"], says: [/unknown option '--paralel'/] },
  { name: "an unknown command", args: () => ["rnu", "x.yaml"], says: [/unknown command 'rnu'/, /run/] },
  { name: "a bad --mode", text: GOOD, args: (f) => ["run", f, "--mode", "fast"], says: [/--mode/, /fast/] },
  { name: "--max-parallel 0", text: GOOD, args: (f) => ["run", f, "--max-parallel", "0"], says: [/--max-parallel/, /integer >= 1/] },
  { name: "--runner command without --command", text: GOOD, args: (f) => ["run", f, "--runner", "command"], says: [/--runner command needs --command/] },
  { name: "--command with another runner", text: GOOD, args: (f) => ["run", f, "--command", "cat"], says: [/--command needs --runner command/] },
  { name: "--runner model without its options", text: GOOD, args: (f) => ["run", f, "--runner", "model"], says: [/--base-url/, /--model/] },
  { name: "--output-tokens past its bound", text: GOOD, args: (f) => ["run", f, "--output-tokens", "300000"], says: [/--output-tokens is at most 200000/] },
  { name: "--output-tokens with another runner", text: GOOD, args: (f) => ["run", f, "--runner", "command", "--command", "cat", "--output-tokens", "5"], says: [/--output-tokens applies to --runner simulated only/] },
  { name: "a bad run id", text: GOOD, args: (f) => ["run", f, "--run-id", "a b/c"], says: [/a b\/c/] },
  { name: "a missing config file", text: GOOD, args: (f) => ["run", f, "--config", "missing.yaml"], says: [/missing\.yaml/, /no such file/] },
  { name: "a missing argument", args: () => ["plan"], says: [/missing required argument 'workflow'/] },
  { name: "resume of an unknown run", args: () => ["resume", "never-ran"], says: [/never-ran/, /no journal/] },
];

describe.concurrent("bad input exits 2 and writes nothing", { timeout: 120_000 }, () => {
  for (const c of CASES) {
    it(`${c.name}: the default state dir stays absent`, async () => {
      const { cwd, file } = caseDir(c.text);
      const result = await hybrid(c.args(file), { cwd });
      expect(result.code, result.stderr).toBe(2);
      for (const pattern of c.says) expect(result.stderr).toMatch(pattern);
      expect(result.stdout).toBe("");
      expect(listing(join(cwd, ".hybrid"))).toEqual(["(absent)"]);
    });
  }

  it("a config file with a bad value names the file, line and key", async () => {
    const { cwd, file } = caseDir(GOOD);
    writeFileSync(join(cwd, "hybrid.config.yaml"), "concurrency:\n  maxParallel: -1\n");
    const result = await hybrid(["run", file], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/hybrid\.config\.yaml:2:\d+ concurrency\.maxParallel/);
    expect(listing(join(cwd, ".hybrid"))).toEqual(["(absent)"]);
  });

  it("a given state dir is left unchanged: a cycle, a bad docs path, a taken run id", async () => {
    const before = listing(populated);
    expect(before.length).toBeGreaterThan(3);
    const cycle = caseDir(GOOD.replace("dependsOn: [] }", "dependsOn: [b] }"));
    const docs = caseDir(GOOD.replace("dependsOn: [a] }", "dependsOn: [a], docs: [/etc/hosts] }"));
    const taken = caseDir(GOOD);
    const results = await Promise.all([
      hybrid(["run", cycle.file, "--state-dir", populated], { cwd: cycle.cwd }),
      hybrid(["run", docs.file, "--state-dir", populated], { cwd: docs.cwd }),
      hybrid(["run", taken.file, "--state-dir", populated, "--run-id", "first"], { cwd: taken.cwd }),
      hybrid(["run", taken.file, "--state-dir", populated, "--bogus"], { cwd: taken.cwd }),
    ]);
    expect(results.map((r) => r.code)).toEqual([2, 2, 2, 2]);
    expect(results[2]!.stderr).toMatch(/run first already exists/);
    expect(listing(populated)).toEqual(before);
  });

  it("--json: the error is the one JSON document on stdout", async () => {
    const { cwd, file } = caseDir(GOOD.replace("dependsOn: [a] }", "dependsOn: [ghost] }"));
    const [invalid, usage] = await Promise.all([hybrid(["plan", file, "--json"], { cwd }), hybrid(["run", file, "--json", "--nope"], { cwd })]);
    expect(invalid.code).toBe(2);
    const doc = jsonOf(invalid);
    expect(doc.error).toMatchObject({ code: "graph-invalid", exitCode: 2 });
    expect(doc.error.problems).toEqual([expect.objectContaining({ code: "unknown-dependency", path: "nodes[1].dependsOn[0]" })]);
    expect(usage.code).toBe(2);
    expect(jsonOf(usage).error).toMatchObject({ code: "commander.unknownOption", exitCode: 2 });
  });
});
