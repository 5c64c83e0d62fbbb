import { z } from "zod";
import { ContextOptionsError } from "./errors.js";
import { checkedRedactor, redactOption, type RedactFn } from "./option-redactor.js";
import { redactSecrets, type RedactionFinding, type RedactionResult } from "./redact.js";
import { renderBlock, type PreparedSegment } from "./render.js";
import { ContextSegmentSchema, parseOptions, type ContextSegment } from "./segment.js";
import type { TokenEstimator } from "./token-estimator.js";

/** `true` (this package's redaction), `false` (none) or a `(text) => string` redactor. */
export const redactionPolicy = z.union([z.boolean(), redactOption]);
export type RedactionPolicy = z.output<typeof redactionPolicy>;

type Scan = (text: string) => RedactionResult;

/**
 * The scanner a policy stands for. A redactor made by `createRedactor` carries its own
 * `redactSecrets`, so its findings are reported; any other function reports none.
 */
export function scannerOf(policy: RedactionPolicy, option: string): Scan {
  if (policy === true) return redactSecrets;
  if (policy === false) return (text) => ({ text, findings: [] });
  const own = (policy as RedactFn & { redactSecrets?: unknown }).redactSecrets;
  if (typeof own === "function") return own as Scan;
  const redact = checkedRedactor(policy, option);
  return (text) => ({ text: redact(text), findings: [] });
}

// An id or source is one line of the provenance block and of a heading: line breaks would forge lines.
const oneLine = (text: string) => text.replace(/[\r\n]+/g, " ");

/** A redaction finding located in a segment's text, id or source (offsets into that field). */
export interface SegmentFinding extends RedactionFinding {
  /** The segment's (redacted) id. */
  segmentId: string;
  field: "text" | "id" | "source";
}

/**
 * Validates segments (ids unique), redacts their text, id and source, and counts text and block.
 * Duplicates are checked on the ids as given, so two ids that redact alike are still two segments.
 */
export function prepareSegments(
  segments: readonly ContextSegment[],
  policy: RedactionPolicy,
  estimator: TokenEstimator,
): { prepared: PreparedSegment[]; findings: SegmentFinding[] } {
  const parsed = parseOptions("segments", z.array(ContextSegmentSchema), segments) as ContextSegment[];
  const scan = scannerOf(policy, "policy.redact");
  const seen = new Set<string>();
  const problems = parsed.flatMap((segment, i) => {
    if (seen.has(segment.id)) return [{ path: `[${i}].id`, message: `duplicate segment id "${scan(segment.id).text}"` }];
    seen.add(segment.id);
    return [];
  });
  if (problems.length > 0) throw new ContextOptionsError("segments", problems);
  const findings: SegmentFinding[] = [];
  const prepared = parsed.map((segment): PreparedSegment => {
    const id = scan(segment.id);
    const source = scan(segment.source);
    const text = scan(segment.text);
    const segmentId = oneLine(id.text);
    for (const [field, result] of [["text", text], ["id", id], ["source", source]] as const) {
      for (const f of result.findings) findings.push({ kind: f.kind, start: f.start, end: f.end, segmentId, field });
    }
    const clean: ContextSegment = { ...segment, id: segmentId, source: oneLine(source.text) };
    return {
      segment: clean,
      rawId: segment.id,
      text: text.text,
      tokens: estimator.count(text.text),
      blockTokens: estimator.count(renderBlock(clean, text.text)),
    };
  });
  return { prepared, findings };
}
