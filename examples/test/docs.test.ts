// The docs stay true to the repository: every link in a Markdown file points at a file of this
// repository (a clone has nothing beside it), and the import rules of docs/architecture.md are the
// imports the packages really have, in their manifests and in their sources.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const read = (path: string): string => readFileSync(join(root, path), "utf8");

/**
 * Markdown files of the repository, tracked or new. Left out: generated goldens, and examples/repo,
 * a pretend repository whose text is data the demo's agents read (changing it changes prompts).
 */
function markdownFiles(): string[] {
  const listed = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "--", "*.md"], { cwd: root, encoding: "utf8" });
  return listed
    .split("\n")
    .filter((path) => path !== "" && !path.includes("node_modules/") && !path.includes("__golden__/") && !path.startsWith("examples/repo/") && existsSync(join(root, path)));
}

/** The targets of Markdown links and images outside code blocks and code spans. */
function linkTargets(markdown: string): string[] {
  const prose = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "").replace(/`[^`\n]*`/g, "");
  const targets: string[] = [];
  for (const match of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push(match[1]!);
  for (const match of prose.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)) targets.push(match[1]!);
  return targets;
}

/** Why a link target is not a file of the repository, or undefined when it is. */
function brokenLink(file: string, target: string): string | undefined {
  if (/^(https?:|mailto:)/i.test(target)) return undefined;
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return `${target}: not a link a reader can follow`;
  const path = decodeURIComponent(target.split("#")[0]!);
  if (path === "") return undefined; // an anchor in the same file
  if (path.startsWith("/")) return `${target}: an absolute path, which a clone does not have`;
  const absolute = resolve(root, dirname(file), path);
  const inside = relative(root, absolute);
  if (inside.startsWith("..") || inside.split(sep)[0] === "..") return `${target}: outside the repository`;
  if (!existsSync(absolute)) return `${target}: no such file`;
  return undefined;
}

describe("links in the Markdown files", () => {
  it("reads links, and refuses one that leaves the repository or names a missing file", () => {
    const sample = "See [a](docs/journal.md#files), [b](../shared/DESIGN.md), ![c](/etc/passwd), `[d](nope.md)`, [e](https://example.com).\n```md\n[f](gone.md)\n```\n[g]: docs/missing.md\n";
    expect(linkTargets(sample)).toEqual(["docs/journal.md#files", "../shared/DESIGN.md", "/etc/passwd", "https://example.com", "docs/missing.md"]);
    const problems = linkTargets(sample).map((target) => brokenLink("README.md", target)).filter(Boolean);
    expect(problems).toEqual(["../shared/DESIGN.md: outside the repository", "/etc/passwd: an absolute path, which a clone does not have", "docs/missing.md: no such file"]);
  });

  it("point only at files of this repository", () => {
    const files = markdownFiles();
    expect(files).toContain("README.md");
    expect(files).toContain("docs/architecture.md");
    const problems: string[] = [];
    for (const file of files) {
      for (const target of linkTargets(read(file))) {
        const problem = brokenLink(file, target);
        if (problem) problems.push(`${file}: ${problem}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("never send a reader to the team's notes outside the repository", () => {
    const offenders = markdownFiles().filter((file) => /\.\.\/shared\/|\/work\/shared|\b(DESIGN|PLAN|STYLE)\.md\b/.test(read(file)));
    expect(offenders).toEqual([]);
  });
});

