/**
 * The shape every redaction rule takes. A detector names the keywords it needs (it runs only when
 * one occurs) and pushes candidate spans; the engine resolves overlaps and writes the markers.
 *
 * Linear time is each detector's contract: every regex here either starts with a literal or a
 * narrow class, uses bounded quantifiers where a match could fail late, and never nests an
 * unbounded quantifier inside another; procedural scanners never look at a character twice for the
 * same start.
 */

/** A span that a detector believes is a secret or PII. */
export interface Candidate {
  kind: string;
  start: number;
  end: number;
}

export interface Detector {
  /** Every kind this detector may report. */
  readonly kinds: readonly string[];
  /**
   * The detector runs only when one of these occurs in the text (lower case: any case; with an
   * upper-case letter: exactly). Empty: always runs.
   */
  readonly keywords: readonly string[];
  /** Pushes the candidates found in `text`. */
  find(text: string, out: Candidate[]): void;
}

export interface RegexRule {
  kind: string;
  keywords: readonly string[];
  /** A global regex; flags `g` and (when `group` is set) `d` are added if missing. */
  pattern: RegExp;
  /** Capture group holding the secret; the whole match when absent. */
  group?: number;
  /** Extra check on the secret text (entropy, checksum, placeholders). */
  accept?: (secret: string, text: string, start: number) => boolean;
  /**
   * Characters before the match that belong to the secret: the pattern starts at a literal in the
   * middle of the token (`-us12` of a Mailchimp key) and checks the lead with a lookbehind, because
   * V8 finds a leading literal quickly and tries a leading class or lookbehind at every position.
   */
  lead?: number;
}

function withFlags(pattern: RegExp, extra: string): RegExp {
  const missing = [...extra].filter((flag) => !pattern.flags.includes(flag)).join("");
  return missing === "" ? pattern : new RegExp(pattern.source, pattern.flags + missing);
}

/** A detector from one regex. */
export function regexDetector(rule: RegexRule): Detector {
  const group = rule.group ?? 0;
  const lead = rule.lead ?? 0;
  const pattern = withFlags(rule.pattern, group === 0 ? "g" : "gd");
  return {
    kinds: [rule.kind],
    keywords: rule.keywords,
    find(text, out) {
      pattern.lastIndex = 0;
      for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
        // No rule pattern matches the empty string, so `exec` always advances.
        const secret = match[group];
        if (secret === undefined || secret === "") continue;
        const start = (group === 0 ? match.index : match.indices![group]![0]) - lead;
        const whole = lead === 0 ? secret : text.slice(start, start + lead + secret.length);
        if (rule.accept && !rule.accept(whole, text, start)) continue;
        out.push({ kind: rule.kind, start, end: start + whole.length });
      }
    },
  };
}

/** Shorthand for a list of regex rules. */
export function regexDetectors(rules: readonly RegexRule[]): Detector[] {
  return rules.map(regexDetector);
}

/** `(?<![A-Za-z0-9_])`: a start boundary that, unlike `\b`, also holds before `-` and `_`. */
export const B = String.raw`(?<![A-Za-z0-9_])`;

/**
 * `${B}ghp_rest` as `ghp_(?<=${B}ghp_)rest`: the same language, but the pattern starts with its
 * literal, which V8 finds with a fast search instead of trying the lookbehind at every position.
 */
export function literalFirst(source: string): string {
  if (!source.startsWith(B)) return source;
  const body = source.slice(B.length);
  const literal = /^(?:[A-Za-z0-9_~-]|\\[.])+/.exec(body)?.[0] ?? "";
  if (literal.replace(/\\/g, "").length < 2) return source;
  return `${literal}(?<=${B}${literal})${body.slice(literal.length)}`;
}
/** `(?![A-Za-z0-9_])`. */
export const E = String.raw`(?![A-Za-z0-9_])`;
/** `(?![A-Za-z0-9_-])`: the end of a token whose alphabet includes `-`. */
export const E_DASH = String.raw`(?![A-Za-z0-9_-])`;
