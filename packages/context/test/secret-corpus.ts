// Secrets and near-misses generated at test time from a prefix and random characters, so no
// secret-looking literal is ever committed. Each generator returns the text and the kind expected.
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER = "abcdefghijklmnopqrstuvwxyz";
const DIGITS = "0123456789";
const ALNUM = UPPER + LOWER + DIGITS;
const HEX = "0123456789abcdef";
const B64 = `${ALNUM}+/`;
const B64URL = `${ALNUM}-_`;

/** A seeded source (mulberry32) so a failing seed can be replayed. */
export { mulberry32 as seeded } from "@hybrid/test-utils";

export function generators(random: () => number) {
  // Random strings always mix classes so entropy checks and "looks real" checks both pass.
  const pick = (alphabet: string, n: number) => {
    let out = "";
    for (let i = 0; i < n; i++) out += alphabet[Math.floor(random() * alphabet.length)];
    return out;
  };
  const mixed = (n: number, alphabet = ALNUM) => `${pick(UPPER, 1)}${pick(DIGITS, 1)}${pick(LOWER, 1)}${pick(alphabet, n - 3)}`;
  const b64url = (value: string) => Buffer.from(value).toString("base64url");
  const luhnComplete = (body: string) => {
    for (let d = 0; d <= 9; d++) {
      const digits = `${body}${d}`;
      let sum = 0;
      for (let i = 0; i < digits.length; i++) {
        let v = Number(digits[digits.length - 1 - i]);
        if (i % 2 === 1) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
        sum += v;
      }
      if (sum % 10 === 0) return digits;
    }
    throw new Error("unreachable");
  };
  const pem = () => {
    const body = `MI${pick(B64, 62)}\n${Array.from({ length: 8 }, () => pick(B64, 64)).join("\n")}`;
    const label = ["RSA ", "EC ", "OPENSSH ", ""][Math.floor(random() * 4)]!;
    return `-----BEGIN ${label}PRIVATE KEY-----\n${body}\n-----END ${label}PRIVATE KEY-----`;
  };
  const secrets: Record<string, () => { text: string; secret: string }> = {
    "aws-access-key-id": () => secretOf(`AKIA${pick(UPPER + DIGITS, 16)}`),
    "aws-secret-access-key": () => embed("aws_secret_access_key = ", mixed(40, `${ALNUM}/+`)),
    "aws-account-id": () => embed("AWS_ACCOUNT_ID=", `${pick(DIGITS, 4)}-${pick(DIGITS, 4)}-${pick(DIGITS, 4)}`),
    "github-token": () => secretOf(`ghp_${mixed(36)}`),
    "github-fine-grained-token": () => secretOf(`github_pat_${mixed(22)}_${mixed(59)}`),
    "gitlab-token": () => secretOf(`glpat-${mixed(20)}`),
    "slack-token": () => secretOf(`xoxb-${pick(DIGITS, 11)}-${pick(DIGITS, 12)}-${mixed(24)}`),
    "slack-webhook": () => secretOf(`https://hooks.slack.com/services/T${pick(UPPER, 8)}/B${pick(UPPER, 8)}/${mixed(24)}`),
    "discord-webhook": () => secretOf(`https://discord.com/api/webhooks/${pick(DIGITS, 18)}/${mixed(68, B64URL)}`),
    "openai-api-key": () => secretOf(`sk-proj-${mixed(74, B64URL)}T3BlbkFJ${mixed(74, B64URL)}`),
    "anthropic-api-key": () => secretOf(`sk-ant-api03-${mixed(93, B64URL)}AA`),
    "stripe-key": () => secretOf(`sk_live_${mixed(24)}`),
    "google-api-key": () => secretOf(`AIza${mixed(35, B64URL)}`),
    "npm-token": () => secretOf(`npm_${mixed(36)}`),
    "huggingface-token": () => secretOf(`hf_${pick(UPPER, 17)}${pick(LOWER, 17)}`),
    "sendgrid-api-key": () => secretOf(`SG.${mixed(22, B64URL)}.${mixed(43, B64URL)}`),
    "shopify-token": () => secretOf(`shpat_${pick(HEX, 32)}`),
    "groq-api-key": () => secretOf(`gsk_${mixed(52)}`),
    "linear-api-key": () => secretOf(`lin_api_${mixed(40)}`),
    "databricks-token": () => secretOf(`dapi${pick(HEX, 32)}`),
    "docker-token": () => secretOf(`dckr_pat_${mixed(27)}`),
    "twilio-api-key": () => secretOf(`SK${pick(HEX, 32)}`),
    "digitalocean-token": () => secretOf(`dop_v1_${pick(HEX, 64)}`),
    "vault-token": () => secretOf(`hvs.${mixed(95, B64URL)}`),
    "private-key": () => secretOf(pem()),
    jwt: () =>
      secretOf(
        `${b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${b64url(JSON.stringify({ sub: pick(DIGITS, 8), name: pick(LOWER, 8) }))}.${pick(B64URL, 43)}`,
      ),
    "url-credentials": () => {
      const secret = `${pick(LOWER, 6)}:${mixed(16)}@`;
      return { text: `DATABASE_URL is postgres://${secret}db-${pick(LOWER, 5)}.internal.io:5432/app`, secret };
    },
    "authorization-header": () => embed("Authorization: Bearer ", mixed(40, B64URL)),
    "generic-secret": () => embed("DB_PASSWORD=", mixed(18)),
    email: () => secretOf(`${pick(LOWER, 6)}.${pick(LOWER, 5)}@${pick(LOWER, 7)}.com`),
    phone: () => secretOf(`+1 ${2 + Math.floor(random() * 8)}${pick(DIGITS, 2)} ${pick(DIGITS, 3)} ${pick(DIGITS, 4)}`),
    "credit-card": () => {
      const digits = luhnComplete(`4${pick(DIGITS, 14)}`);
      return secretOf(digits.replace(/(\d{4})(?=\d)/g, "$1 "));
    },
  };

  /** Strings that look technical but are not secrets; redaction must leave them untouched. */
  const nearMisses = (): string[] => [
    `commit ${pick(HEX, 40)} fixed it`,
    `sha256:${pick(HEX, 64)}`,
    `request id ${pick(HEX, 8)}-${pick(HEX, 4)}-4${pick(HEX, 3)}-a${pick(HEX, 3)}-${pick(HEX, 12)}`,
    `![logo](data:image/png;base64,iVBORw0KGgo${pick(B64, 120)}==)`,
    `const ${pick(LOWER, 1)}VeryLongDescriptiveIdentifierName${pick(UPPER, 1)}ForTheHandoffCache = 1;`,
    `MAX_L2_COMMENTS_PER_ISSUE_AND_PULL_REQUEST`,
    `upgrade to v${Math.floor(random() * 30)}.${Math.floor(random() * 20)}.${Math.floor(random() * 9)} or 2.0.0-rc.${Math.floor(random() * 9)}`,
    `released 2024-0${1 + Math.floor(random() * 9)}-1${Math.floor(random() * 9)} at 10:3${Math.floor(random() * 9)}:00`,
    `server 192.168.${Math.floor(random() * 255)}.${Math.floor(random() * 255)} on port 8080`,
    "The password policy says tokens rotate every 90 days; see the secret-management ADR.",
    "Set `apiKeyHeaderName: X-Api-Key` and `tokenizer: gpt-tokenizer` in the config.",
    "password: ${DB_PASSWORD}",
    "maxTokens = 20000, tokens: 1500",
    `order #${pick(DIGITS, 6)} shipped; invoice ${pick(DIGITS, 9)}`,
    `npm install @scope/pkg@${Math.floor(random() * 9)}.${Math.floor(random() * 9)}.0`,
    "See https://github.com/acme/agents/issues/7#issuecomment-1234 for the handoff.",
    `timestamp ${1_700_000_000_000 + Math.floor(random() * 1e9)}`,
  ];

  function secretOf(secret: string) {
    return { text: `before ${secret} after`, secret };
  }
  function embed(prefix: string, secret: string) {
    return { text: `${prefix}${secret}`, secret };
  }

  return { secrets, nearMisses };
}
