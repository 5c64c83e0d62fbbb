import { readFile, realpath, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { z } from "zod";
import { createMemoryContextCache, type ContextCache } from "./cache.js";
import { createEmitter, systemClock, type Clock, type ContextEventListener } from "./events.js";
import { checkedRedactor, redactOption } from "./option-redactor.js";
import { redact as defaultRedact } from "./redact.js";
import { checkRepoPath, expandGlob, isGlob, resolveInRepo } from "./safe-path.js";
import { selectSections, termsOf } from "./sections.js";
import { checkRequest, parseOptions, type ContextProvider, type ContextRequest, type ContextSegment } from "./segment.js";
import { estimatorOption, getDefaultEstimator } from "./token-estimator.js";

const fn = <T>() => z.custom<T>((value) => typeof value === "function");

export const DocsProviderOptionsSchema = z.object({
  /** Repository root; every path is confined to it. */
  root: z.string().min(1),
  /** Keeps file contents by path + mtime + size. @default createMemoryContextCache() */
  cache: z.custom<ContextCache>((v) => typeof v === "object" && v !== null).optional(),
  /** A file above this many tokens is cut to its best-matching Markdown sections. @default 4000 */
  maxTokensPerFile: z.number().int().min(16).default(4000),
  /** At most this many files per glob. @default 50 */
  maxFilesPerGlob: z.number().int().min(1).default(50),
  /** Always-read state file, when present. @default ".system-state" */
  systemState: z.string().default(".system-state"),
  /** ADR index candidates; the first that exists is read. @default ["docs/adr/README.md", "docs/adr/index.md", "docs/adr/INDEX.md", "adr/README.md"] */
  adrIndex: z.array(z.string()).default(["docs/adr/README.md", "docs/adr/index.md", "docs/adr/INDEX.md", "adr/README.md"]),
  /** Priority of the first file; each later one gets one less. @default 1000 */
  basePriority: z.number().default(1000),
  /** Token counter used to size files. @default the shared cl100k_base estimator */
  estimator: estimatorOption.optional(),
  /** Receives `context.cache` and `context.fallback` events, each naming the request's run and node. */
  onEvent: fn<ContextEventListener>().optional(),
  /**
   * Applied to file contents as they are read (before sectioning and caching, so a hit and a miss
   * give the same text) and to event fields. @default redact (this package's)
   */
  redact: redactOption.optional(),
  /** @default () => new Date() */
  clock: fn<Clock>().optional(),
});
export type DocsProviderOptions = z.input<typeof DocsProviderOptionsSchema>;

// `redacted` marks entries written since contents are redacted before caching; older ones are misses.
const EntrySchema = z.object({ mtimeMs: z.number(), size: z.number(), text: z.string(), redacted: z.literal(true) });
type Entry = z.infer<typeof EntrySchema>;

interface Wanted {
  rel: string;
  requested: string;
  /** Named explicitly by the node: its absence is a fallback, not a silent skip. */
  required: boolean;
}

/**
 * L3 (cold) provider: targeted retrieval of the paths and globs in the node's `docs`, plus
 * `.system-state` and an ADR index when present. Never scans the repository; globs are expanded
 * inside their literal directory prefix. Paths that leave the root (`..`, absolute, symlinks) throw
 * `PathOutsideRepoError`. Contents are redacted, then cached by path + mtime + size; a file that
 * vanished is served from a stale cached copy if there is one, else skipped, and both are reported.
 */
export function createDocsProvider(options: DocsProviderOptions): ContextProvider {
  const opts = parseOptions("docs provider options", DocsProviderOptionsSchema, options);
  const root = resolve(opts.root);
  const cache = opts.cache ?? createMemoryContextCache();
  const clock = opts.clock ?? systemClock;
  const redact = checkedRedactor(opts.redact ?? defaultRedact, "redact");
  const emit = createEmitter(opts.onEvent, redact, clock);
  type Scope = { runId: string; nodeId: string };
  const looked = (scope: Scope, source: string, hit: boolean) =>
    emit(scope, { type: "context.cache", provider: "docs", tier: "L3", hit, source });

  async function read(scope: Scope, realRoot: string, wanted: Wanted): Promise<string | undefined> {
    const key = `l3:${root}:${wanted.rel}`;
    const real = await resolveInRepo(realRoot, root, wanted.rel, wanted.requested);
    const parsed = EntrySchema.safeParse(await cache.get(key));
    const cached = parsed.success ? parsed.data : undefined;
    const missing = (reason: string) => {
      looked(scope, wanted.rel, false);
      emit(scope, { type: "context.fallback", provider: "docs", tier: "L3", source: wanted.rel, reason, stale: cached !== undefined });
      return cached?.text;
    };
    if (real === undefined) return wanted.required || cached ? missing("file not found") : undefined;
    try {
      const info = await stat(real);
      if (!info.isFile()) return missing("not a regular file");
      if (cached && cached.mtimeMs === info.mtimeMs && cached.size === info.size) {
        looked(scope, wanted.rel, true);
        return cached.text;
      }
      const text = redact(await readFile(real, "utf8"));
      looked(scope, wanted.rel, false);
      const entry: Entry = { mtimeMs: info.mtimeMs, size: info.size, text, redacted: true };
      await cache.set(key, entry);
      return text;
    } catch (error) {
      return missing((error as Error).message);
    }
  }

  return {
    tier: "L3",
    name: "docs",
    async collect(request: ContextRequest): Promise<ContextSegment[]> {
      const { node, runId } = checkRequest(request);
      const scope = { runId, nodeId: node.id };
      // Check every requested path before touching the disk, so a bad one fails the whole request.
      const requested = (node.docs ?? []).map((path) => ({ path, rel: checkRepoPath(root, path) }));
      const realRoot = await realpath(root);
      const wanted: Wanted[] = [];
      for (const { path, rel } of requested) {
        if (isGlob(rel)) {
          for (const match of await expandGlob(realRoot, rel, opts.maxFilesPerGlob)) {
            wanted.push({ rel: match, requested: path, required: false });
          }
        } else wanted.push({ rel, requested: path, required: true });
      }
      wanted.push({ rel: checkRepoPath(root, opts.systemState), requested: opts.systemState, required: false });
      for (const candidate of opts.adrIndex) {
        const rel = checkRepoPath(root, candidate);
        if ((await resolveInRepo(realRoot, root, rel, candidate)) !== undefined) {
          wanted.push({ rel, requested: candidate, required: false });
          break;
        }
      }
      const seen = new Set<string>();
      const unique = wanted.filter((w) => !seen.has(w.rel) && seen.add(w.rel));
      const estimator = opts.estimator ?? getDefaultEstimator();
      const terms = termsOf([node.scope, ...node.acceptance].join("\n"));
      const segments: ContextSegment[] = [];
      for (const [index, w] of unique.entries()) {
        const text = await read(scope, realRoot, w);
        if (text === undefined) continue;
        segments.push({
          id: `doc:${w.rel}`,
          tier: "L3",
          source: w.rel,
          text: selectSections(text, terms, opts.maxTokensPerFile, estimator),
          priority: opts.basePriority - index,
          pinned: false,
        });
      }
      return segments;
    },
  };
}
