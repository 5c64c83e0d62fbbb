// Real source code with no secrets in it, to measure false positives: TypeScript's lib.*.d.ts and
// compiler, zod's and yaml's sources from node_modules, and this repository's packages/*/src.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../../..");
const STORE = join(ROOT, "node_modules/.pnpm");

function walk(dir: string, keep: (path: string) => boolean, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== "node_modules") walk(path, keep, out);
    } else if (keep(path)) out.push(path);
  }
  return out;
}

/** The installed package directory of `name` (the pnpm store holds one version of each here). */
function packageDir(name: string): string {
  const entry = readdirSync(STORE).find((e) => e.startsWith(`${name}@`));
  if (entry === undefined) throw new Error(`${name} is not installed`);
  return join(STORE, entry, "node_modules", name);
}

export interface SourceSet {
  name: string;
  files: string[];
}

/** Sets small enough for the default suite: this repository and TypeScript's lib.*.d.ts (~4 MB). */
export function quickSources(): SourceSet[] {
  const packages = join(ROOT, "packages");
  const repo = readdirSync(packages)
    .map((p) => join(packages, p, "src"))
    .filter(existsSync)
    .flatMap((dir) => walk(dir, (p) => p.endsWith(".ts")));
  const lib = join(packageDir("typescript"), "lib");
  return [
    { name: "this repository's packages/*/src", files: repo },
    { name: "typescript lib.*.d.ts", files: walk(lib, (p) => /\/lib\.[^/]*\.d\.ts$/.test(p)) },
  ];
}

/** The rest: the TypeScript compiler, zod's sources (tests apart) and yaml's build (~21 MB). */
export function fullSources(): SourceSet[] {
  const zod = join(packageDir("zod"), "src");
  return [
    { name: "typescript compiler (lib/typescript.js, lib/_tsc.js)", files: ["typescript.js", "_tsc.js"].map((f) => join(packageDir("typescript"), "lib", f)) },
    { name: "zod src (without tests)", files: walk(zod, (p) => p.endsWith(".ts") && !p.includes("/tests/")) },
    { name: "yaml dist", files: walk(join(packageDir("yaml"), "dist"), (p) => /\.(?:js|d\.ts)$/.test(p)) },
  ];
}

/** zod's test fixtures: real-format examples (a jwt.io token, test cards, IBANs, emails). */
export function fixtureSources(): SourceSet[] {
  const zod = join(packageDir("zod"), "src");
  return [{ name: "zod src tests (fixtures)", files: walk(zod, (p) => p.endsWith(".ts") && p.includes("/tests/")) }];
}

export const readSource = (path: string) => readFileSync(path, "utf8");
