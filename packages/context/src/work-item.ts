import { z } from "zod";
import { checkRequest, parseOptions, type ContextProvider, type ContextRequest, type ContextSegment } from "./segment.js";

export const WorkItemProviderOptionsSchema = z.object({
  /** Priority of the scope segment; inputs/outputs get 10 less. Pinned segments ignore it. @default 1000 */
  basePriority: z.number().default(1000),
});
export type WorkItemProviderOptions = z.input<typeof WorkItemProviderOptionsSchema>;

const list = (items: readonly string[]) => items.map((item) => `- ${item}`).join("\n");

/**
 * L1 (hot) provider: the work item itself. The id (with agent and priority), the acceptance criteria
 * and unresolved blockers are pinned; scope and declared inputs/outputs are high-priority segments.
 * It is `required`: `loadContext` rejects rather than compose a prompt without the work item.
 */
export function createWorkItemProvider(options: WorkItemProviderOptions = {}): ContextProvider {
  const { basePriority } = parseOptions("work item provider options", WorkItemProviderOptionsSchema, options);
  return {
    tier: "L1",
    name: "work-item",
    required: true,
    async collect(request: ContextRequest): Promise<ContextSegment[]> {
      const { node, runId, blockers = [] } = checkRequest(request);
      const source = node.issue
        ? `https://github.com/${node.issue.owner}/${node.issue.repo}/issues/${node.issue.number}`
        : `work-item:${node.id}`;
      const segment = (suffix: string, text: string, pinned: boolean, priority: number): ContextSegment => ({
        id: `${node.id}:${suffix}`,
        tier: "L1",
        source,
        text,
        priority,
        pinned,
      });
      const segments = [
        segment(
          "work-item",
          [`Work item: ${node.id}`, `Agent: ${node.agent}`, `Priority: ${node.priority}`, `Run: ${runId}`].join("\n"),
          true,
          basePriority + 30,
        ),
        segment(
          "acceptance",
          `Acceptance criteria:\n${node.acceptance.length > 0 ? list(node.acceptance) : "- (none declared)"}`,
          true,
          basePriority + 20,
        ),
      ];
      if (blockers.length > 0) {
        const lines = blockers.map((b) => `${b.nodeId} (${b.status}): ${b.reason}`);
        segments.push(segment("blockers", `Unresolved blockers:\n${list(lines)}`, true, basePriority + 10));
      }
      if (node.scope.trim() !== "") segments.push(segment("scope", `Scope: ${node.scope}`, false, basePriority));
      const io = [
        node.dependsOn.length > 0 ? `Depends on: ${node.dependsOn.join(", ")}` : undefined,
        node.inputs?.length ? `Inputs:\n${list(node.inputs)}` : undefined,
        node.outputs?.length ? `Outputs:\n${list(node.outputs)}` : undefined,
      ].filter((part): part is string => part !== undefined);
      if (io.length > 0) segments.push(segment("io", io.join("\n"), false, basePriority - 10));
      return segments;
    },
  };
}
