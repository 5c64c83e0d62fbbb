// Builds every publishable package and packs it into a tarball, the way `pnpm publish` would ship
// it (workspace:* dependencies rewritten to versions), so hybrid can be installed outside this
// repository before it is on a registry:
//
//   pnpm pack:packages [dir]          # default dir: <os tmpdir>/hybrid-packages; then, in any project:
//   npm install <dir>/*.tgz
//
// Prints one tarball path a line on stdout (progress on stderr). Exits 1 if a packed manifest still
// has a workspace: specifier, or a package that publishes a bin does not ship its file.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const destination = resolve(process.argv[2] ?? join(tmpdir(), "hybrid-packages"));

function pnpm(args, cwd) {
  const result = spawnSync("pnpm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (result.status !== 0) {
    process.stderr.write(result.stdout ?? "");
    console.error(`pack-packages: pnpm ${args.join(" ")} failed in ${cwd} (exit ${result.status})`);
    process.exit(1);
  }
  return result.stdout;
}

/** The publishable packages (not private), in a stable order. */
function publishablePackages() {
  const dir = join(root, "packages");
  return readdirSync(dir)
    .sort()
    .map((name) => ({ dir: join(dir, name), manifest: join(dir, name, "package.json") }))
    .filter(({ manifest }) => existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).private !== true);
}

console.error(`pack-packages: building (pnpm build)`);
pnpm(["build"], root);
mkdirSync(destination, { recursive: true });
let problems = 0;
for (const { dir } of publishablePackages()) {
  const packed = JSON.parse(pnpm(["pack", "--json", "--pack-destination", destination], dir));
  const listed = new Set(packed.files.map((file) => file.path));
  const tar = spawnSync("tar", ["-xzOf", packed.filename, "package/package.json"], { encoding: "utf8" });
  const manifest = JSON.parse(tar.stdout);
  for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
    for (const [name, spec] of Object.entries(manifest[field] ?? {})) {
      if (String(spec).startsWith("workspace:")) {
        problems++;
        console.error(`pack-packages: ${manifest.name}: ${field}.${name} is still "${spec}" in the tarball`);
      }
    }
  }
  const bins = typeof manifest.bin === "string" ? [manifest.bin] : Object.values(manifest.bin ?? {});
  for (const bin of bins) {
    const path = String(bin).replace(/^\.\//, "");
    if (!listed.has(path)) {
      problems++;
      console.error(`pack-packages: ${manifest.name}: bin ${bin} is not in the tarball (files: ${JSON.stringify(manifest.files)})`);
    }
  }
  console.error(`pack-packages: ${manifest.name}@${manifest.version} (${listed.size} files)`);
  console.log(packed.filename);
}
process.exit(problems > 0 ? 1 : 0);
