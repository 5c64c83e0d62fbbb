/**
 * Detection rules for `redactSecrets`. Each rule finds one kind; `group` names the capture that is the
 * secret itself (the key name around it stays readable). Specific rules come before generic ones:
 * when two rules claim the same span the earlier rule names it.
 */
export interface RedactionRule {
  kind: string;
  pattern: RegExp;
  /** Capture group holding the secret; 0 (the whole match) when absent. */
  group?: number;
  /** Extra check on the secret text (entropy, Luhn, placeholders). */
  accept?: (secret: string) => boolean;
}

/** Shannon entropy in bits per character. */
export function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Luhn checksum, as card numbers carry. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

const PLACEHOLDER = /^(?:\$\{.*\}|\{\{.*\}\}|<.*>|%[A-Z_]+%|\$[A-Z_]+|\*+|x+|\[REDACTED:[a-z0-9-]+\])$|changeme|example|placeholder|your[_-]/i;

/** A generic `password=…` value is a secret only when it looks random: letters and digits, high entropy. */
function looksRandom(value: string): boolean {
  if (PLACEHOLDER.test(value)) return false;
  const bits = entropy(value);
  const hasLetter = /[A-Za-z]/.test(value);
  const hasDigit = /[0-9]/.test(value);
  return (hasLetter && hasDigit && bits >= 3) || (value.length >= 16 && bits >= 3.5 && hasLetter);
}

function isCardNumber(match: string): boolean {
  // The pattern already bounds the length to 13–19 digits.
  const digits = match.replace(/[ -]/g, "");
  if (!/^(?:4|5[1-5]|2[2-7]|3[47]|6(?:011|5))/.test(digits)) return false;
  return passesLuhn(digits);
}

function isPhoneNumber(match: string): boolean {
  const digits = match.replace(/\D/g, "");
  return digits.length >= 8 && digits.length <= 15;
}

// Keys of generic assignments (`password=`, `client_secret:`), matched case-insensitively.
const SECRET_KEY = String.raw`[A-Za-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|auth[_-]?key|private[_-]?key|credentials?)[A-Za-z0-9_.-]*`;
const B = String.raw`(?<![A-Za-z0-9_])`; // start boundary that, unlike \b, also works before `-` or `_`
const E = String.raw`(?![A-Za-z0-9_])`;

const re = (source: string, flags = "g") => new RegExp(source, flags);

