// Reading `hybrid.config.yaml` (YAML or JSON) into plain data plus a way back from a key path to a
// line and column, so every problem can point into the file.
import { open } from "node:fs/promises";
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from "yaml";
import type { ConfigProblem } from "./config-errors.js";

/** A config file is a page of settings; anything this large is a mistake, refused before parsing. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
// The `yaml` library's guard against alias bombs ("billion laughs").
const MAX_ALIAS_COUNT = 100;

/** 1-based position in the file. */
export interface Position {
  line: number;
  column: number;
}

/** A parsed config file: its data, and where each key path sits in its text. */
export interface ConfigFile {
  file: string;
  data: unknown;
  /** The position of the value at `keys` (or of the key itself when `key` is true), else of its nearest ancestor. */
  locate(keys: readonly PropertyKey[], key?: boolean): Position | undefined;
}

/** The node for `keys` below `node`, matching map keys by their string form (`25:` is key "25"). */
function step(doc: Document, node: unknown, key: PropertyKey): { pair?: { key: unknown }; node: unknown } | undefined {
  const target = isAlias(node) ? node.resolve(doc) : node;
  if (isMap(target)) {
    const pair = target.items.find((item) => isScalar(item.key) && String(item.key.value) === String(key));
    return pair ? { pair, node: pair.value } : undefined;
  }
  if (isSeq(target) && typeof key === "number") return key < target.items.length ? { node: target.items[key] } : undefined;
  return undefined;
}

function locator(doc: Document, lines: LineCounter): ConfigFile["locate"] {
  const at = (node: unknown): Position | undefined => {
    const range = (node as Node | null | undefined)?.range;
    if (!range) return undefined;
    const { line, col } = lines.linePos(range[0]);
    return { line, column: col };
  };
  return (keys, key = false) => {
    let node: unknown = doc.contents;
    let found = at(node);
    for (const [index, k] of keys.entries()) {
      const next = step(doc, node, k);
      if (!next) return found;
      node = next.node;
      const last = index === keys.length - 1;
      found = (last && key ? at(next.pair?.key) : at(node)) ?? found;
    }
    return found;
  };
}

/** Problems of reading or parsing, or the parsed file. Never throws for a bad document. */
export function parseConfigText(text: string, file: string): { ok: true; config: ConfigFile } | { ok: false; problems: ConfigProblem[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((error): ConfigProblem => {
      const { line, col } = lines.linePos(error.pos[0]);
      return { path: "", message: error.message.split("\n")[0]!, file, line, column: col };
    });
    return { ok: false, problems };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // An alias without an anchor, or an alias bomb: either way the document cannot be read.
    return { ok: false, problems: [{ path: "", message: `cannot read the document: ${(error as Error).message}`, file, line: 1, column: 1 }] };
  }
  // An empty file (or one holding only comments) is an empty configuration: every default.
  if (data === null || data === undefined) data = {};
  if (typeof data !== "object" || Array.isArray(data)) {
    return { ok: false, problems: [{ path: "", message: "the configuration must be a mapping of sections (flags, rollout, …)", file, line: 1, column: 1 }] };
  }
  return { ok: true, config: { file, data, locate: locator(doc, lines) } };
}

/** Reads and parses a config file; a missing file is reported as `not-found`. */
export async function readConfigFile(
  file: string,
): Promise<{ ok: true; config: ConfigFile } | { ok: false; problems: ConfigProblem[]; notFound?: boolean }> {
  let text: string;
  try {
    const handle = await open(file, "r");
    try {
      const { size } = await handle.stat();
      if (size > MAX_CONFIG_BYTES) {
        return { ok: false, problems: [{ path: "", message: `the file is ${size} bytes, more than the ${MAX_CONFIG_BYTES} a config file may have`, file }] };
      }
      text = await handle.readFile("utf8");
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { ok: false, notFound: true, problems: [{ path: "", message: "no such file", file }] };
    return { ok: false, problems: [{ path: "", message: `cannot be read (${(error as Error).message})`, file }] };
  }
  return parseConfigText(text, file);
}
