/**
 * Generic assignments: `DB_PASSWORD=…`, `"apiKey": "…"`, `client_secret: …`, `--token …`. A match
 * needs both a key whose words name a secret (`apiKey`, `db_password`; not `tokenizer`,
 * `secretName`, `maxTokens`) and a value that looks like one (random, or password-like for
 * password keys). The key alone never decides: `const tokens = estimator.count(text)` stays.
 *
 * Linear time: the regex starts at a keyword and its key rest and operator are bounded; the value
 * is scanned procedurally and stops at every operator character, so the values of successive
 * attempts never overlap, and a rejected attempt resumes at its value so keys inside it are seen.
 */
import { looksLikePassword, looksRandom } from "./classify.js";
import type { Detector } from "./detector.js";

const ASSIGNMENT =
  /(?:pass|pwd|secret|token|key|auth|cred|sas|pat)[A-Za-z0-9_.-]{0,40}(?:["']?[ \t]{0,4}(?::=|=>|\?=|=(?!=)|:(?![:/]))[ \t]{0,4}|([ \t]{1,4}))/gi;

const PASSWORD_WORDS = new Set(["password", "passwords", "passwd", "pwd", "pass", "passphrase", "passcode"]);
const SECRET_WORDS = new Set([
  ...PASSWORD_WORDS,
  "secret", "secrets", "token", "tokens", "key", "keys", "apikey", "apikeys", "credential", "credentials",
  "creds", "auth", "sas", "pat",
]);
// `accesstoken`, `dbpassword`: one lower-case word ending in a secret word.
const SECRET_SUFFIX = /(?:token|secret|password|passwd|apikey)$/;
const KEY_COMPOUND = /^(?:api|access|secret|private|signing|encryption|master|license|auth|app|client|service|deploy|account)key$/;

// The key names something about a secret rather than the secret itself.
const ROLE_WORDS = new Set([
  "id", "ids", "name", "names", "type", "types", "kind", "kinds", "length", "len", "size", "count", "limit",
  "limits", "max", "min", "file", "files", "path", "paths", "dir", "url", "uri", "urls", "endpoint", "host",
  "header", "headers", "field", "fields", "prefix", "suffix", "format", "env", "var", "vars", "ref", "refs",
  "version", "expiry", "expires", "expiration", "ttl", "timeout", "hash", "hashed", "label", "hint",
  "policy", "rotation", "schema", "regex", "pattern", "mode", "enabled", "required", "estimator", "budget",
  "usage", "cost", "index", "position", "offset", "algorithm", "alg", "provider", "store", "storage",
  "manager", "service", "param", "params", "property", "option", "options", "config", "settings",
  "placeholder", "message", "error", "description", "title", "text", "help", "flag", "reset", "strength",
  "validator", "input", "rule", "rules", "start", "end", "range", "list", "map", "cache", "parser", "lexer",
  "scanner", "node", "total", "encoding", "encoder", "source", "window", "reader", "writer", "fn", "func",
  "callback", "handler", "state", "status", "check", "lifetime", "duration", "location", "set", "get", "by",
  "at", "counts", "validation", "strategy", "sign", "exists",
]);
// Qualifiers that make the key a non-secret: database keys, pagination and LLM token counts.
const NEGATING_WORDS = new Set([
  "public", "pub", "foreign", "primary", "partition", "sort", "cache", "idempotency", "unique", "composite",
  "lookup", "row", "group", "i18n", "translation", "next", "continuation", "page", "pagination",
  "cancellation", "csrf", "xsrf", "max", "min", "num", "total", "estimated", "prompt", "input", "output",
  "completion", "context", "reasoning", "syntax", "design", "color", "theme", "spacing", "hot", "shortcut",
  "object", "react", "dedupe", "sorting", "compound", "registry", "keyboard", "jsx",
]);
const PRIVATE_KEY_WORDS = new Set(["private", "priv", "privkey", "privatekey", "signing", "wallet", "mnemonic", "seed"]);

function isKeyChar(code: number): boolean {
  return (
    (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || (code >= 48 && code <= 57) ||
    code === 95 || code === 46 || code === 45
  );
}

/** `DB_PASSWORD` → `db password`; `apiKeyV2` → `api key v 2`. */
function wordsOf(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== "");
}

type KeyRole = "password" | "secret" | "private-key";

const isPasswordWord = (word: string, last: boolean) =>
  (PASSWORD_WORDS.has(word) && (word !== "pass" || last)) || /(?:password|passwd)$/.test(word);
const isSecretWord = (word: string) => SECRET_WORDS.has(word) || SECRET_SUFFIX.test(word) || KEY_COMPOUND.test(word);

/**
 * What kind of value a key holds, or null when it does not hold a secret. The secret word must be
 * one of the last two words (`client_secret`, `AWS_SECRET_ACCESS_KEY`, not `secretsManagerArn`), the
 * last word must not name a property of the secret (`secretName`, `tokenCount`), and no word may
 * say the key is something else (`publicKey`, `maxTokens`, `nextPageToken`).
 */
export function keyRole(key: string): KeyRole | null {
  const words = wordsOf(key);
  // Trailing version or index words (`apiKeyV2`, `token_1`) do not change what the key names.
  while (words.length > 1 && /^(?:[0-9]+|[a-z]|v[0-9]+)$/.test(words.at(-1)!)) words.pop();
  const last = words.at(-1);
  if (last === undefined || ROLE_WORDS.has(last) || words.some((word) => NEGATING_WORDS.has(word))) return null;
  const tail = words.slice(-2);
  let role: KeyRole | null = null;
  if (tail.some((word) => isPasswordWord(word, word === last))) role = "password";
  else if (tail.some(isSecretWord)) role = "secret";
  if (role === "secret" && words.some((word) => PRIVATE_KEY_WORDS.has(word))) return "private-key";
  return role;
}

function isTerminator(code: number, quoted: boolean): boolean {
  // Whitespace, quotes, `\` and the operator characters `:` and `=` end every value (see valueEnd);
  // an unquoted value also ends at separators and brackets (`a=1&token=…`, `f(token)`).
  if (code <= 32 || code === 34 || code === 39 || code === 96 || code === 92 || code === 58) return true;
  return (
    !quoted &&
    (code === 44 || code === 59 || code === 38 || code === 40 || code === 41 || code === 91 || code === 93 ||
      code === 123 || code === 125 || code === 60 || code === 62 || code === 124)
  );
}

/** The end of a value starting at `start`; `=` is kept only as trailing padding. */
function valueEnd(text: string, start: number, quoted: boolean): number {
  let i = start;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (isTerminator(code, quoted)) break;
    if (code === 61) {
      let j = i;
      while (j < text.length && text.charCodeAt(j) === 61) j++;
      return j >= text.length || isTerminator(text.charCodeAt(j), quoted) ? j : i;
    }
    i++;
  }
  return i;
}

const HEX_KEY = /^(?:0x)?[0-9a-fA-F]{64}$/;
const HANDOFF_MARKER = "<!-- hybrid:handoff ";

export const genericAssignments: Detector = {
  kinds: ["generic-secret", "hex-private-key"],
  keywords: ["pass", "pwd", "secret", "token", "key", "auth", "cred", "sas", "pat"],
  find(text, out) {
    ASSIGNMENT.lastIndex = 0;
    for (let m = ASSIGNMENT.exec(text); m !== null; m = ASSIGNMENT.exec(text)) {
      // The value first: most assignments in code hold something short, a call or an object.
      let start = ASSIGNMENT.lastIndex;
      const quote = text[start] === '"' || text[start] === "'" || text[start] === "`" ? text[start] : null;
      if (quote !== null) start++;
      const end = valueEnd(text, start, quote !== null);
      if (end - start < 8 || (quote !== null && text[end] !== quote) || text[end] === "(") continue;
      let keyStart = m.index;
      while (keyStart > 0 && m.index - keyStart < 64 && isKeyChar(text.charCodeAt(keyStart - 1))) keyStart--;
      let keyEnd = m.index;
      while (keyEnd < text.length && isKeyChar(text.charCodeAt(keyEnd))) keyEnd++;
      const key = text.slice(keyStart, keyEnd);
      // A bare space works as the operator only for command-line flags (`--token abc`).
      if (m[1] !== undefined && !key.startsWith("--")) continue;
      // hybrid's own handoff marker (`<!-- hybrid:handoff key=… run=…`) carries an idempotency key,
      // which a retry searches GitHub for: it is not a secret.
      if (key === "key" && text.startsWith(HANDOFF_MARKER, keyStart - HANDOFF_MARKER.length)) continue;
      const role = keyRole(key);
      if (role === null) continue;
      const value = text.slice(start, end);
      const hexKey = role === "private-key" && HEX_KEY.test(value);
      const secret = hexKey || (role === "password" ? looksLikePassword(value) : looksRandom(value));
      if (!secret) continue;
      out.push({ kind: hexKey ? "hex-private-key" : "generic-secret", start, end });
      ASSIGNMENT.lastIndex = end;
    }
  },
};
