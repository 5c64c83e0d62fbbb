import { LineCounter, isAlias, isCollection, isNode, isPair, parseDocument, visit, type Alias, type Document, type Node } from "yaml";
import type { GraphProblem } from "./errors.js";

/**
 * Workflow text longer than this is refused before parsing: the YAML parser holds about 100 bytes
 * of heap per byte of text (a 14 MB file of 100,000 nodes peaks at 1.4 GB), so a file several
 * times larger would exhaust the heap and kill the process instead of failing with a message.
 */
export const MAX_WORKFLOW_TEXT = 16 * 1024 * 1024;

/**
 * How often one anchor may be expanded (the `yaml` library's guard against "billion laughs": an
 * alias bomb expands a few lines into billions of nodes).
 */
const MAX_ALIAS_COUNT = 1000;

/** A parsed YAML (or JSON) document: its data, or the problems that kept it from being read. */
export type ParsedText =
  | { ok: true; data: unknown; doc: Document; lines: LineCounter }
  | { ok: false; problems: GraphProblem[] };

const mib = (size: number) => `${(size / (1024 * 1024)).toFixed(1)} MiB`;

/** The problem of a workflow file (bytes) or text (characters) over `MAX_WORKFLOW_TEXT`. */
export function tooLarge(what: "file" | "text", size: number): GraphProblem {
  const message = `the workflow ${what} is ${mib(size)}, more than the ${mib(MAX_WORKFLOW_TEXT)} a workflow may have; split it, or build the workflow as an object and pass that`;
  return { code: "too-large", path: "", message, line: 1, column: 1 };
}

/** Parses YAML or JSON text to plain data; every failure is a located problem, never an exception. */
export function parseText(text: string): ParsedText {
  if (text.length > MAX_WORKFLOW_TEXT) return { ok: false, problems: [tooLarge("text", text.length)] };
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((error): GraphProblem => {
      // Offsets, not error.linePos: that is only filled in by prettyErrors, which is off.
      const { line, col } = lines.linePos(error.pos[0]);
      // The parser turns its own stack overflow into this code.
      return error.code === "RESOURCE_EXHAUSTION"
        ? { code: "too-deep", path: "", message: "the document is nested too deeply to parse", line, column: col }
        : { code: "yaml-syntax", path: "", message: error.message.split("\n")[0]!, line, column: col };
    });
    return { ok: false, problems };
  }
  try {
    return { ok: true, data: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), doc, lines };
  } catch (error) {
    return { ok: false, problems: [aliasProblem(doc, lines, error)] };
  }
}

/** `toJS` throws at an alias without an anchor before it and at an alias bomb: say which, and where. */
function aliasProblem(doc: Document, lines: LineCounter, error: unknown): GraphProblem {
  const failed = failingAlias(doc);
  const { line, col } = lines.linePos(failed?.alias.range?.[0] ?? 0);
  const at = { path: "", line, column: col };
  if (failed?.reason === "unresolved") {
    const name = failed.alias.source;
    return { code: "yaml-syntax", message: `alias *${name} has no anchor &${name} before it`, ...at };
  }
  if (failed?.reason === "excessive") {
    const message = `YAML aliases expand too far (an alias bomb?): anchor &${failed.alias.source} would be expanded beyond the limit of ${MAX_ALIAS_COUNT}; write the values out`;
    return { code: "too-large", message, ...at };
  }
  /* c8 ignore next 3 -- nothing else is known to escape toJS; a stack overflow is the likely one */
  return error instanceof RangeError
    ? { code: "too-deep", message: "the document is nested too deeply to read", ...at }
    : { code: "yaml-syntax", message: error instanceof Error ? error.message : String(error), ...at };
}

/**
 * The alias at which `toJS` gave up, found by replaying, in document order, the `yaml` library's
 * own rule: an alias refers to the last node anchored with its name before it; an anchor starts at
 * count 1, each alias adds 1, and it fails once count × (the most aliases below the anchor, 1 for
 * a scalar) exceeds `MAX_ALIAS_COUNT`.
 */
function failingAlias(doc: Document): { alias: Alias; reason: "unresolved" | "excessive" } | undefined {
  const anchored = new Map<string, Node>();
  const targetOf = new Map<Alias, Node>();
  const counts = new Map<Node, { count: number; aliasCount: number }>();
  const aliasCount = (node: unknown): number => {
    if (isAlias(node)) {
      const counted = counts.get(targetOf.get(node)!);
      return counted ? counted.count * counted.aliasCount : 0;
    }
    if (isPair(node)) return Math.max(aliasCount(node.key), aliasCount(node.value));
    if (!isCollection(node)) return 1;
    let most = 0;
    for (const item of node.items) most = Math.max(most, aliasCount(item));
    return most;
  };
  let failed: { alias: Alias; reason: "unresolved" | "excessive" } | undefined;
  visit(doc, {
    Node(_key, node) {
      if (!isAlias(node)) {
        if (node.anchor) {
          anchored.set(node.anchor, node);
          counts.set(node, { count: 1, aliasCount: 0 });
        }
        return undefined;
      }
      const target = anchored.get(node.source);
      if (target === undefined) {
        failed = { alias: node, reason: "unresolved" };
        return visit.BREAK;
      }
      targetOf.set(node, target);
      const counted = counts.get(target)!;
      counted.count += 1;
      if (counted.aliasCount === 0) counted.aliasCount = aliasCount(target);
      if (counted.count * counted.aliasCount <= MAX_ALIAS_COUNT) return undefined;
      failed = { alias: node, reason: "excessive" };
      return visit.BREAK;
    },
  });
  return failed;
}

/** `nodes[3].dependsOn[0]` or `nodes[0]["my-field"]` (zod's `toDotPath` form) → its keys. */
export function pathKeys(path: string): (string | number)[] {
  const keys: (string | number)[] = [];
  // Linear: each alternative starts with a distinct character and the quoted form is JSON's.
  for (const match of path.matchAll(/\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([^.[\]]+)/g)) {
    if (match[1] !== undefined) keys.push(Number(match[1]));
    else if (match[2] !== undefined) keys.push(JSON.parse(match[2]) as string);
    else keys.push(match[3]!);
  }
  return keys;
}

/** Adds the 1-based line and column of the nearest node of the document on each problem's path. */
export function locate(problems: GraphProblem[], doc: Document, lines: LineCounter): GraphProblem[] {
  return problems.map((problem) => {
    const keys = pathKeys(problem.path);
    for (let depth = keys.length; depth >= 0; depth--) {
      const node = depth === 0 ? doc.contents : doc.getIn(keys.slice(0, depth), true);
      if (isNode(node) && node.range) {
        const { line, col } = lines.linePos(node.range[0]);
        return { ...problem, line, column: col };
      }
    }
    /* c8 ignore next -- the document root always has a range */
    return problem;
  });
}
