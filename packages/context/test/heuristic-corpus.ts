// Text of every kind the fallback estimator must overcount: real sources and READMEs, and seeded
// generated CJK, emoji, keys, whitespace runs, identifiers, numbers and random ASCII.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { seededRandom } from "@hybrid/test-utils";
import { expect, it } from "vitest";
import { createHeuristicEstimator } from "../src/index.js";
import { realTokens } from "./oracle.js";

const require = createRequire(import.meta.url);
const random = seededRandom(20_251);
const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const char = (from: number, to: number) => String.fromCodePoint(int(from, to));
const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(0, 255)));
const uuid = () => bytes(16).toString("hex").replace(/^(.{8})(.{4})(.{4})(.{4})/, "$1-$2-$3-$4-");

function filesUnder(dir: string, pattern: RegExp, limit: number): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      if (out.length >= limit) return;
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (pattern.test(name)) out.push(readFileSync(path, "utf8"));
    }
  };
  walk(dir);
  return out;
}
/** A dependency's folder (its exports may hide package.json and READMEs from require.resolve). */
function packageDir(name: string): string {
  let dir = dirname(require.resolve(name));
  while (!existsSync(join(dir, "package.json")) || JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).name !== name) dir = dirname(dir);
  return dir;
}
const window = (texts: readonly string[]) => {
  const text = pick(texts);
  const start = int(0, Math.max(0, text.length - 3000));
  return text.slice(start, start + int(200, 3000));
};

// Real text: the sources of zod and TypeScript, and READMEs; generated text for the rest.
const code = [
  ...filesUnder(join(packageDir("zod"), "src/v4/core"), /\.ts$/, 40),
  readFileSync(join(packageDir("typescript"), "lib/typescript.js"), "utf8").slice(0, 2_000_000),
];
const prose = ["typescript", "fast-check", "vitest", "zod"].map((name) => readFileSync(join(packageDir(name), "README.md"), "utf8"));
const syllables = ["ba", "co", "de", "fi", "gu", "str", "th", "ch", "ng", "tion", "ment", "er", "ing", "qu", "xe", "zo", "vy"];
const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const randomLetters = (n: number) => Array.from({ length: n }, () => pick([...letters])).join("");
export const identifier = () => {
  const parts = Array.from({ length: int(2, 10) }, () => (random() < 0.5 ? Array.from({ length: int(1, 4) }, () => pick(syllables)).join("") : randomLetters(int(1, 10)).toLowerCase()));
  const style = int(0, 3);
  if (style === 0) return parts.map((p, i) => (i ? p[0]!.toUpperCase() + p.slice(1) : p)).join("");
  if (style === 1) return parts.join("_");
  if (style === 2) return parts.join("_").toUpperCase();
  return parts.join("-");
};
const emoji = ["🙂", "🚀", "👍🏽", "👨‍👩‍👧‍👦", "🇫🇷", "❤️", "🏳️‍🌈", "🤖", "✅", "👩🏾‍💻"];

/** One generator per kind of text; each call returns a new sample (seeded: the same run every time). */
export const categories: Record<string, () => string> = {
  "source code": () => window(code),
  prose: () => window(prose),
  CJK: () => Array.from({ length: int(20, 1500) }, () => (random() < 0.6 ? char(0x4e00, 0x9fff) : random() < 0.5 ? char(0x3041, 0x30fa) : random() < 0.8 ? char(0xac00, 0xd7a3) : pick(["。", "、", " ", "\n"]))).join(""),
  emoji: () => Array.from({ length: int(5, 500) }, () => (random() < 0.7 ? pick(emoji) : random() < 0.5 ? char(0x1f300, 0x1faff) : pick([" ", "\n", "ok "]))).join(""),
  base64: () => bytes(int(16, 3000)).toString(random() < 0.5 ? "base64" : "base64url"),
  hex: () => Array.from({ length: int(1, 40) }, () => (random() < 0.5 ? bytes(int(4, 40)).toString("hex") : uuid())).join(pick([" ", "\n", ", "])),
  "whitespace runs": () => Array.from({ length: int(10, 500) }, () => pick([" ".repeat(int(1, 40)), "\t".repeat(int(1, 8)), "\n".repeat(int(1, 5)), "\r\n", " \t ", "\u00a0", "\u3000", "x", "if", "{", "1"])).join(""),
  "long identifiers": () => Array.from({ length: int(1, 150) }, identifier).join(pick([" ", "\n", ".", "(", ", "])),
  "random letters": () => Array.from({ length: int(1, 200) }, () => randomLetters(int(1, 30))).join(pick([" ", "", "\n", "_"])),
  numbers: () => Array.from({ length: int(1, 200) }, () => pick([String(int(0, 1e9)), (random() * 1e6).toFixed(int(0, 6)), "1,234,567", "-42", "3.14e-10"])).join(pick([" ", ",", "\n", "\t"])),
  "printable ASCII": () => Array.from({ length: int(1, 2000) }, () => String.fromCharCode(int(32, 126))).join(""),
};

/** Checks `samples` texts of every category (and a 1–30 character prefix of each) against both encoders. */
export function checkOvercounts(samples: number): void {
  const heuristic = createHeuristicEstimator();
  for (const [name, generate] of Object.entries(categories)) {
    it(`never counts fewer tokens than cl100k or o200k: ${name} (${samples} samples, and a prefix of each)`, () => {
      for (let i = 0; i < samples; i++) {
        const text = generate();
        for (const sample of [text, text.slice(0, 1 + (i % 30))]) {
          const real = Math.max(realTokens(sample, "cl100k_base"), realTokens(sample, "o200k_base"));
          expect(heuristic.count(sample), JSON.stringify(sample.slice(0, 80))).toBeGreaterThanOrEqual(real);
        }
      }
    });
  }
}
