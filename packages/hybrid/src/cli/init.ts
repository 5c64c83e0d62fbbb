// `hybrid init [dir]`: a commented `hybrid.config.yaml` (the package's own example, every knob with
// its default), an example workflow and a stand-in agent that runs anywhere Node does, then the
// commands to type next. Existing files are never overwritten without `--force`; when any is in
// the way nothing at all is written.
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { CliError } from "./errors.js";
import type { Io } from "./io.js";
import { shellQuote } from "./shell-quote.js";

/** The options of `hybrid init`. */
export interface InitOptions {
  force: boolean;
}

/** What `hybrid init --json` prints. */
export interface InitDocument {
  dir: string;
  files: string[];
  next: string[];
}

const CONFIG_HEADER = `# hybrid.config.yaml, written by \`hybrid init\`: every knob with its default. Delete what you do
# not change; an empty file means every default. Precedence, lowest first: defaults < this file
# < the rollout state (<stateDir>/rollout.json) < environment variables < an OpenFeature provider.
# \`hybrid flags\` shows each flag's value and where it came from.
`;

const WORKFLOW = `# An example workflow, written by \`hybrid init\`. Each node is one work item for one agent: its
# scope and acceptance criteria go into the agent's prompt, \`dependsOn\` makes the graph, and
# \`estimateMs\` feeds the estimates of \`hybrid plan\`. Ids: letters, digits, ".", "_" and "-".
version: 1
id: example
taskType: feature
nodes:
  - id: design
    agent: architect
    priority: architecture        # security | architecture | implementation | docs
    scope: Outline the change and the files it touches
    acceptance: [design outlined]
    dependsOn: []
    estimateMs: 60000
  - id: implement
    agent: developer
    priority: implementation
    scope: Implement the change from the design
    acceptance: [change implemented]
    dependsOn: [design]
    estimateMs: 120000
  - id: write-docs              # runs beside \`implement\` in hybrid mode
    agent: writer
    priority: docs
    scope: Document the change for its users
    acceptance: [usage documented]
    dependsOn: [design]
    estimateMs: 60000
  - id: review
    agent: reviewer
    priority: implementation
    scope: Review the implementation and its docs together
    acceptance: [review recorded]
    dependsOn: [implement, write-docs]
    estimateMs: 30000
`;

const AGENT = `// A stand-in agent for \`hybrid run --runner command --command "node agents/echo-agent.mjs"\`,
// written by \`hybrid init\`. An agent reads its prompt on stdin and writes its answer on stdout;
// HYBRID_RUN_ID, HYBRID_NODE_ID, HYBRID_ATTEMPT and HYBRID_IDEMPOTENCY_KEY are in its environment
// (the key is the same on every attempt and after a resume: use it to make side effects once).
// To report token usage, print {"output": "...", "tokens": {"input": 12, "output": 34}} instead.
// Exit 75 to ask for a retry; any other non-zero exit fails the attempt.
// This one answers with its prompt, so each acceptance criterion in it is "addressed": replace it
// with a script that calls your coding agent's CLI.
let prompt = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) prompt += chunk;
process.stdout.write(\`# \${process.env.HYBRID_NODE_ID} (attempt \${process.env.HYBRID_ATTEMPT})\\n\\n\${prompt}\`);
`;

/** The package's commented example config, its header replaced by one for a project. */
async function configText(): Promise<string> {
  // ../../ is the package root from both src/cli/ and dist/cli/; the file ships in the package.
  const example = await readFile(new URL("../../hybrid.config.example.yaml", import.meta.url), "utf8");
  const lines = example.split("\n");
  const body = lines.slice(lines.findIndex((text) => !text.startsWith("#")));
  return `${CONFIG_HEADER}${body.join("\n")}`;
}

/** Runs `hybrid init`; returns the exit code. */
export async function initCommand(dirArg: string | undefined, options: InitOptions, io: Io): Promise<number> {
  const dir = resolve(dirArg ?? ".");
  const files: Record<string, string> = {
    "hybrid.config.yaml": await configText(),
    "workflows/example.yaml": WORKFLOW,
    "agents/echo-agent.mjs": AGENT,
  };
  const taken = Object.keys(files).filter((name) => existsSync(join(dir, name)));
  if (taken.length > 0 && !options.force) {
    throw new CliError("files-exist", [`init: ${taken.length} file${taken.length === 1 ? "" : "s"} already exist in ${dir}; nothing was written (--force overwrites):`, ...taken.map((name) => `  - ${name}`)].join("\n"), {
      problems: taken.map((name) => ({ code: "file-exists", path: name, message: "already exists" })),
    });
  }
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  const where = relative(process.cwd(), dir);
  const cd = where === "" ? "" : `cd ${shellQuote(where)} && `;
  const next = [
    `${cd}hybrid plan workflows/example.yaml`,
    `${cd}hybrid run workflows/example.yaml --runner command --command ${shellQuote("node agents/echo-agent.mjs")}`,
  ];
  const text = [`hybrid init: wrote ${Object.keys(files).join(", ")} in ${dir}`, "next:", ...next.map((command) => `  ${command}`)].join("\n");
  await io.result({ dir, files: Object.keys(files), next } satisfies InitDocument, text);
  return 0;
}
