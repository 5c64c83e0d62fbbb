// Where the corpus is planted: L1 in the workflow's node text (scope, acceptance criteria, the
// workflow description), L2 in comments by a trusted author on the nodes' GitHub issues (the local
// server), L3 in the docs files the nodes reference. Also the config that points the CLI at the
// local server, and the stand-in agent that echoes its prompt, so that a secret redaction missed
// would flow on into outputs, the ledger and handoff comments.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Layer, PlantedAt } from "./corpus.js";

export const OWNER = "acme";
export const REPO = "vault";
/** The epic: progress comment and post-mortems go there. */
export const EPIC_NUMBER = 20;
/** The author of the L2 comments, listed in `github.authors` so their comments are selected. */
export const TRUSTED_AUTHOR = "sec-lead";
export const TOKEN_ENV = "SEC_ACCEPTANCE_GITHUB_TOKEN";

interface NodePlan {
  id: string;
  agent: string;
  priority: "security" | "architecture" | "implementation" | "docs";
  dependsOn: string[];
  issue?: number;
}

/** Waves [intake], [design], [api, infra], [review]; two nodes read L2 from their issues. */
export const NODES: readonly NodePlan[] = [
  { id: "intake", agent: "security-engineer", priority: "security", dependsOn: [], issue: 21 },
  { id: "design", agent: "solution-architect", priority: "architecture", dependsOn: ["intake"] },
  { id: "api", agent: "backend-engineer", priority: "implementation", dependsOn: ["design"], issue: 22 },
  { id: "infra", agent: "devops-engineer", priority: "implementation", dependsOn: ["design"] },
  { id: "review", agent: "reviewer", priority: "security", dependsOn: ["api", "infra"] },
];

const line = (p: PlantedAt) => `${p.tag}: ${p.text}`;

/** Splits a layer's values over `n` buckets, round robin, so every node (issue, doc) gets some. */
function spread(values: readonly PlantedAt[], n: number): PlantedAt[][] {
  const buckets: PlantedAt[][] = Array.from({ length: n }, () => []);
  values.forEach((v, i) => buckets[i % n]!.push(v));
  return buckets;
}

const ofLayer = (corpus: readonly PlantedAt[], layer: Layer) => corpus.filter((p) => p.layer === layer);

/**
 * The workflow: each node's scope carries its share of L1; its first L1 value is also a criterion,
 * and the first node's values are repeated in the description (not part of any prompt, but copied
 * into the state directory with the workflow).
 */
export function workflowDocument(corpus: readonly PlantedAt[]): Record<string, unknown> {
  const l1 = spread(ofLayer(corpus, "L1"), NODES.length);
  return {
    version: 1,
    id: "secure-epic",
    taskType: "security",
    description: `Rotate the leaked credentials. Known so far:\n${l1[0]!.map(line).join("\n")}`,
    nodes: NODES.map((node, i) => {
      const mine = l1[i]!;
      return {
        id: node.id,
        agent: node.agent,
        priority: node.priority,
        scope: `Rotate the credentials of the ${node.id} step. Found in the incident notes:\n${mine.map(line).join("\n")}`,
        acceptance: [`Every credential of ${node.id} rotated`, `The old one, ${mine[0]!.tag} ${mine[0]!.text.split("\n")[0]}, revoked`],
        dependsOn: node.dependsOn,
        outputs: [`${node.id}-rotation`],
        docs: [`docs/security/${node.id}.md`],
        ...(node.issue !== undefined ? { issue: { owner: OWNER, repo: REPO, number: node.issue } } : {}),
      };
    }),
  };
}

/** The L3 docs, one per node, by path under the repository root. */
export function docsFiles(corpus: readonly PlantedAt[]): Record<string, string> {
  const l3 = spread(ofLayer(corpus, "L3"), NODES.length);
  return Object.fromEntries(
    NODES.map((node, i) => [`docs/security/${node.id}.md`, `# Credentials of ${node.id}\n\nFrom the vault export of last week:\n\n${l3[i]!.map((p) => `${line(p)}\n`).join("\n")}`]),
  );
}

/** The L2 comments, by issue number: a few comments per issue, each with a share of L2. */
export function issueComments(corpus: readonly PlantedAt[]): Map<number, string[]> {
  const issues = NODES.flatMap((n) => (n.issue !== undefined ? [n.issue] : []));
  const perComment = 4;
  const buckets = spread(ofLayer(corpus, "L2"), issues.length);
  return new Map(
    issues.map((issue, i) => {
      const mine = buckets[i]!;
      const bodies: string[] = [];
      for (let at = 0; at < mine.length; at += perComment) bodies.push(`Found these in the logs, please rotate:\n\n${mine.slice(at, at + perComment).map(line).join("\n\n")}`);
      return [issue, bodies];
    }),
  );
}

/** GitHub on (the token from {@link TOKEN_ENV}), the trusted author, the epic for escalations. */
export function configDocument(baseUrl: string): Record<string, unknown> {
  return {
    github: { enabled: true, baseUrl, tokenEnv: TOKEN_ENV, authors: [TRUSTED_AUTHOR] },
    escalation: { owner: "chief-of-staff", issue: { owner: OWNER, repo: REPO, number: EPIC_NUMBER } },
  };
}

/**
 * The stand-in agent (a separate process per attempt): keeps the prompt it received in
 * SEC_PROMPT_DIR (what the agent saw, read back later), then answers with its prompt, capped;
 * on a node listed in SEC_FAIL_NODES it prints the prompt's tail on stderr and fails for good.
 */
export const AGENT_SCRIPT = `import { writeFileSync } from "node:fs";
import { join } from "node:path";
let prompt = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) prompt += chunk;
const { HYBRID_RUN_ID: run, HYBRID_NODE_ID: node, HYBRID_ATTEMPT: attempt } = process.env;
writeFileSync(join(process.env.SEC_PROMPT_DIR, \`\${run}.\${node}.\${attempt}.txt\`), prompt);
if ((process.env.SEC_FAIL_NODES ?? "").split(",").includes(node)) {
  process.stderr.write(\`refused: \${prompt.slice(-3000)}\\n\`);
  process.exit(1);
}
process.stdout.write(\`# \${node}-rotation (attempt \${attempt})\\n\\n\${prompt.slice(0, 48000)}\`);
`;

export interface PlantedRepo {
  repoRoot: string;
  workflow: string;
  config: string;
  agent: string;
  promptDir: string;
}

/** Writes the repository (workflow, docs), the config and the agent under `dir`. */
export function writePlantedRepo(dir: string, corpus: readonly PlantedAt[], baseUrl: string): PlantedRepo {
  const repoRoot = join(dir, "repo");
  for (const [path, text] of Object.entries(docsFiles(corpus))) {
    mkdirSync(join(repoRoot, path, ".."), { recursive: true });
    writeFileSync(join(repoRoot, path), text);
  }
  mkdirSync(join(repoRoot, "workflows"), { recursive: true });
  // JSON is YAML: the workflow and the config are written as JSON, read by the YAML loaders.
  const workflow = join(repoRoot, "workflows", "secure-epic.yaml");
  writeFileSync(workflow, `${JSON.stringify(workflowDocument(corpus), null, 2)}\n`);
  const config = join(repoRoot, "hybrid.config.yaml");
  writeFileSync(config, `${JSON.stringify(configDocument(baseUrl), null, 2)}\n`);
  const agent = join(dir, "agent.mjs");
  writeFileSync(agent, AGENT_SCRIPT);
  const promptDir = join(dir, "prompts");
  mkdirSync(promptDir, { recursive: true });
  return { repoRoot, workflow, config, agent, promptDir };
}
