import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createFileContextCache,
  createMemoryContextCache,
  isContextOptionsError,
  redactSecrets,
  type ContextCache,
} from "../src/index.js";

function contract(name: string, make: () => Promise<ContextCache>) {
  describe(`${name} contract`, () => {
    it("stores, returns copies and deletes", async () => {
      const cache = await make();
      expect(await cache.get("k")).toBeUndefined();
      const value = { a: [1, 2], b: "x" };
      await cache.set("k", value);
      value.a.push(3);
      expect(await cache.get("k")).toEqual({ a: [1, 2], b: "x" });
      await cache.set("k", { a: [] });
      expect(await cache.get("k")).toEqual({ a: [] });
      await cache.delete("k");
      await cache.delete("k");
      expect(await cache.get("k")).toBeUndefined();
    });
  });
}

contract("memory cache", async () => createMemoryContextCache());

describe("file cache", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "ctx-cache-"));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));
  contract("file cache", async () => createFileContextCache({ dir: join(dir, "c") }));

  it("writes atomically (no temp files left) and survives a new instance", async () => {
    const cache = createFileContextCache({ dir });
    await Promise.all(Array.from({ length: 20 }, (_, i) => cache.set(`key-${i % 3}`, { i })));
    const files = await readdir(dir);
    expect(files.every((f) => f.endsWith(".json"))).toBe(true);
    expect(files).toHaveLength(3);
    expect(await createFileContextCache({ dir }).get("key-0")).toMatchObject({ i: expect.any(Number) });
  });

  it("treats a corrupt or foreign file as absent", async () => {
    const cache = createFileContextCache({ dir });
    await cache.set("k", 1);
    const [file] = await readdir(dir);
    await writeFile(join(dir, file!), "{not json");
    expect(await cache.get("k")).toBeUndefined();
    await writeFile(join(dir, file!), JSON.stringify({ key: "other", value: 2 }));
    expect(await cache.get("k")).toBeUndefined();
  });

  it("stores only redacted text: every string of a value, and the key, pass through redact", async () => {
    const token = ["ghp", "_", "x7Kq2Lm9Vd4Rt8Wn3Yb6Hc1Pz5Jf0Ga2Se7Uo4"].join("");
    const email = `${"ops"}@${"corp"}.example-mail.io`;
    const cache = createFileContextCache({ dir });
    const key = `l3:/repo:docs/${token}.md`;
    await cache.set(key, { text: `push with ${token}`, nested: [{ by: email }], size: 12 });
    const [file] = await readdir(dir);
    const stored = await readFile(join(dir, file!), "utf8");
    expect(stored).not.toContain(token);
    expect(stored).not.toContain(email);
    expect(file).not.toContain(token);
    expect(await cache.get(key)).toEqual({ text: expect.stringContaining("[REDACTED:"), nested: [{ by: expect.stringContaining("[REDACTED:") }], size: 12 });
    const clear = createFileContextCache({ dir: join(dir, "clear"), redact: (text) => text });
    await clear.set("k", { text: token });
    expect(await clear.get("k")).toEqual({ text: token });
  });

  it("validates options, and refuses redactSecrets where redact belongs", () => {
    expect(() => createFileContextCache({ dir: "" })).toThrow(/dir/);
    let error: unknown;
    try {
      createFileContextCache({} as { dir: string });
    } catch (caught) {
      error = caught;
    }
    expect(isContextOptionsError(error)).toBe(true);
    expect((error as { problems: { path: string }[] }).problems.map((p) => p.path)).toEqual(["dir"]);
    expect(() => createFileContextCache({ dir, redact: redactSecrets as unknown as (text: string) => string })).toThrow(
      /invalid file cache options:\n {2}- redact: expected \(text\) => string: this is redactSecrets, which returns \{ text, findings \}; pass redact instead/,
    );
  });
});
