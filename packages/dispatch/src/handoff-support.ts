// What both handoff sinks need: the required `redact` option (its results are checked by
// resilience's `checkedRedact`, the one check of redactors).
import { z } from "zod";

/**
 * A sink's `redact` option: required, because a sink writes artifacts people and agents read. A
 * missing one or a non-function is a `DispatchOptionsError`; one that returns something else than a
 * string (context's `redactSecrets`) an `InvalidRedactorError` naming the option, when the sink is made.
 */
export const RedactOptionSchema = z.custom<(text: string) => string>((value) => typeof value === "function", {
  message: "required: a function (text: string) => string applied to every text the sink writes; pass (text) => text to write text as is",
});