export const REDACTION_RULES: readonly RedactionRule[] = [
  {
    kind: "private-key",
    pattern: /-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s\\]*)/g,
  },
  { kind: "aws-access-key-id", pattern: re(String.raw`\b(?:A3T[A-Z0-9]|AKIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b`) },
  {
    kind: "aws-secret-access-key",
    pattern: re(String.raw`(?:aws)?_?secret_?access_?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])`, "gi"),
    group: 1,
  },
  {
    kind: "aws-account-id",
    pattern: re(String.raw`aws_?account_?id["']?\s*[:=]\s*["']?([0-9]{4}-?[0-9]{4}-?[0-9]{4})\b`, "gi"),
    group: 1,
  },
  { kind: "github-token", pattern: re(String.raw`${B}gh[pousr]_[A-Za-z0-9_]{36,255}${E}`) },
  { kind: "github-fine-grained-token", pattern: re(String.raw`${B}github_pat_[A-Za-z0-9_]{22,255}${E}`) },
  { kind: "gitlab-token", pattern: re(String.raw`${B}gl(?:pat|dt|ptt|rt|cbt|soat|ffct|imt|agent)-[A-Za-z0-9_-]{20,128}(?![A-Za-z0-9_-])`) },
  { kind: "slack-webhook", pattern: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/-]{8,}/g },
  { kind: "slack-token", pattern: re(String.raw`${B}xox[abposr]-(?:[A-Za-z0-9]{1,40}-)+[A-Za-z0-9]{1,40}\b|${B}xapp-[0-9]-[A-Za-z0-9-]{10,}`) },
  { kind: "discord-webhook", pattern: /https:\/\/(?:ptb\.|canary\.)?discord(?:app)?\.com\/api\/webhooks\/[0-9]+\/[A-Za-z0-9_-]{20,}/g },
  { kind: "anthropic-api-key", pattern: re(String.raw`${B}sk-ant-[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])`) },
  { kind: "openai-api-key", pattern: re(String.raw`${B}sk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])`) },
  { kind: "stripe-key", pattern: re(String.raw`${B}(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}${E}|${B}whsec_[A-Za-z0-9]{24,}${E}`) },
  { kind: "google-api-key", pattern: re(String.raw`${B}AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])`) },
  { kind: "npm-token", pattern: re(String.raw`${B}npm_[A-Za-z0-9]{36}${E}|_authToken=([^\s$][^\s]*)`) },
  { kind: "huggingface-token", pattern: re(String.raw`${B}hf_[A-Za-z0-9]{30,}${E}`) },
  { kind: "sendgrid-api-key", pattern: re(String.raw`${B}SG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}(?![A-Za-z0-9_-])`) },
  { kind: "shopify-token", pattern: re(String.raw`${B}shp(?:at|ca|pa|ss)_[A-Za-z0-9]{32,64}${E}`) },
  { kind: "groq-api-key", pattern: re(String.raw`${B}gsk_[A-Za-z0-9]{52}${E}`) },
  { kind: "linear-api-key", pattern: re(String.raw`${B}lin_api_[A-Za-z0-9_]{32,128}${E}`) },
  { kind: "notion-token", pattern: re(String.raw`${B}ntn_[0-9]{11}[A-Za-z0-9]{35}${E}`) },
  { kind: "databricks-token", pattern: re(String.raw`${B}dapi[a-fA-F0-9]{32}(?:-[0-9])?${E}`) },
  { kind: "docker-token", pattern: re(String.raw`${B}dckr_pat_[A-Za-z0-9_-]{27}(?![A-Za-z0-9_-])`) },
  { kind: "vault-token", pattern: re(String.raw`${B}hv[sbr]\.[A-Za-z0-9_-]{90,300}(?![A-Za-z0-9_-])`) },
  { kind: "digitalocean-token", pattern: re(String.raw`${B}do[opr]_v1_[a-f0-9]{64}${E}`) },
  { kind: "pypi-token", pattern: re(String.raw`${B}pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}(?![A-Za-z0-9_-])`) },
  { kind: "twilio-api-key", pattern: re(String.raw`${B}SK[0-9a-f]{32}${E}`) },
  { kind: "azure-storage-key", pattern: /AccountKey=([A-Za-z0-9+/]{86}==)/g, group: 1 },
  { kind: "jwt", pattern: re(String.raw`${B}eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*`) },
  {
    // `scheme://user:password@` including the `@`, so no tool reads the marker as a new password.
    kind: "url-credentials",
    pattern: /(?<=[a-z][a-z0-9+.-]*:\/\/)[^\s:/@]+:[^\s/@]+@/gi,
  },
  {
    kind: "authorization-header",
    pattern: /authorization["']?\s*[:=]\s*["']?(?:bearer|basic|token)\s+([A-Za-z0-9._~+/=-]{8,})/gi,
    group: 1,
  },
  {
    kind: "generic-secret",
    pattern: re(String.raw`${B}${SECRET_KEY}["']?\s*(?::|=|:=|=>)\s*["'\x60]?([^\s"'\x60,;]{8,200})`, "gi"),
    group: 1,
    accept: looksRandom,
  },
  { kind: "email", pattern: /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g },
  {
    kind: "credit-card",
    pattern: /(?<![\w-])(?:\d{4}([ -])\d{4}\1\d{4}\1\d{1,7}|\d{4}([ -])\d{6}\2\d{4,5}|\d{13,19})(?![\w-])/g,
    accept: isCardNumber,
  },
  {
    kind: "phone",
    pattern: /(?<![\w+.-])(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]\d{2,4}){1,4}|\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}|\d{3}[ .-]\d{3}[ .-]\d{4})(?![\w.-])/g,
    accept: isPhoneNumber,
  },
];
