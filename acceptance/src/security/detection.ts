// Before "0 findings" means anything, both scanners must be shown to find the planted kinds on the
// raw input: each value's own line is scanned as it was planted. Ours detects a value when its
// redaction leaves none of the value's cores; secretlint when one of its messages covers a core.
import type { PlantedAt } from "./corpus.js";
import { oursScan, secretlintScan } from "./scan.js";
import { redactSecrets } from "@hybrid/context";

export interface KindDetection {
  kind: string;
  values: number;
  /** Values our redactor removed every core of. */
  ours: number;
  /** Values secretlint reported a message over. */
  secretlint: number;
  /** Values caught by at least one of them. */
  either: number;
  /** Our kinds and secretlint's rules that fired on this kind's values. */
  oursKinds: string[];
  secretlintRules: string[];
}

/** Offsets of the cores that occur in `text` as written. Pure. */
export function coreSpans(text: string, cores: readonly string[]): Array<[number, number]> {
  return cores.flatMap((core) => {
    const at = text.indexOf(core);
    return at === -1 ? [] : [[at, at + core.length] as [number, number]];
  });
}

const overlaps = (a: readonly [number, number], start: number, end: number) => start < a[1] && end > a[0];

/** Per kind: how many of its planted values each scanner detects on the raw line. */
export async function detectKinds(corpus: readonly PlantedAt[]): Promise<KindDetection[]> {
  const byKind = new Map<string, KindDetection>();
  for (const p of corpus) {
    const row = byKind.get(p.kind) ?? { kind: p.kind, values: 0, ours: 0, secretlint: 0, either: 0, oursKinds: [], secretlintRules: [] };
    byKind.set(p.kind, row);
    const spans = coreSpans(p.text, p.cores);
    const redacted = redactSecrets(p.text).text;
    const ours = spans.length > 0 && p.cores.every((core) => !redacted.includes(core));
    const messages = (await secretlintScan(p.text, `${p.tag}.txt`)).filter((m) => spans.some((s) => overlaps(s, m.start, m.end)));
    const lint = messages.length > 0;
    row.values += 1;
    row.ours += ours ? 1 : 0;
    row.secretlint += lint ? 1 : 0;
    row.either += ours || lint ? 1 : 0;
    for (const f of oursScan(p.text)) if (spans.some((s) => overlaps(s, f.start, f.end)) && !row.oursKinds.includes(f.kind)) row.oursKinds.push(f.kind);
    for (const m of messages) if (!row.secretlintRules.includes(m.ruleId)) row.secretlintRules.push(m.ruleId);
  }
  return [...byKind.values()];
}

/** "kind: ours (aws-access-key-id), secretlint (aws)" for the notes. Pure. */
export function describeDetection(d: KindDetection): string {
  const who = [
    d.ours > 0 ? `ours ${d.ours}/${d.values}${d.oursKinds.length ? ` (${d.oursKinds.join(", ")})` : ""}` : "",
    d.secretlint > 0 ? `secretlint ${d.secretlint}/${d.values} (${d.secretlintRules.map((r) => r.replace("@secretlint/secretlint-rule-", "")).join(", ")})` : "",
  ].filter(Boolean);
  return `${d.kind}: ${who.length ? who.join("; ") : "NOT DETECTED"}`;
}
