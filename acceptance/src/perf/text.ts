// Seeded prose for generated workflows and their documents: varied enough that token counts and
// lexical relevance behave as they would on real design notes, not on one repeated line.

export const COMPONENTS = [
  "payment gateway",
  "checkout service",
  "session store",
  "audit log",
  "search indexer",
  "notification fan-out",
  "billing ledger",
  "identity broker",
  "rate limiter",
  "report exporter",
  "feature flag client",
  "inventory cache",
  "webhook relay",
  "schema registry",
  "job scheduler",
  "access proxy",
] as const;

export const PARAMETERS = [
  "retry budget",
  "connection pool size",
  "timeout in seconds",
  "queue depth limit",
  "cache lifetime in minutes",
  "batch size",
  "replica count",
  "error budget percentage",
  "maximum payload in kilobytes",
  "key rotation period in days",
] as const;

const VERBS = ["Design", "Implement", "Harden", "Document", "Review", "Migrate", "Instrument", "Load-test", "Refactor", "Validate"];
const ASPECTS = [
  "failure modes and their recovery",
  "public interface and its versioning",
  "observability: metrics, traces and alerts",
  "configuration defaults and their limits",
  "data retention and deletion paths",
  "backpressure under peak load",
  "authentication and authorization checks",
  "rollout plan behind a feature flag",
];
const CLAUSES = [
  "which keeps the on-call load predictable",
  "so that a partial outage degrades instead of failing",
  "because the previous release regressed under retries",
  "as agreed in the last architecture review",
  "without changing the wire format for existing clients",
  "while the old path stays available for one release",
  "and every decision is recorded for the next agents",
  "so that the audit trail stays complete",
];
const OBJECTS = [
  "the staging environment",
  "the canary cohort",
  "the integration suite",
  "the incident timeline",
  "the capacity model",
  "the threat model",
  "the migration script",
  "the dashboard",
];

/** A sentence of design prose about `component`. */
export function sentence(random: () => number, component: string): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const forms = [
    () => `The ${component} ${pick(["must", "should", "will"])} handle ${pick(ASPECTS)} ${pick(CLAUSES)}.`,
    () => `We measured ${pick(PARAMETERS)} on ${pick(OBJECTS)} for the ${component}, ${pick(CLAUSES)}.`,
    () => `${pick(VERBS)} the ${component} against ${pick(OBJECTS)} ${pick(CLAUSES)}; ${pick(ASPECTS)} come next.`,
    () => `Open question: does the ${component} need its own ${pick(PARAMETERS)}, ${pick(CLAUSES)}?`,
  ];
  return pick(forms)();
}

/** A paragraph of `n` sentences. */
export const paragraph = (random: () => number, component: string, n: number): string =>
  Array.from({ length: n }, () => sentence(random, component)).join(" ");

/** A node's scope: a verb, a component and an aspect. */
export function scopeOf(random: () => number, component: string): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  return `${pick(VERBS)} the ${component}: ${pick(ASPECTS)}, ${pick(CLAUSES)}.`;
}

/** An acceptance criterion for a node on `component`. */
export function criterionOf(random: () => number, component: string): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const forms = [
    () => `The ${component} ${pick(ASPECTS)} are covered by tests on ${pick(OBJECTS)}`,
    () => `The ${pick(PARAMETERS)} of the ${component} is stated with its measured value`,
    () => `Reviewed against ${pick(OBJECTS)} with no open blocker`,
    () => `Every change to the ${component} is listed with its rollback step`,
  ];
  return pick(forms)();
}

/** A fact id: `FACT-` and six hex digits. */
export const factId = (random: () => number): string =>
  `FACT-${Math.floor(random() * 0xffffff)
    .toString(16)
    .padStart(6, "0")}`;

/** A planted fact: a unique id and a statement an agent could only know from its source. */
export function factText(random: () => number, id: string): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  return `${id}: the ${pick(PARAMETERS)} of the ${pick(COMPONENTS)} is ${2 + Math.floor(random() * 97)}`;
}
