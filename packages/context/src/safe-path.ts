import type { Dirent } from "node:fs";
import { readdir, realpath } from "node:fs/promises";
import { isAbsolute, join, relative, sep } from "node:path";
import { PathOutsideRepoError } from "./errors.js";

const GLOB_CHARS = /[*?[\]{}]/;

/**
 * Checks a requested repository path lexically and returns it in POSIX form. Absolute paths, drive
 * letters, `..` segments and NUL bytes are rejected with `PathOutsideRepoError`.
 */
export function checkRepoPath(root: string, requested: string): string {
  if (requested.includes("\0")) throw new PathOutsideRepoError(requested, root, "contains a NUL byte");
  if (isAbsolute(requested) || /^[\\/]|^[A-Za-z]:/.test(requested)) {
    throw new PathOutsideRepoError(requested, root, "absolute paths are not allowed");
  }
  const parts = requested.split(/[\\/]+/).filter((part) => part !== "" && part !== ".");
  if (parts.includes("..")) throw new PathOutsideRepoError(requested, root, '".." segments are not allowed');
  if (parts.length === 0) throw new PathOutsideRepoError(requested, root, "names the root itself, not a file");
  return parts.join("/");
}

/**
 * Resolves a checked relative path through symlinks and confirms it stays inside the (resolved)
 * root. Returns the real path, or undefined when the file does not exist.
 */
export async function resolveInRepo(realRoot: string, root: string, rel: string, requested = rel): Promise<string | undefined> {
  let real: string;
  try {
    real = await realpath(join(realRoot, rel));
  } catch {
    // Missing, a file used as a directory, a symlink loop: the provider reports it as not found.
    return undefined;
  }
  const inside = relative(realRoot, real);
  if (inside === "" || inside.startsWith(`..${sep}`) || inside === ".." || isAbsolute(inside)) {
    throw new PathOutsideRepoError(requested, root, `resolves through a symlink to ${real}`);
  }
  return real;
}

/** A glob as a RegExp over POSIX relative paths: `**`, `*`, `?`, `[...]`, `{a,b}`. */
export function globToRegExp(glob: string): RegExp {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      const slash = glob[i + 2] === "/";
      out += slash ? "(?:.*/)?" : ".*";
      i += slash ? 2 : 1;
    } else if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "{") out += "(?:";
    else if (c === "}") out += ")";
    else if (c === "," ) out += "|";
    else if (c === "[" || c === "]") out += c;
    else out += c.replace(/[.+^$()|\\]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}

/** Whether a requested path is a glob. */
export const isGlob = (path: string) => GLOB_CHARS.test(path);

/**
 * Expands a checked glob by walking only its literal directory prefix (never the whole repository),
 * without following directory symlinks or entering `.git` and `node_modules`. Sorted; at most `limit`.
 */
export async function expandGlob(realRoot: string, glob: string, limit: number): Promise<string[]> {
  const parts = glob.split("/");
  const firstGlob = parts.findIndex((part) => GLOB_CHARS.test(part));
  const prefix = parts.slice(0, firstGlob).join("/");
  const recursive = parts.slice(firstGlob).some((part) => part.includes("**"));
  const maxDepth = recursive ? Infinity : parts.length - firstGlob;
  const matcher = globToRegExp(glob);
  const found: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(join(realRoot, dir), { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (found.length >= limit) return;
      const rel = dir === "" ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (depth < maxDepth && entry.name !== ".git" && entry.name !== "node_modules") await walk(rel, depth + 1);
      } else if ((entry.isFile() || entry.isSymbolicLink()) && matcher.test(rel)) found.push(rel);
    }
  };
  await walk(prefix, 1);
  return found.sort();
}
