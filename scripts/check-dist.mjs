// After `pnpm build`: every publishable package loads from dist/ exactly as a consumer without the
// @hybrid/source condition would load it, and ships type declarations that type-check in a project
// that does not have @types/node (public types may use only what a package declares).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = new URL("../packages/", import.meta.url).pathname;
let failures = 0;
const typed = [];
for (const name of readdirSync(root)) {
  const dir = join(root, name);
  const manifestPath = join(dir, "package.json");
  if (!existsSync(manifestPath)) continue;
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  if (manifest.private) continue;
  // Every entry point (".", "./bullmq", ...), as a consumer imports it.
  for (const [subpath, entry] of Object.entries(manifest.exports ?? {})) {
    if (typeof entry !== "object" || entry === null) continue;
    const label = subpath === "." ? manifest.name : `${manifest.name}${subpath.slice(1)}`;
    const problems = [];
    if (!entry.types || !existsSync(join(dir, entry.types))) problems.push(`types missing (${entry.types})`);
    if (!entry.default || !existsSync(join(dir, entry.default))) problems.push(`entry missing (${entry.default})`);
    let exported = 0;
    if (problems.length === 0) {
      try {
        exported = Object.keys(await import(pathToFileURL(join(dir, entry.default)).href)).length;
        if (exported === 0) problems.push("entry exports nothing");
      } catch (error) {
        problems.push(`entry fails to load: ${error.message}`);
      }
    }
    if (problems.length > 0) {
      failures++;
      console.error(`dist check: ${label}: ${problems.join("; ")}`);
    } else {
      console.log(`dist check: ${label} loads from ${entry.default} (${exported} exports)`);
      typed.push({ name: label, types: join(dir, entry.types) });
    }
  }
}

// A consumer without @types/node: `types: []`, and library checking on, so every declaration file
// reachable from our entries is checked.
const consumer = mkdtempSync(join(tmpdir(), "hybrid-consumer-"));
try {
  writeFileSync(
    join(consumer, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { target: "ES2022", lib: ["ES2023", "DOM"], module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, types: [], skipLibCheck: false },
      files: ["consumer.ts"],
    }),
  );
  writeFileSync(
    join(consumer, "consumer.ts"),
    typed.map(({ types }, i) => `import type * as p${i} from ${JSON.stringify(types.replace(/\.d\.ts$/, ".js"))};\nexport type T${i} = typeof p${i};\n`).join(""),
  );
  const tsc = fileURLToPath(new URL("../node_modules/typescript/bin/tsc", import.meta.url));
  const check = spawnSync(process.execPath, [tsc, "-p", consumer], { encoding: "utf8" });
  if (check.status !== 0) {
    failures++;
    console.error(`dist check: the published types need what a consumer may not have (@types/node?):\n${check.stdout}${check.stderr}`);
  } else {
    console.log(`dist check: ${typed.map((t) => t.name).join(", ")} type-check without @types/node`);
  }
} finally {
  rmSync(consumer, { recursive: true, force: true });
}
process.exit(failures === 0 ? 0 : 1);
