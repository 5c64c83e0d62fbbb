// A failed run's post-mortem goes once per run to the escalation target: a comment on the epic
// issue mentioning the escalation owner, through the handoff sink (the ledger offline).
import type { HandoffSink } from "@hybrid/dispatch";
import { checkedRedact, isValidRunId, renderPostMortemMarkdown } from "@hybrid/resilience";
import type { PostMortem } from "@hybrid/resilience";
import { z } from "zod";
import { IssueTargetSchema } from "./config-schema.js";
import { EscalationError, parseReportingOptions, ReportingOptionsError, RequiredRedactSchema } from "./progress-errors.js";

// A GitHub login (`chief-of-staff`) or a team (`acme/leads`), with or without the `@`.
const OWNER = /^@?([A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\/[A-Za-z0-9][A-Za-z0-9._-]{0,99})?)$/;

/** Options of `createEscalator`. */
export const EscalatorOptionsSchema = z.strictObject({
  /** Where the post-mortem is recorded: the GitHub sink online (its ledger fallback included), the ledger sink offline. */
  sink: z.custom<HandoffSink>((value) => typeof value === "object" && value !== null && typeof (value as HandoffSink).record === "function", {
    message: "required: a HandoffSink (dispatch's createGitHubSink or createLedgerSink)",
  }),
  /** The epic issue (`escalation.issue` of the config); null: the sink's ledger. */
  target: IssueTargetSchema.nullable(),
  /** Mentioned at the top of the comment: a login or a team (`escalation.owner` of the config). */
  owner: z.string().regex(OWNER, "a GitHub login or team (org/team), with or without @").transform((owner) => owner.replace(/^@/, "")),
  /** Applied to the post-mortem text before it goes to the sink (which redacts again). Required. */
  redact: RequiredRedactSchema,
  /** Time of the record, epoch ms. @default Date.now */
  clock: z.custom<() => number>((value) => typeof value === "function").optional(),
});
/** Options of `createEscalator` (see {@link EscalatorOptionsSchema}). */
export type EscalatorOptions = z.input<typeof EscalatorOptionsSchema>;

/** Why and what a run escalates. */
export const EscalationRequestSchema = z.strictObject({
  runId: z.string().refine(isValidRunId, "a run id: 1-128 characters from [A-Za-z0-9._-], starting with a letter or digit"),
  workflowId: z.string().min(1),
  /** `run-failed`: the run ended with failed nodes; `needs-escalation`: a node stopped for a person (a manual-escalation join). */
  reason: z.enum(["run-failed", "needs-escalation"]),
  /** The nodes that need the owner (default: the post-mortem's failed nodes). */
  nodes: z.array(z.string().min(1)).optional(),
});
/** Why and what a run escalates (see {@link EscalationRequestSchema}). */
export type EscalationRequest = z.input<typeof EscalationRequestSchema>;

/** Per-call options of `Escalator.escalate`. */
export interface EscalateOptions {
  /** Stop waiting for the sink; the call rejects and a later call tries again. */
  signal?: AbortSignal;
}

/** Sends a run's post-mortem to the escalation owner, once per run; made by {@link createEscalator}. */
export interface Escalator {
  /**
   * Records the post-mortem of `request.runId` under the key `<runId>:escalation`. A second call
   * for the run (a retry, a resume, another escalator or process) records nothing and returns the
   * first record's URL: the first call's text is the one people see.
   * @throws ReportingOptionsError for an invalid request; EscalationError when the sink failed.
   */
  escalate(postMortem: PostMortem, request: EscalationRequest, options?: EscalateOptions): Promise<{ url: string }>;
}

/** The idempotency key of a run's escalation: one record per run. */
export const escalationKey = (runId: string): string => `${runId}:escalation`;

const code = (text: string): string => `\`${text.replace(/[`\r\n]/g, " ")}\``;

/**
 * Escalates failed runs through a `HandoffSink`: a comment on `target` (the epic issue) starting
 * with `@owner`, the run, the workflow, the reason and the nodes, then the post-mortem rendered by
 * resilience's `renderPostMortemMarkdown` (failed nodes, root causes, remediation hints), all
 * redacted. Without a target the entry has no issue, so the GitHub sink sends it to its ledger and
 * the ledger sink records it: one line per run. The sink dedupes on the key, so a second call,
 * a second escalator or a restarted process finds the first record instead of posting again.
 *
 * @throws ReportingOptionsError on invalid options.
 * @example
 * const escalator = createEscalator({ sink, target: config.escalation.issue, owner: config.escalation.owner, redact });
 * const { url } = await escalator.escalate(postMortem, { runId, workflowId, reason: "run-failed" });
 */
export function createEscalator(options: EscalatorOptions): Escalator {
  const config = parseReportingOptions("escalator options", EscalatorOptionsSchema, options);
  const redact = checkedRedact(config.redact, "escalator redact");
  const clock = config.clock ?? Date.now;
  // Runs this escalator has recorded: a second call does not even ask the sink.
  const recorded = new Map<string, string>();

  const summaryOf = (postMortem: PostMortem, request: z.output<typeof EscalationRequestSchema>): string => {
    const nodes = request.nodes ?? postMortem.failed.map((failure) => failure.node);
    const why = request.reason === "run-failed" ? "failed" : "needs escalation";
    const lines = [
      `@${config.owner}: hybrid run ${code(request.runId)} of workflow ${code(request.workflowId)} ${why}.`,
      "",
      `**Nodes:** ${nodes.length > 0 ? nodes.map(code).join(", ") : "none named"}`,
      "",
      renderPostMortemMarkdown(postMortem, { redact }),
    ];
    return redact(lines.join("\n"));
  };

  return {
    async escalate(postMortem, request, escalateOptions = {}) {
      const parsed = parseReportingOptions("escalation request", EscalationRequestSchema, request);
      if (postMortem?.runId !== parsed.runId) {
        throw new ReportingOptionsError("escalation request", [{ path: "postMortem.runId", message: `the post-mortem is not of run ${parsed.runId}` }]);
      }
      const known = recorded.get(parsed.runId);
      if (known !== undefined) return { url: known };
      const entry = {
        runId: parsed.runId,
        nodeId: "escalation",
        agent: "hybrid",
        at: clock(),
        summary: summaryOf(postMortem, parsed),
        idempotencyKey: escalationKey(parsed.runId),
        ...(config.target ? { issue: config.target } : {}),
      };
      try {
        const { url } = await config.sink.record(entry, escalateOptions.signal ? { signal: escalateOptions.signal } : {});
        recorded.set(parsed.runId, url);
        return { url };
      } catch (error) {
        throw new EscalationError(parsed.runId, redact(error instanceof Error ? error.message : String(error)), error);
      }
    },
  };
}
