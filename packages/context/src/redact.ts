import { isSupportedCountry, type CountryCode } from "libphonenumber-js";
import { z } from "zod";
import { regexDetector, type Detector } from "./redact/detector.js";
import { createEngine, type Engine, type RedactionFinding, type RedactionResult } from "./redact/engine.js";
import { genericAssignments } from "./redact/rules-generic.js";
import { keyedDetector } from "./redact/rules-keyed.js";
import { piiDetectors } from "./redact/rules-pii.js";
import { prefixedDetectors } from "./redact/rules-prefixed.js";
import { structuralDetectors } from "./redact/rules-structural.js";
import { parseOptions } from "./segment.js";

export type { RedactionFinding, RedactionResult } from "./redact/engine.js";

// Most specific first: when two detectors claim the same span, the earlier one names it.
function builtInDetectors(phoneCountry: CountryCode): Detector[] {
  return [...prefixedDetectors(), keyedDetector(), ...structuralDetectors(), genericAssignments, ...piiDetectors(phoneCountry)];
}

const KNOWN_SECRET = "known-secret";

/** Every kind `redactSecrets` reports, sorted: for docs, dashboards and gates. */
export const REDACTION_KINDS: readonly string[] = Object.freeze(
  [...new Set([...builtInDetectors("US").flatMap((d) => d.kinds), KNOWN_SECRET])].sort(),
);

const KIND = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export const RedactorOptionsSchema = z.object({
  /**
   * Literal strings never redacted, even when a rule matches exactly them: a project's documented
   * example keys, say. Compared with the exact text a finding would replace.
   * @default []
   */
  allow: z.array(z.string().min(1)).default([]),
  /**
   * Literal strings always redacted (as `known-secret`), wherever they occur: the values of the
   * credentials your own process holds. Shorter than 8 characters is refused (it would redact words).
   * @default []
   */
  secrets: z.array(z.string().min(8)).default([]),
  /** Kinds not to redact (each one of `REDACTION_KINDS`), e.g. `["phone"]` for a telephony app. @default [] */
  disable: z.array(z.string().refine((kind) => REDACTION_KINDS.includes(kind), "not a redaction kind")).default([]),
  /**
   * Region (ISO 3166 alpha-2) for phone numbers written without a country code; numbers with `+`
   * are recognised for every country.
   * @default "US"
   */
  phoneCountry: z
    .string()
    .refine((code) => isSupportedCountry(code), "not a region libphonenumber-js knows")
    .default("US"),
  /**
   * Extra rules for your own token formats. Each runs only when one of its `keywords` occurs
   * (checked case-insensitively unless the keyword has upper case), and must be linear-time: start
   * with the keyword, use bounded quantifiers, never nest unbounded ones. `group` selects the
   * capture that is the secret.
   * @default []
   */
  rules: z
    .array(
      z.object({
        kind: z.string().regex(KIND, "kebab-case"),
        keywords: z.array(z.string().min(2).regex(/^[\x20-\x7e]+$/, "printable ASCII")).min(1),
        pattern: z.instanceof(RegExp),
        group: z.number().int().min(0).optional(),
      }),
    )
    .default([]),
});
export type RedactorOptions = z.input<typeof RedactorOptionsSchema>;

/**
 * A `(text) => string` redactor, the shape every `redact?:` option in hybrid takes, with the
 * findings available through `redactSecrets`.
 */
export interface Redactor {
  (text: string): string;
  /** The redacted text and what was replaced. */
  redactSecrets(text: string): RedactionResult;
  /** Every kind this redactor reports. */
  readonly kinds: readonly string[];
}

// Brands other packages can check without importing this one: a `redact` option that received
// `redactSecrets` (which returns an object) can then fail loudly with a useful message.
const REDACTOR_BRAND = Symbol.for("hybrid.context.redactor");
const SCANNER_BRAND = Symbol.for("hybrid.context.redactSecrets");

function knownSecrets(secrets: readonly string[]): Detector {
  return {
    kinds: [KNOWN_SECRET],
    keywords: [],
    find(text, out) {
      for (const secret of secrets) {
        for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + secret.length)) {
          out.push({ kind: KNOWN_SECRET, start: at, end: at + secret.length });
        }
      }
    },
  };
}

function checkText(text: unknown, caller: string): asserts text is string {
  if (typeof text !== "string") throw new TypeError(`[context] ${caller}(text) expects a string, got ${text === null ? "null" : typeof text}`);
}

function toRedactor(engine: Engine): Redactor {
  const redactSecrets = (text: string): RedactionResult => {
    checkText(text, "redactSecrets");
    return engine.scan(text);
  };
  const redactor = ((text: string) => {
    checkText(text, "redact");
    return engine.scan(text).text;
  }) as Redactor;
  return Object.assign(redactor, { redactSecrets, kinds: engine.kinds, [REDACTOR_BRAND]: true });
}

/**
 * Builds a redactor with project options: literal allow-list, known secrets, disabled kinds, the
 * phone region and extra rules. Throws `ContextOptionsError` naming each invalid option.
 *
 * @example
 * const redact = createRedactor({ allow: [DOCUMENTED_EXAMPLE_KEY], secrets: [process.env.DEPLOY_TOKEN!] });
 * createDispatchController({ redact });
 */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  const opts = parseOptions("redactor options", RedactorOptionsSchema, options);
  const disabled = new Set(opts.disable);
  const detectors = [
    ...(opts.secrets.length > 0 ? [knownSecrets(opts.secrets)] : []),
    ...opts.rules.map((rule) => regexDetector({ ...rule, pattern: rule.pattern })),
    ...builtInDetectors(opts.phoneCountry as CountryCode),
  ].filter((detector) => detector.kinds.some((kind) => !disabled.has(kind)));
  return toRedactor(createEngine(detectors, { allow: new Set(opts.allow), disabled }));
}

let defaultRedactor: Redactor | undefined;
const getDefault = () => (defaultRedactor ??= toRedactor(createEngine(builtInDetectors("US"))));

/**
 * Replaces each secret and piece of PII with `[REDACTED:kind]` and says what it replaced (offsets
 * into the original text). Linear in the input; pure and deterministic; idempotent. Returns an
 * object: where a `(text) => string` is expected, pass `redact`.
 */
export function redactSecrets(text: string): RedactionResult {
  checkText(text, "redactSecrets");
  return getDefault().redactSecrets(text);
}
Object.defineProperty(redactSecrets, SCANNER_BRAND, { value: true });

/** `redactSecrets(text).text`: the `(text) => string` that other packages take as `redact`. */
export const redact: Redactor = Object.assign((text: string) => getDefault()(text), {
  redactSecrets,
  kinds: REDACTION_KINDS,
  [REDACTOR_BRAND]: true,
});

/** Counts findings by kind, sorted by kind for stable output. */
export function countFindings(findings: readonly RedactionFinding[]): Record<string, number> {
  const counts: Record<string, number> = Object.create(null);
  for (const kind of findings.map((f) => f.kind).sort()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}
