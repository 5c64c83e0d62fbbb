// Private helpers shared by the packages' tests. Not published.
// Each provider kind's contract suite and each local fake server lives in its own module.
export * from "./random-dag.js";
export * from "./checkpoint-store-contract.js";
export * from "./context-provider-contract.js";
export * from "./agent-runner-contract.js";
export * from "./handoff-sink-contract.js";
export * from "./github-server.js";
export * from "./thrown.js";
export * from "./chat-completions-server.js";
export * from "./event-oracles.js";
export * from "./redis-server.js";
export * from "./process-alive.js";
