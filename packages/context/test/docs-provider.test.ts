import { mkdir, mkdtemp, readdir, readFile, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createContextEventCounter,
  createDocsProvider,
  createFileContextCache,
  isPathOutsideRepoError,
  type ContextEvent,
  type ContextRequest,
} from "../src/index.js";
import { globToRegExp } from "../src/safe-path.js";

const request = (docs: string[], extra: Partial<ContextRequest["node"]> = {}): ContextRequest => ({
  node: { id: "n", agent: "a", priority: "docs", scope: "Explain the retry policy", acceptance: ["retry backoff documented"], dependsOn: [], docs, ...extra },
  runId: "run-3",
});

describe("createDocsProvider (L3)", () => {
  let root: string;
  let outside: string;
  let events: ContextEvent[];
  const at = () => new Date("2025-03-01T00:00:00Z");
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "ctx-repo-"));
    outside = await mkdtemp(join(tmpdir(), "ctx-outside-"));
    events = [];
    await mkdir(join(root, "docs/adr/old"), { recursive: true });
    await writeFile(join(root, "docs/adr/0001-start.md"), "# ADR 1\nWe start.\n");
    await writeFile(join(root, "docs/adr/0002-retry.md"), "# ADR 2\nRetry with backoff.\n");
    await writeFile(join(root, "docs/adr/old/0000-legacy.md"), "# Legacy\n");
    await writeFile(join(root, "docs/adr/README.md"), "# ADR index\n- 0001\n- 0002\n");
    await writeFile(join(root, ".system-state"), "phase: C\n");
    await writeFile(join(outside, "secret.md"), "outside the repo");
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });
  const provider = (extra = {}) => createDocsProvider({ root, onEvent: (e) => events.push(e), clock: at, ...extra });

  it("reads named paths and globs within their prefix, plus .system-state and the ADR index", async () => {
    const segments = await provider().collect(request(["docs/adr/0002-retry.md", "docs/adr/*.md"]));
    expect(segments.map((s) => s.source)).toEqual([
      "docs/adr/0002-retry.md",
      "docs/adr/0001-start.md",
      "docs/adr/README.md",
      ".system-state",
    ]);
    expect(segments.every((s) => s.tier === "L3" && !s.pinned)).toBe(true);
    expect(segments[0]!.priority).toBeGreaterThan(segments[1]!.priority);
    const deep = await provider().collect(request(["docs/**/*.md"], { docs: ["docs/**/0000-*.md"] }));
    expect(deep.map((s) => s.source)).toEqual(["docs/adr/old/0000-legacy.md", ".system-state", "docs/adr/README.md"]);
  });

  it("rejects .., absolute paths and symlinks that escape, naming the path", async () => {
    for (const bad of ["../etc/passwd", "docs/../../x", "/etc/passwd", "C:\\\\x", "a\0b", "."]) {
      const error = await provider().collect(request([bad])).catch((e: unknown) => e);
      expect(isPathOutsideRepoError(error), bad).toBe(true);
      expect((error as Error).message).toContain(bad);
      expect((error as { code: string }).code).toBe("path-outside-repo");
    }
    await symlink(join(outside, "secret.md"), join(root, "docs/leak.md"));
    const error = await provider().collect(request(["docs/leak.md"])).catch((e: unknown) => e);
    expect(isPathOutsideRepoError(error)).toBe(true);
    expect((error as Error).message).toContain("docs/leak.md");
    await symlink(outside, join(root, "docs/outdir"));
    const viaDir = await provider().collect(request(["docs/outdir/secret.md"])).catch((e: unknown) => e);
    expect(isPathOutsideRepoError(viaDir)).toBe(true);
    // A glob does not follow a directory symlink out of the repository.
    const globbed = await provider().collect(request(["docs/**/secret.md"]));
    expect(globbed.map((s) => s.source)).not.toContain("docs/outdir/secret.md");
  });

  it("follows a symlink that stays inside the repository", async () => {
    await symlink(join(root, "docs/adr/0001-start.md"), join(root, "docs/alias.md"));
    const segments = await provider().collect(request(["docs/alias.md"]));
    expect(segments[0]!.text).toContain("We start.");
  });

  it("cuts a large file to the sections that match scope and acceptance, headings kept", async () => {
    const filler = (tag: string) => Array.from({ length: 400 }, (_, i) => `${tag} filler ${i}.`).join(" ");
    const doc = [
      "# Operations guide",
      "Intro text.",
      "## Deployment",
      filler("deploy"),
      "## Retry policy",
      "### Backoff",
      "Retry with exponential backoff, documented here.",
      "## Logging",
      filler("log"),
      "```md",
      "# not a heading inside a fence",
      "```",
    ].join("\n");
    await writeFile(join(root, "docs/ops.md"), doc);
    const [segment] = await provider({ maxTokensPerFile: 300 }).collect(request(["docs/ops.md"]));
    expect(segment!.text).toContain("## Retry policy");
    expect(segment!.text).toContain("### Backoff\nRetry with exponential backoff");
    expect(segment!.text).toContain("# Operations guide");
    expect(segment!.text).toMatch(/\[… \d+ sections? omitted\]/);
    expect(segment!.text).not.toContain("deploy filler 399");
    // Deterministic.
    const [again] = await provider({ maxTokensPerFile: 300 }).collect(request(["docs/ops.md"]));
    expect(again!.text).toBe(segment!.text);
  });

  it("truncates a single oversized section", async () => {
    await writeFile(join(root, "docs/wall.md"), Array.from({ length: 3000 }, (_, i) => `retry word ${i}.`).join(" "));
    const [segment] = await provider({ maxTokensPerFile: 100 }).collect(request(["docs/wall.md"]));
    expect(segment!.text).toMatch(/\[… \d+ tokens truncated\]$/);
  });

  it("stores only redacted contents in the file cache, and serves the same text on a hit as on a miss", async () => {
    const dir = join(outside, "cache");
    const token = ["ghp", "_", "x7Kq2Lm9Vd4Rt8Wn3Yb6Hc1Pz5Jf0Ga2Se7Uo4"].join("");
    await writeFile(join(root, "docs/creds.md"), `# Deploy\nThe retry job uses ${token} to push.\n`);
    const cache = createFileContextCache({ dir });
    const cold = await provider({ cache }).collect(request(["docs/creds.md"]));
    const warm = await provider({ cache }).collect(request(["docs/creds.md"]));
    expect(warm).toEqual(cold);
    expect(cold[0]!.text).not.toContain(token);
    expect(cold[0]!.text).toContain("[REDACTED:");
    for (const file of await readdir(dir)) expect(await readFile(join(dir, file), "utf8")).not.toContain(token);
    expect(events.filter((e) => e.type === "context.cache").map((e) => [e.source, (e as { hit: boolean }).hit])).toContainEqual(["docs/creds.md", true]);
    expect(events.every((e) => e.runId === "run-3" && e.nodeId === "n")).toBe(true);
  });

  it("caches by path + mtime + size: a hit when unchanged, a miss after a change", async () => {
    const dir = join(outside, "cache");
    const counter = createContextEventCounter();
    const p = provider({ cache: createFileContextCache({ dir }), onEvent: counter.onEvent });
    await p.collect(request(["docs/adr/0001-start.md"]));
    expect(counter.snapshot().L3).toEqual({ hits: 0, misses: 3, fallbacks: 0 });
    await p.collect(request(["docs/adr/0001-start.md"]));
    expect(counter.snapshot().L3).toEqual({ hits: 3, misses: 3, fallbacks: 0 });
    await writeFile(join(root, "docs/adr/0001-start.md"), "# ADR 1\nWe start again.\n");
    await utimes(join(root, "docs/adr/0001-start.md"), new Date(2030, 0, 1), new Date(2030, 0, 1));
    const changed = await p.collect(request(["docs/adr/0001-start.md"]));
    expect(changed[0]!.text).toContain("again");
    expect(counter.snapshot().L3).toEqual({ hits: 5, misses: 4, fallbacks: 0 });
  });

  it("serves a stale copy when a file vanishes, else skips it, and reports both", async () => {
    const p = provider();
    await p.collect(request(["docs/adr/0002-retry.md"]));
    await rm(join(root, "docs/adr/0002-retry.md"));
    events.length = 0;
    const stale = await p.collect(request(["docs/adr/0002-retry.md", "docs/missing.md"]));
    expect(stale.map((s) => s.source)).toEqual(["docs/adr/0002-retry.md", ".system-state", "docs/adr/README.md"]);
    const fallbacks = events.filter((e) => e.type === "context.fallback");
    const base = { type: "context.fallback", runId: "run-3", nodeId: "n", provider: "docs", tier: "L3", at: "2025-03-01T00:00:00.000Z" };
    expect(fallbacks).toEqual([
      { ...base, source: "docs/adr/0002-retry.md", reason: "file not found", stale: true },
      { ...base, source: "docs/missing.md", reason: "file not found", stale: false },
    ]);
  });

  it("reports a path that is not a regular file", async () => {
    const segments = await provider().collect(request(["docs/adr"]));
    expect(segments.map((s) => s.source)).not.toContain("docs/adr");
    expect(events.find((e) => e.type === "context.fallback")).toMatchObject({ source: "docs/adr", reason: "not a regular file" });
  });

  it("works without a .system-state or ADR index", async () => {
    await rm(join(root, ".system-state"));
    await rm(join(root, "docs/adr/README.md"));
    expect(await provider().collect(request([]))).toEqual([]);
  });

  it("translates globs", () => {
    expect(globToRegExp("docs/{a,b}/*.md").test("docs/a/x.md")).toBe(true);
    expect(globToRegExp("docs/?.md").test("docs/ab.md")).toBe(false);
    expect(globToRegExp("docs/**").test("docs/a/b/c")).toBe(true);
    expect(globToRegExp("docs/[ab].md").test("docs/b.md")).toBe(true);
  });
});
