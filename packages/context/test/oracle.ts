// An independent tokenizer (gpt-tokenizer, pure JS) to check our counts and caps against: a test that
// measured the cap with the estimator under test could not see the estimator's own errors.
import { countTokens as cl100k } from "gpt-tokenizer/encoding/cl100k_base";
import { countTokens as o200k } from "gpt-tokenizer/encoding/o200k_base";

const ordinary = { disallowedSpecial: new Set<string>() };

/** Real tokens of `text` in an encoding, special-token strings counted as ordinary text (as we do). */
export function realTokens(text: string, encoding: "cl100k_base" | "o200k_base" = "cl100k_base"): number {
  return encoding === "o200k_base" ? o200k(text, ordinary) : cl100k(text, ordinary);
}
