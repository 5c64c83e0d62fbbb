// Secrets generated at test time from each provider's documented format (prefix, alphabet, length)
// and a seeded random source, so no secret-looking literal is committed and a failure replays.
// One sample per format: gitleaks' default rule ids (config/gitleaks.toml) and secretlint's
// recommended preset (v12) name where each format comes from.

/** A seeded source (seededRandom) so a failing seed can be replayed. */
export { seededRandom as seeded } from "@hybrid/test-utils";

export const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
export const LOWER = "abcdefghijklmnopqrstuvwxyz";
export const DIGITS = "0123456789";
export const ALNUM = UPPER + LOWER + DIGITS;
export const HEX = "0123456789abcdef";
export const B64 = `${ALNUM}+/`;
export const B64URL = `${ALNUM}-_`;
const LOWER_ALNUM = LOWER + DIGITS;
const BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l".toUpperCase();

/** A secret inside the text that carries it; `secret` must not survive redaction. */
export interface Sample {
  /** Where the format comes from: a gitleaks rule id, a secretlint rule, or a provider doc. */
  source: string;
  /** The kind we report. */
  kind: string;
  text: string;
  secret: string;
}

export function generators(random: () => number) {
  const pick = (alphabet: string | readonly string[], n: number) => {
    let out = "";
    for (let i = 0; i < n; i++) out += alphabet[Math.floor(random() * alphabet.length)];
    return out;
  };
  // Random strings always mix classes, as real keys do, so "looks random" checks apply fairly.
  const mixed = (n: number, alphabet = ALNUM) => `${pick(UPPER, 1)}${pick(DIGITS, 1)}${pick(LOWER, 1)}${pick(alphabet, n - 3)}`;
  const lowerMixed = (n: number, alphabet = LOWER_ALNUM) => `${pick(DIGITS, 1)}${pick(LOWER, 1)}${pick(alphabet, n - 2)}`;
  const hex = (n: number) => `${pick("abcdef", 1)}${pick(DIGITS, 1)}${pick(HEX, n - 2)}`;
  const uuid = () => `${hex(8)}-${hex(4)}-4${pick(HEX, 3)}-a${pick(HEX, 3)}-${hex(12)}`;
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
  const jwt = () =>
    `${b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${b64url(JSON.stringify({ sub: pick(DIGITS, 8), name: pick(LOWER, 8) }))}.${pick(B64URL, 43)}`;
  const pem = (label: string, lines = 8) => {
    const body = [`MI${pick(B64, 62)}`, ...Array.from({ length: lines }, () => pick(B64, 64))].join("\n");
    return `-----BEGIN ${label}PRIVATE KEY-----\n${body}\n-----END ${label}PRIVATE KEY-----`;
  };

  /** `before <secret> after`: a token standing alone in prose. */
  const alone = (source: string, kind: string, secret: string): Sample => ({ source, kind, text: `before ${secret} after`, secret });
  /** `KEY=<secret>`: a token assigned to a key that names its provider. */
  const assigned = (source: string, kind: string, key: string, secret: string, op = "="): Sample => ({
    source,
    kind,
    text: `${key}${op}${secret}`,
    secret,
  });

  const tokens = (): Sample[] => [
    // Source hosting and registries.
    alone("gitleaks:github-pat", "github-token", `ghp_${mixed(36)}`),
    alone("gitleaks:github-oauth", "github-token", `gho_${mixed(36)}`),
    alone("gitleaks:github-app-token", "github-token", `ghs_${mixed(36)}`),
    alone("github:stateless-installation-token", "github-token", `ghs_${jwt()}`),
    alone("gitleaks:github-refresh-token", "github-token", `ghr_${mixed(36)}`),
    alone("gitleaks:github-fine-grained-pat", "github-fine-grained-token", `github_pat_${mixed(22)}_${mixed(59)}`),
    alone("gitleaks:gitlab-pat", "gitlab-token", `glpat-${mixed(20)}`),
    alone("gitleaks:gitlab-pat-routable", "gitlab-token", `glpat-${mixed(27)}.01${pick(LOWER_ALNUM, 7)}`),
    alone("gitleaks:gitlab-cicd-job-token", "gitlab-token", `glcbt-${mixed(5)}_${mixed(20)}`),
    alone("gitleaks:gitlab-deploy-token", "gitlab-token", `gldt-${mixed(20)}`),
    alone("gitleaks:gitlab-feature-flag-client-token", "gitlab-token", `glffct-${mixed(20)}`),
    alone("gitleaks:gitlab-feed-token", "gitlab-token", `glft-${mixed(20)}`),
    alone("gitleaks:gitlab-incoming-mail-token", "gitlab-token", `glimt-${mixed(25)}`),
    alone("gitleaks:gitlab-kubernetes-agent-token", "gitlab-token", `glagent-${mixed(50)}`),
    alone("gitleaks:gitlab-oauth-app-secret", "gitlab-token", `gloas-${mixed(64)}`),
    alone("gitleaks:gitlab-ptt", "gitlab-token", `glptt-${hex(40)}`),
    alone("gitleaks:gitlab-rrt", "gitlab-token", `GR1348941${mixed(20)}`),
    alone("gitleaks:gitlab-runner-authentication-token", "gitlab-token", `glrt-${mixed(20)}`),
    alone("gitleaks:gitlab-runner-authentication-token-routable", "gitlab-token", `glrt-t1_${mixed(27)}.01${pick(LOWER_ALNUM, 7)}`),
    alone("gitleaks:gitlab-scim-token", "gitlab-token", `glsoat-${mixed(20)}`),
    { source: "gitleaks:gitlab-session-cookie", kind: "gitlab-session-cookie", ...withSecret((s) => `Cookie: _gitlab_session=${s}`, lowerMixed(32)) },
    alone("gitleaks:npm-access-token", "npm-token", `npm_${mixed(36)}`),
    { source: "secretlint:npm(_authToken)", kind: "npm-token", ...withSecret((s) => `//registry.npmjs.org/:_authToken=${s}`, uuid()) },
    alone("gitleaks:pypi-upload-token", "pypi-token", `pypi-AgEIcHlwaS5vcmc${mixed(70, B64URL)}`),
    alone("gitleaks:rubygems-api-token", "rubygems-token", `rubygems_${hex(48)}`),
    alone("nuget:api-key", "nuget-api-key", `oy2${lowerMixed(43)}`),
    alone("gitleaks:clojars-api-token", "clojars-token", `CLOJARS_${lowerMixed(60)}`),
    alone("secretlint:docker", "docker-token", `dckr_pat_${mixed(27)}`),
    alone("gitleaks:artifactory-api-key", "artifactory-token", `AKCp${mixed(69)}`),
    alone("gitleaks:artifactory-reference-token", "artifactory-token", `cmVmd${mixed(59)}`),
    alone("gitleaks:sourcegraph-access-token", "sourcegraph-token", `sgp_${hex(16)}_${hex(40)}`),
    alone("gitleaks:postman-api-token", "postman-api-key", `PMAK-${hex(24)}-${hex(34)}`),
    alone("gitleaks:readme-api-token", "readme-api-key", `rdme_${lowerMixed(70)}`),
    alone("gitleaks:prefect-api-token", "prefect-api-key", `pnu_${mixed(36)}`),
    alone("gitleaks:pulumi-api-token", "pulumi-token", `pul-${hex(40)}`),
    alone("gitleaks:infracost-api-token", "infracost-api-key", `ico-${mixed(32)}`),
    alone("gitleaks:scalingo-api-token", "scalingo-token", `tk-us-${mixed(48)}`),
    alone("gitleaks:octopus-deploy-api-key", "octopus-deploy-api-key", `API-${pick(DIGITS, 2)}${pick(UPPER + DIGITS, 24)}`),
    alone("gitleaks:harness-api-key", "harness-token", `pat.${mixed(22)}.${mixed(24)}.${mixed(20)}`),
    alone("gitleaks:hashicorp-tf-api-token", "terraform-token", `${lowerMixed(14)}.atlasv1.${mixed(67)}`),
    alone("gitleaks:atlassian-api-token", "atlassian-token", `ATATT3${mixed(186)}`),
    alone("sonarqube:user-token", "sonar-token", `squ_${hex(40)}`),
    alone("gitleaks:linear-api-key", "linear-api-key", `lin_api_${mixed(40)}`),
    alone("gitleaks:notion-api-token", "notion-token", `ntn_${pick(DIGITS, 11)}${mixed(35)}`),
    alone("secretlint:figma", "figma-token", `figd_${mixed(40, B64URL)}`),
    alone("secretlint:vercel", "vercel-token", `vcp_${mixed(24)}`),
    alone("gitleaks:databricks-api-token", "databricks-token", `dapi${hex(32)}`),
    alone("gitleaks:doppler-api-token", "doppler-token", `dp.pt.${mixed(43)}`),
    alone("gitleaks:planetscale-api-token", "planetscale-token", `pscale_tkn_${mixed(43)}`),
    alone("gitleaks:planetscale-oauth-token", "planetscale-token", `pscale_oauth_${mixed(43)}`),
    alone("gitleaks:planetscale-password", "planetscale-token", `pscale_pw_${mixed(43)}`),
    alone("gitleaks:flyio-access-token", "flyio-token", `fm2_${mixed(120, B64)}`),
    alone("tailscale:tskey-auth", "tailscale-key", `tskey-auth-k${mixed(10)}CNTRL-${mixed(32)}`),
    alone("tailscale:tskey-api", "tailscale-key", `tskey-api-k${mixed(10)}CNTRL-${mixed(32)}`),
    alone("gitleaks:vault-service-token", "vault-token", `hvs.${mixed(95, B64URL)}`),
    alone("gitleaks:vault-batch-token", "vault-token", `hvb.${mixed(150, B64URL)}`),
    alone("gitleaks:1password-service-account-token", "1password-token", `ops_${b64url(JSON.stringify({ signInAddress: "my.1password.com", userAuth: { method: "SRPg-4096", alg: "PBES2g-HS256", iterations: 650000, salt: pick(B64URL, 22) }, email: `${pick(LOWER, 12)}@1passwordserviceaccounts.com`, srpX: pick(HEX, 64), muk: { alg: "A256GCM", ext: true, k: pick(B64URL, 43), key_ops: ["encrypt", "decrypt"], kty: "oct", kid: "mp" }, secretKey: "A3-XXXXXX", throttleSecret: { seed: pick(HEX, 64), deviceUuid: pick(LOWER_ALNUM, 26) }, deviceUuid: pick(LOWER_ALNUM, 26) })).replace(/[-_]/g, "A").replace(/=+$/, "")}`),
    alone("gitleaks:1password-secret-key", "1password-secret-key", `A3-${pick(UPPER + DIGITS, 6)}-${pick(UPPER + DIGITS, 11)}-${pick(UPPER + DIGITS, 5)}-${pick(UPPER + DIGITS, 5)}-${pick(UPPER + DIGITS, 5)}`),
    alone("gitleaks:age-secret-key", "age-secret-key", `AGE-SECRET-KEY-1${pick(BECH32, 58)}`),
    // Clouds.
    alone("gitleaks:aws-access-token", "aws-access-key-id", `AKIA${pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)}`),
    assigned("secretlint:aws(AWSSecretAccessKey)", "aws-secret-access-key", "aws_secret_access_key", mixed(40, `${ALNUM}/+`), " = "),
    assigned("aws:sts-session-token", "aws-session-token", "aws_session_token", `IQoJb3JpZ2luX2VjE${mixed(583, B64)}`, " = "),
    alone("gitleaks:alibaba-access-key-id", "alibaba-access-key-id", `LTAI${mixed(20)}`),
    alone("gitleaks:gcp-api-key", "google-api-key", `AIza${mixed(35, B64URL)}`),
    alone("google:oauth-access-token", "google-oauth-token", `ya29.${mixed(150, B64URL)}`),
    alone("google:oauth-refresh-token", "google-oauth-token", `1//0${mixed(99, B64URL)}`),
    alone("google:oauth-client-secret", "google-oauth-client-secret", `GOCSPX-${mixed(28, B64URL)}`),
    alone("gitleaks:azure-ad-client-secret", "azure-ad-client-secret", `${mixed(3)}8Q~${mixed(34)}`),
    { source: "azure:storage-connection-string", kind: "azure-storage-key", ...withSecret((s) => `DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=${s};EndpointSuffix=core.windows.net`, `${mixed(86, B64)}==`) },
    { source: "azure:sas-signature", kind: "azure-sas-signature", ...withSecret((s) => `https://acme.blob.core.windows.net/logs?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2026-01-01T00:00:00Z&sig=${s}`, `${mixed(40, ALNUM)}%2B${mixed(3)}%3D`) },
    alone("cloudflare:api-token", "cloudflare-api-token", `cfut_${mixed(40)}${hex(8)}`),
    alone("gitleaks:cloudflare-origin-ca-key", "cloudflare-origin-ca-key", `v1.0-${hex(24)}-${hex(146)}`),
    assigned("gitleaks:cloudflare-api-key", "cloudflare-api-key", "CLOUDFLARE_API_TOKEN=", mixed(40, `${ALNUM}_-`)),
    assigned("gitleaks:cloudflare-global-api-key", "cloudflare-api-key", "cloudflare_global_api_key", hex(37), ": "),
    alone("gitleaks:digitalocean-pat", "digitalocean-token", `dop_v1_${hex(64)}`),
    alone("gitleaks:digitalocean-access-token", "digitalocean-token", `doo_v1_${hex(64)}`),
    alone("gitleaks:digitalocean-refresh-token", "digitalocean-token", `dor_v1_${hex(64)}`),
    alone("gitleaks:heroku-api-key-v2", "heroku-api-key", `HRKU-AA${mixed(58, B64URL)}`),
    assigned("gitleaks:heroku-api-key", "heroku-api-key", "HEROKU_API_KEY=", uuid()),
    alone("gitleaks:openshift-user-token", "openshift-token", `sha256~${mixed(43, B64URL)}`),
    alone("gitleaks:dynatrace-api-token", "dynatrace-token", `dt0c01.${mixed(24)}.${mixed(64)}`),
    alone("gitleaks:clickhouse-cloud-api-secret-key", "clickhouse-cloud-key", `4b1d${mixed(38)}`),
    ...saas(),
  ];

  function saas(): Sample[] {
    return [
      alone("gitleaks:anthropic-api-key", "anthropic-api-key", `sk-ant-api03-${mixed(93, B64URL)}AA`),
      alone("gitleaks:anthropic-admin-api-key", "anthropic-api-key", `sk-ant-admin01-${mixed(93, B64URL)}AA`),
      alone("gitleaks:openai-api-key", "openai-api-key", `sk-proj-${mixed(74, B64URL)}T3BlbkFJ${mixed(74, B64URL)}`),
      alone("secretlint:groq", "groq-api-key", `gsk_${mixed(52)}`),
      alone("gitleaks:huggingface-access-token", "huggingface-token", `hf_${pick(UPPER, 17)}${pick(LOWER, 17)}`),
      alone("gitleaks:huggingface-organization-api-token", "huggingface-token", `api_org_${pick(UPPER, 17)}${pick(LOWER, 17)}`),
      alone("gitleaks:perplexity-api-key", "perplexity-api-key", `pplx-${mixed(48)}`),
      alone("gitleaks:slack-bot-token", "slack-token", `xoxb-${pick(DIGITS, 11)}-${pick(DIGITS, 12)}-${mixed(24)}`),
      alone("gitleaks:slack-user-token", "slack-token", `xoxp-${pick(DIGITS, 11)}-${pick(DIGITS, 11)}-${pick(DIGITS, 12)}-${hex(32)}`),
      alone("gitleaks:slack-app-token", "slack-token", `xapp-1-A${pick(UPPER + DIGITS, 10)}-${pick(DIGITS, 13)}-${hex(64)}`),
      alone("gitleaks:slack-config-access-token", "slack-token", `xoxe.xoxp-1-${mixed(164, UPPER + DIGITS)}`),
      alone("gitleaks:slack-config-refresh-token", "slack-token", `xoxe-1-${mixed(146, UPPER + DIGITS)}`),
      alone("gitleaks:slack-legacy-bot-token", "slack-token", `xoxb-${pick(DIGITS, 10)}-${mixed(24)}`),
      alone("gitleaks:slack-legacy-token", "slack-token", `xoxs-${pick(DIGITS, 10)}-${pick(DIGITS, 10)}-${pick(DIGITS, 12)}-${hex(64)}`),
      alone("gitleaks:slack-legacy-workspace-token", "slack-token", `xoxa-2-${mixed(40)}`),
      alone("gitleaks:slack-webhook-url", "slack-webhook", `https://hooks.slack.com/services/T${pick(UPPER, 8)}/B${pick(UPPER, 8)}/${mixed(24)}`),
      alone("discord:webhook", "discord-webhook", `https://discord.com/api/webhooks/${pick(DIGITS, 18)}/${mixed(68, B64URL)}`),
      alone("gitleaks:microsoft-teams-webhook", "teams-webhook", `https://acme.webhook.office.com/webhookb2/${uuid()}@${uuid()}/IncomingWebhook/${hex(32)}/${uuid()}`),
      alone("telegram:bot-token", "telegram-bot-token", `${pick(DIGITS, 10)}:AA${mixed(33, B64URL)}`),
      assigned("gitleaks:telegram-bot-api-token", "telegram-bot-token", "TELEGRAM_BOT_TOKEN=", `${pick(DIGITS, 9)}:AA${mixed(33, B64URL)}`),
      alone("mailgun:private-api-key", "mailgun-key", `key-${lowerMixed(32)}`),
      assigned("gitleaks:mailgun-pub-key", "mailgun-key", "MAILGUN_PUBLIC_KEY=", `pubkey-${hex(32)}`),
      assigned("gitleaks:mailgun-signing-key", "mailgun-key", "MAILGUN_SIGNING_KEY=", `${hex(32)}-${pick("abcdef0123456789", 8)}-${pick("abcdef0123456789", 8)}`),
      alone("gitleaks:mailchimp-api-key", "mailchimp-api-key", `${hex(32)}-us${1 + Math.floor(random() * 20)}`),
      alone("gitleaks:sendgrid-api-token", "sendgrid-api-key", `SG.${mixed(22, B64URL)}.${mixed(43, B64URL)}`),
      alone("gitleaks:sendinblue-api-token", "sendinblue-api-key", `xkeysib-${hex(64)}-${mixed(16)}`),
      alone("gitleaks:twilio-api-key", "twilio-api-key", `SK${hex(32)}`),
      assigned("twilio:auth-token", "twilio-auth-token", "TWILIO_AUTH_TOKEN=", hex(32)),
      alone("gitleaks:stripe-access-token", "stripe-key", `sk_live_${mixed(24)}`),
      alone("stripe:webhook-secret", "stripe-key", `whsec_${mixed(32)}`),
      alone("gitleaks:square-access-token", "square-token", `EAAA${mixed(60, B64URL)}`),
      alone("gitleaks:shopify-access-token", "shopify-token", `shpat_${hex(32)}`),
      alone("gitleaks:shopify-custom-access-token", "shopify-token", `shpca_${hex(32)}`),
      alone("gitleaks:shopify-private-app-access-token", "shopify-token", `shppa_${hex(32)}`),
      alone("gitleaks:shopify-shared-secret", "shopify-token", `shpss_${hex(32)}`),
      alone("gitleaks:shippo-api-token", "shippo-token", `shippo_live_${hex(40)}`),
      alone("gitleaks:duffel-api-token", "duffel-token", `duffel_live_${mixed(43, B64URL)}`),
      alone("gitleaks:easypost-api-token", "easypost-token", `EZAK${mixed(54)}`),
      alone("gitleaks:easypost-test-api-token", "easypost-token", `EZTK${mixed(54)}`),
      alone("gitleaks:flutterwave-secret-key", "flutterwave-key", `FLWSECK_TEST-${pick("abcdefgh0123456789", 32)}-X`),
      alone("gitleaks:flutterwave-public-key", "flutterwave-key", `FLWPUBK_TEST-${pick("abcdefgh0123456789", 32)}-X`),
      alone("gitleaks:flutterwave-encryption-key", "flutterwave-key", `FLWSECK_TEST-${pick("abcdefgh0123456789", 12)}`),
      alone("gitleaks:facebook-page-access-token", "facebook-token", `EAAM${mixed(120)}`),
      alone("gitleaks:grafana-cloud-api-token", "grafana-token", `glc_${mixed(80, B64)}==`),
      alone("gitleaks:grafana-service-account-token", "grafana-token", `glsa_${mixed(32)}_${hex(8)}`),
      alone("gitleaks:grafana-api-key", "grafana-token", `eyJrIjoi${mixed(72)}=`),
      alone("gitleaks:new-relic-user-api-key", "new-relic-key", `NRAK-${pick(UPPER + DIGITS, 27)}`),
      alone("gitleaks:new-relic-browser-api-token", "new-relic-key", `NRJS-${hex(19)}`),
      alone("gitleaks:new-relic-insert-key", "new-relic-key", `NRII-${mixed(32)}`),
      alone("gitleaks:sentry-user-token", "sentry-token", `sntryu_${hex(64)}`),
      alone("gitleaks:sentry-org-token", "sentry-token", `sntrys_eyJpYXQiO${mixed(60, B64)}LCJyZWdpb25fdXJs${mixed(40, B64)}_${mixed(43, B64)}`),
      alone("gitleaks:settlemint-personal-access-token", "settlemint-token", `sm_pat_${mixed(16)}`),
      alone("gitleaks:settlemint-application-access-token", "settlemint-token", `sm_aat_${mixed(16)}`),
      alone("gitleaks:settlemint-service-access-token", "settlemint-token", `sm_sat_${mixed(16)}`),
      alone("gitleaks:typeform-api-token", "typeform-token", `tfp_${mixed(59, B64URL)}`),
      alone("gitleaks:frameio-api-token", "frameio-token", `fio-u-${mixed(64, B64URL)}`),
      alone("gitleaks:adobe-client-secret", "adobe-client-secret", `p8e-${mixed(32)}`),
      alone("gitleaks:intra42-client-secret", "intra42-client-secret", `s-s4t2ud-${hex(64)}`),
      alone("gitleaks:maxmind-license-key", "maxmind-license-key", `${mixed(6)}_${mixed(29)}_mmk`),
      alone("gitleaks:defined-networking-api-token", "defined-networking-token", `dnkey-${mixed(26)}-${mixed(52)}`),
      alone("gitleaks:authress-service-client-access-key", "authress-key", `sc_${lowerMixed(10)}.${lowerMixed(5)}.acc_${lowerMixed(20)}.${mixed(60, B64)}`),
      alone("gitleaks:yandex-api-key", "yandex-api-key", `AQVN${mixed(36, B64URL)}`),
      alone("mapbox:access-token", "mapbox-token", `pk.eyJ1Ijoi${mixed(30, B64URL)}.${mixed(22, B64URL)}`),
      alone("airtable:personal-access-token", "airtable-token", `pat${mixed(14)}.${hex(64)}`),
      alone("xai:api-key", "xai-api-key", `xai-${mixed(80)}`),
      alone("langsmith:api-key", "langsmith-api-key", `lsv2_pt_${hex(32)}_${hex(10)}`),
    ];
  }

  function withSecret(make: (secret: string) => string, secret: string) {
    return { text: make(secret), secret };
  }

  /** One fresh sample of the first format of each kind, by kind. */
  const secrets: Record<string, () => { text: string; secret: string }> = Object.create(null);
  tokens().forEach((sample, i) => {
    secrets[sample.kind] ??= () => tokens()[i]!;
  });

  return { pick, mixed, lowerMixed, hex, uuid, jwt, pem, luhnComplete, alone, assigned, withSecret, tokens, secrets };
}
