// The release path works end to end, without publishing: in a scratch copy of the committed tree,
// `changeset version` consumes the pending changesets, bumps versions and writes each publishable
// package's CHANGELOG.md (the file every package.json lists in `files`).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), "hybrid-release-"));
let failures = 0;
try {
  // The committed tree only: what a release from a clean checkout would see.
  execFileSync("sh", ["-c", `git -C "${root}" archive HEAD | tar -x -C "${scratch}"`]);
  symlinkSync(join(root, "node_modules"), join(scratch, "node_modules"));
  const pending = readdirSync(join(scratch, ".changeset")).filter((name) => name.endsWith(".md") && name !== "README.md");
  execFileSync(join(root, "node_modules", ".bin", "changeset"), ["version"], { cwd: scratch, stdio: "pipe" });
  for (const name of readdirSync(join(scratch, "packages"))) {
    const manifestPath = join(scratch, "packages", name, "package.json");
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
    if (manifest.private) continue;
    const before = JSON.parse(readFileSync(join(root, "packages", name, "package.json"), "utf8")).version;
    const changelog = join(scratch, "packages", name, "CHANGELOG.md");
    const problems = [];
    if (!manifest.files?.includes("CHANGELOG.md")) problems.push("package.json `files` does not list CHANGELOG.md");
    if (pending.length > 0 && !existsSync(changelog)) problems.push("changeset version wrote no CHANGELOG.md");
    if (existsSync(changelog) && !readFileSync(changelog, "utf8").includes(`## ${manifest.version}`)) problems.push(`CHANGELOG.md has no "## ${manifest.version}" section`);
    if (problems.length > 0) {
      failures++;
      console.error(`release check: ${manifest.name}: ${problems.join("; ")}`);
    } else {
      console.log(`release check: ${manifest.name} ${before} → ${manifest.version}, CHANGELOG.md written`);
    }
  }
  console.log(`release check: ${pending.length} pending changeset(s) consumed in a scratch copy; nothing here was changed`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(failures === 0 ? 0 : 1);