/** `@hybrid/*` packages a package imports, by its manifest and by its sources. */
function actualImports(name: string): { manifest: string[]; sources: string[] } {
  const dir = join(root, "packages", name);
  const manifest = JSON.parse(read(`packages/${name}/package.json`)) as { dependencies?: Record<string, string> };
  const fromManifest = Object.keys(manifest.dependencies ?? {}).filter((dep) => dep.startsWith("@hybrid/"));
  const found = new Set<string>();
  const walk = (path: string): void => {
    for (const entry of readdirSync(path)) {
      const child = join(path, entry);
      if (statSync(child).isDirectory()) walk(child);
      else if (child.endsWith(".ts")) {
        for (const match of readFileSync(child, "utf8").matchAll(/(?:from|import)\s*\(?\s*["'](@hybrid\/[a-z-]+)/g)) found.add(match[1]!);
      }
    }
  };
  walk(join(dir, "src"));
  found.delete(`@hybrid/${name}`);
  return { manifest: fromManifest.sort(), sources: [...found].sort() };
}

describe("docs/architecture.md", () => {
  const text = read("docs/architecture.md");

  it("states the import rules the packages really follow", () => {
    const section = text.slice(text.indexOf("## Packages and import rules"), text.indexOf("\n## ", text.indexOf("## Packages and import rules") + 1));
    const rows = [...section.matchAll(/^\| `(@hybrid\/[a-z-]+)` \| ([^|]*) \|/gm)].map((m) => ({ pkg: m[1]!, rule: m[2]!.trim() }));
    const published = readdirSync(join(root, "packages")).filter((name) => {
      const manifest = JSON.parse(read(`packages/${name}/package.json`)) as { private?: boolean };
      return manifest.private !== true;
    });
    expect(rows.map((row) => row.pkg).sort()).toEqual(published.map((name) => `@hybrid/${name}`).sort());
    const seen: string[] = [];
    for (const { pkg, rule } of rows) {
      const allowed = rule === "—" ? [] : rule === "every package above" ? [...seen] : rule.split(",").map((name) => `@hybrid/${name.trim()}`);
      const actual = actualImports(pkg.slice("@hybrid/".length));
      expect(actual.manifest, `${pkg} package.json dependencies`).toEqual([...allowed].sort());
      expect(actual.sources, `${pkg} src/ imports`).toEqual([...allowed].sort());
      seen.push(pkg);
    }
  });

  it("draws the package map with the same arrows", () => {
    const map = text.slice(text.indexOf("```mermaid"), text.indexOf("```", text.indexOf("```mermaid") + 3));
    const ids = new Map([...map.matchAll(/^\s*(\w+)\["(@hybrid\/[a-z-]+)/gm)].map((m) => [m[1]!, m[2]!]));
    const arrows = [...map.matchAll(/^\s*(\w+) --> (\w+)\s*$/gm)].map((m) => `${ids.get(m[1]!)} -> ${ids.get(m[2]!)}`).sort();
    const expected = [...ids.values()].flatMap((pkg) => actualImports(pkg.slice("@hybrid/".length)).manifest.map((dep) => `${pkg} -> ${dep}`)).sort();
    expect(arrows).toEqual(expected);
  });
});

describe("docs/operator-guide.md", () => {
  const text = read("docs/operator-guide.md");
  const section = (heading: string): string => {
    const start = text.indexOf(`\n## ${heading}\n`);
    expect(start, heading).toBeGreaterThan(-1);
    const end = text.indexOf("\n## ", start + 1);
    return text.slice(start, end === -1 ? undefined : end);
  };
  const rows = (markdown: string): Map<string, string> =>
    new Map([...markdown.matchAll(/^\| `([A-Za-z0-9_.*]+)` \| ([^|]+) \|/gm)].map((m) => [m[1]!, m[2]!.trim()]));
  const at = (object: unknown, path: string): unknown => path.split(".").reduce((value: any, key) => value?.[key], object);
  /** A documented default as a value: `4`, `"hybrid"`, `[]`, `{ "25": 72 }`, `null`. */
  const parse = (cell: string): unknown => JSON.parse(cell.replace(/^`|`$/g, "").replace(/([{,]\s*)([A-Za-z_]\w*)\s*:/g, '$1"$2":'));

  it("gives every knob of the configuration with its real default", async () => {
    const { loadConfig } = await import("@hybrid/hybrid");
    // The example file spells out every default, resilience's included (a test of @hybrid/hybrid checks it).
    const { config, sources } = await loadConfig({ file: join(root, "packages/hybrid/hybrid.config.example.yaml"), env: {} });
    const knobs = rows(section("Tuning knobs"));
    const leaves = new Set([...sources.keys()].filter((key) => !key.startsWith("flags.")).map((key) => (key.startsWith("rollout.dwellHours.") ? "rollout.dwellHours" : key)));
    for (const key of leaves) expect(knobs.has(key), `${key} is documented`).toBe(true);
    for (const [key, cell] of knobs) {
      if (key === "flags.*" || key === "github.identity") continue;
      expect(leaves.has(key), `${key} is a key of the configuration`).toBe(true);
      expect(parse(cell), key).toEqual(at(config, key));
    }
    const flags = rows(section("The flags"));
    expect([...flags.keys()].sort()).toEqual(Object.keys(config.flags).sort());
    for (const [flag, cell] of flags) expect(parse(cell), flag).toBe(config.flags[flag as keyof typeof config.flags]);
  });

  it("names the rollout stages, their dwell and the triggers' thresholds as the guard has them", async () => {
    const { HybridConfigSchema, ROLLOUT_STAGES, TriggerOptionsSchema } = await import("@hybrid/hybrid");
    const rollout = section("Rolling out: stages 0 → 5 → 25 → 50 → 100");
    const stages = [...rollout.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]));
    expect(stages).toEqual([...ROLLOUT_STAGES]);
    const { dwellHours } = HybridConfigSchema.parse({}).rollout;
    for (const [stage, hours] of Object.entries(dwellHours)) expect(rollout).toContain(`${hours} h`), expect(rollout).toContain(`rollout.dwellHours."${stage}"`);
    const t = TriggerOptionsSchema.parse({});
    expect(rollout).toContain(`last ${t.tokenUsage.windowHours} h of hybrid runs are more than ${t.tokenUsage.maxIncreasePct}% above`);
    expect(rollout).toContain(`fewer than ${t.successRate.minPct}% of hybrid runs succeeded`);
    expect(rollout).toContain(`| ${t.tokenUsage.minSample} runs with a sequential baseline |`);
    expect(rollout).toContain(`| ${t.successRate.minSample} runs |`);
  });
});
