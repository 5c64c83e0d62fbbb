// After `pnpm build`: every publishable package loads from dist/ exactly as a consumer without the
// @hybrid/source condition would load it, and ships its type declarations.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const root = new URL("../packages/", import.meta.url).pathname;
let failures = 0;
for (const name of readdirSync(root)) {
  const dir = join(root, name);
  const manifestPath = join(dir, "package.json");
  if (!existsSync(manifestPath)) continue;
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  if (manifest.private) continue;
  const entry = manifest.exports?.["."];
  const problems = [];
  if (!entry?.types || !existsSync(join(dir, entry.types))) problems.push(`types missing (${entry?.types})`);
  if (!entry?.default || !existsSync(join(dir, entry.default))) problems.push(`entry missing (${entry?.default})`);
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
    console.error(`dist check: ${manifest.name}: ${problems.join("; ")}`);
  } else {
    console.log(`dist check: ${manifest.name} loads from ${entry.default} (${exported} exports)`);
  }
}
process.exit(failures === 0 ? 0 : 1);
