// The optional OpenFeature layer: a team plugs its own flag service in as a provider (or hands over
// a client it configured itself), and its answers win over the environment and the file.
import type { EvaluationDetails } from "@openfeature/core";
import { ErrorCode, OpenFeature, StandardResolutionReasons, type Client, type Provider } from "@openfeature/server-sdk";
import type { Override } from "./config-layers.js";

// The public types are structural on purpose: the server SDK's own declarations pull in Node's
// typings, which a consumer of ours need not have. Any OpenFeature server Provider or Client fits.

/** An OpenFeature server provider (`@openfeature/server-sdk` `Provider`). */
export interface OpenFeatureProvider {
  readonly metadata: { readonly name: string };
  resolveBooleanEvaluation(...args: never[]): unknown;
  resolveNumberEvaluation(...args: never[]): unknown;
}

/** An OpenFeature client already bound to a provider (`@openfeature/server-sdk` `Client`), with its own evaluation context. */
export interface OpenFeatureClient {
  readonly metadata: { readonly providerMetadata: { readonly name: string } };
  getBooleanDetails(flagKey: string, defaultValue: boolean): Promise<EvaluationDetails<boolean>>;
  getNumberDetails(flagKey: string, defaultValue: number): Promise<EvaluationDetails<number>>;
}

/** An OpenFeature server provider, or a client already bound to one. */
export type FlagProvider = OpenFeatureProvider | OpenFeatureClient;

interface ProviderFlag {
  flag: string;
  keys: readonly string[];
  type: "boolean" | "number";
}

/** The flags read through a provider, and the keys they set. */
export const PROVIDER_FLAGS: readonly ProviderFlag[] = Object.freeze([
  { flag: "hybrid_orchestration_enabled", keys: ["flags", "hybrid_orchestration_enabled"], type: "boolean" },
  { flag: "parallel_graph_enabled", keys: ["flags", "parallel_graph_enabled"], type: "boolean" },
  { flag: "memory_hierarchy_enabled", keys: ["flags", "memory_hierarchy_enabled"], type: "boolean" },
  { flag: "kill_switch", keys: ["flags", "kill_switch"], type: "boolean" },
  { flag: "rollout_percentage", keys: ["rollout", "percentage"], type: "number" },
]);

/** What a provider said: overrides, and the flags it failed to answer (errors, timeouts). */
export interface ProviderRead {
  overrides: Override[];
  failures: { flag: string; message: string }[];
}

const isClient = (value: FlagProvider): value is OpenFeatureClient =>
  typeof (value as Partial<OpenFeatureClient>).getBooleanDetails === "function";

const clients = new WeakMap<object, Promise<OpenFeatureClient>>();
let domains = 0;

/** A client for `provider`, registered once per provider object under a domain of its own. */
function clientOf(provider: FlagProvider): Promise<OpenFeatureClient> {
  if (isClient(provider)) return Promise.resolve(provider);
  let client = clients.get(provider);
  if (client === undefined) {
    // A domain of our own leaves the application's default provider alone.
    const domain = `@hybrid/hybrid#${++domains}`;
    const bound = (): Client => OpenFeature.getClient(domain);
    // A provider whose initialisation failed is in an error state: every evaluation then reports it.
    client = OpenFeature.setProviderAndWait(domain, provider as Provider).then(bound, bound);
    clients.set(provider, client);
  }
  return client;
}

const TIMED_OUT = Symbol("timed out");

/** `promise`, or TIMED_OUT after `ms`: a hung flag service must not stall a wave boundary. */
async function deadline<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads `flags` through `provider`. A flag the provider does not define (or has disabled) sets
 * nothing; an error or a timeout is a failure, never a throw. `current(keys)` is the value below
 * the provider, handed over as the evaluation's default.
 */
export async function readProvider(
  provider: FlagProvider,
  current: (keys: readonly string[]) => unknown,
  options: { timeoutMs: number; flags?: readonly ProviderFlag[] },
): Promise<ProviderRead> {
  const { timeoutMs, flags = PROVIDER_FLAGS } = options;
  const client = await deadline(clientOf(provider), timeoutMs);
  if (client === TIMED_OUT) {
    return { overrides: [], failures: flags.map(({ flag }) => ({ flag, message: `the provider was not ready within ${timeoutMs} ms` })) };
  }
  const name = client.metadata.providerMetadata.name;
  const answers = await Promise.all(
    flags.map(async ({ flag, keys, type }) => {
      const fallback = current(keys);
      const evaluation: Promise<EvaluationDetails<boolean | number>> =
        type === "boolean" ? client.getBooleanDetails(flag, fallback as boolean) : client.getNumberDetails(flag, fallback as number);
      // A client never throws by contract; one handed over by a team might, and is then a hiccup too.
      const failed = (error: unknown): Partial<EvaluationDetails<boolean | number>> => ({ errorCode: ErrorCode.GENERAL, errorMessage: String(error) });
      const details = await deadline(evaluation.catch(failed), timeoutMs);
      if (details === TIMED_OUT) return { flag, failure: `no answer within ${timeoutMs} ms` };
      if (details.errorCode === ErrorCode.FLAG_NOT_FOUND) return undefined;
      if (details.errorCode !== undefined) return { flag, failure: `${details.errorCode}${details.errorMessage ? `: ${details.errorMessage}` : ""}` };
      if (details.reason === StandardResolutionReasons.DISABLED) return undefined;
      const override: Override = { keys, value: details.value, source: { kind: "provider", flag, provider: name } };
      return { flag, override };
    }),
  );
  const read: ProviderRead = { overrides: [], failures: [] };
  for (const answer of answers) {
    if (answer?.override) read.overrides.push(answer.override);
    else if (answer?.failure !== undefined) read.failures.push({ flag: answer.flag, message: answer.failure });
  }
  return read;
}
