// Secrets and PII the way they reach a prompt: in issue comments, shell history, config files,
// stack traces and chat. The first dozen are the kinds the issue found surviving redaction.
import { contextSamples } from "./context-corpus.js";
import { B64, B64URL, DIGITS, LOWER, UPPER } from "./secret-corpus.js";

export interface RealisticItem {
  text: string;
  /** Every substring that must be gone after redaction. */
  secrets: string[];
}

export function realisticItems(random: () => number): RealisticItem[] {
  const c = contextSamples(random);
  const { pick, mixed, lowerMixed, hex, uuid, jwt, pem } = c;
  const item = (make: (...s: string[]) => string, ...secrets: string[]): RealisticItem => ({ text: make(...secrets), secrets });
  return [
    // From the issue: each of these survived the old rules.
    item((s) => `Sure, call me at ${s}.`, "415-555-2671"),
    item((s) => `WhatsApp ${s} for the on-call rota`, "+14155552671"),
    item((s) => `Employee SSN: ${s} (do not share)`, "536-22-8130"),
    item((s) => `Please wire the refund to IBAN ${s}.`, "GB82 WEST 1234 5698 7654 32"),
    item((s) => `repro: curl -u ${s} https://ci.acme.io/api/json`, `jenkins:${mixed(20)}`),
    item((s) => `slack refresh token ${s} expired`, `xoxe-1-${mixed(146, UPPER + DIGITS)}`),
    item((s) => `GET https://acme.blob.core.windows.net/backups/db.bak?sv=2022-11-02&sr=b&sp=r&se=2026-02-01&sig=${s}`, `${mixed(43, B64)}%3D`),
    item((s) => `bot: https://api.telegram.org/bot${s}/sendMessage`, `${pick(DIGITS, 10)}:AA${mixed(33, B64URL)}`),
    item((s) => `MAILGUN_API_KEY=${s}`, `key-${lowerMixed(32)}`),
    item((s) => `# age key\n${s}`, `AGE-SECRET-KEY-1${pick("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58)}`),
    item((s) => `{"refresh_token": "${s}", "scope": "drive"}`, `1//0${mixed(99, B64URL)}`),
    item((s) => `[default]\naws_session_token = ${s}`, `FwoGZXIvYXdzE${mixed(587, B64)}`),
    // Code and configuration.
    item((s) => `const client = new Octokit({ auth: "${s}" });`, `ghp_${mixed(36)}`),
    item((s) => `git clone https://x-access-token:${s}@github.com/acme/infra.git`, `ghs_${mixed(36)}`),
    item((s) => `GITHUB_TOKEN=${s}`, `github_pat_${mixed(22)}_${mixed(59)}`),
    item((s) => `OPENAI_API_KEY="${s}"`, `sk-proj-${mixed(74, B64URL)}T3BlbkFJ${mixed(74, B64URL)}`),
    item((s) => `export ANTHROPIC_API_KEY=${s}`, `sk-ant-api03-${mixed(93, B64URL)}AA`),
    item((s) => `stripe.api_key = '${s}'`, `sk_live_${mixed(24)}`),
    item((s) => `aws configure set aws_access_key_id ${s}`, `AKIA${pick(UPPER + "234567", 16)}`),
    item((s, t) => `[prod]\naws_access_key_id = ${s}\naws_secret_access_key = ${t}`, `AKIA${pick(UPPER + "234567", 16)}`, mixed(40, `${UPPER}${LOWER}${DIGITS}/+`)),
    item((s) => `CLOUDFLARE_API_TOKEN=${s}`, `cfut_${mixed(40)}${hex(8)}`),
    item((s) => `tailscale up --authkey=${s}`, `tskey-auth-k${mixed(10)}CNTRL-${mixed(30)}`),
    item((s) => `VERCEL_TOKEN=${s}`, `vcp_${mixed(24)}`),
    item((s) => `grafana: { token: "${s}" }`, `glsa_${mixed(32)}_${hex(8)}`),
    item((s) => `OP_SERVICE_ACCOUNT_TOKEN=${s}`, `ops_eyJ${mixed(300, B64)}`),
    item((s) => `const wallet = new Wallet("${s}");\nconst privateKey = "${s}";`, `0x${hex(64)}`),
    item((s) => `DATABASE_URL="postgresql://app:${s}@db.prod.internal:5432/app?sslmode=require"`, mixed(24)),
    item((s) => `redis://default:${s}@cache.acme.io:6379/0`, mixed(32)),
    item((s) => `spring.datasource.password=${s}`, `${mixed(10)}!${mixed(6)}`),
    item((s) => `  password: "${s}"`, `Tr0ub4dor&3-${mixed(6)}`),
    item((s) => `{"client_secret": "${s}", "client_id": "ci-bot"}`, `GOCSPX-${mixed(28, B64URL)}`),
    item((s) => `Authorization: Bearer ${s}`, jwt()),
    item((s) => `set-cookie: session=${s}; HttpOnly`, jwt()),
    item((s) => `headers: { "X-API-Key": "${s}" }`, mixed(40)),
    item((s) => `docker login -u acme --password ${s} registry.acme.io`, mixed(24)),
    item((s) => `NPM_TOKEN=${s}`, `npm_${mixed(36)}`),
    item((s) => `//registry.npmjs.org/:_authToken=${s}`, `npm_${mixed(36)}`),
    item((s) => `HF_TOKEN=${s}`, `hf_${pick(UPPER + LOWER, 34)}`),
    item((s) => `SLACK_WEBHOOK=${s}`, `https://hooks.slack.com/services/T${pick(UPPER, 8)}/B${pick(UPPER, 8)}/${mixed(24)}`),
    item((s) => `slack bot ${s} in #ops`, `xoxb-${pick(DIGITS, 11)}-${pick(DIGITS, 12)}-${mixed(24)}`),
    item((s) => `DISCORD_WEBHOOK_URL=${s}`, `https://discord.com/api/webhooks/${pick(DIGITS, 18)}/${mixed(68, B64URL)}`),
    item((s) => `vault login ${s}`, `hvs.${mixed(95, B64URL)}`),
    item((s) => `google maps key=${s}&libraries=places`, `AIza${mixed(35, B64URL)}`),
    item((s) => `twilio: SID AC${hex(32)} key ${s}`, `SK${hex(32)}`),
    item((s) => `SENDGRID_API_KEY=${s}`, `SG.${mixed(22, B64URL)}.${mixed(43, B64URL)}`),
    item((s) => `the deploy key is\n${s}\nkeep it safe`, pem("OPENSSH ")),
    item((s) => `"private_key": "${s}\\n",`, pem("").replace(/\n/g, "\\n")),
    item((s) => `ssh deploy@10.0.0.5 -i key.pem  # token=${s}`, mixed(32)),
    item((s) => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: api\ndata:\n  token: ${s}\n`, Buffer.from(mixed(30)).toString("base64")),
    item((s) => `HEROKU_API_KEY=${s}`, uuid()),
    item((s) => `DD_API_KEY=${s}`, hex(32)),
    item((s) => `SENTRY_AUTH_TOKEN=${s}`, `sntryu_${hex(64)}`),
    item((s) => `Error: 401 for https://api.acme.io/v1/items?access_token=${s}&page=2`, mixed(40)),
    // PII.
    item((s) => `From: Jane Roe <${s}>`, `jane.roe@${pick(LOWER, 6)}.org`),
    item((s) => `mailto:${s}`, `ops-team@${pick(LOWER, 5)}.io`),
    item((s) => `tel: ${s}`, "+44 20 7946 0958"),
    item((s) => `reach me on ${s} after 6pm`, "(212) 555-0188"),
    item((s) => `Mobile: ${s}`, "+49 151 23456789"),
    item((s) => `card on file ${s}, exp 04/28`, c.luhnComplete(`5${1 + Math.floor(random() * 5)}${pick(DIGITS, 13)}`)),
    item((s) => `IBAN: ${s}`, "FR14 2004 1010 0505 0001 3M02 606"),
  ].map((entry) => ({ ...entry, secrets: entry.secrets.filter((s) => s !== "") }));
}

/** Every rule id in gitleaks' default config (config/gitleaks.toml). */
export const GITLEAKS_RULE_IDS = `1password-secret-key 1password-service-account-token adafruit-api-key adobe-client-id
adobe-client-secret age-secret-key airtable-api-key algolia-api-key alibaba-access-key-id alibaba-secret-key
anthropic-admin-api-key anthropic-api-key artifactory-api-key artifactory-reference-token asana-client-id
asana-client-secret atlassian-api-token authress-service-client-access-key aws-access-token azure-ad-client-secret
beamer-api-token bitbucket-client-id bitbucket-client-secret bittrex-access-key bittrex-secret-key cisco-meraki-api-key
clickhouse-cloud-api-secret-key clojars-api-token cloudflare-api-key cloudflare-global-api-key cloudflare-origin-ca-key
codecov-access-token cohere-api-token coinbase-access-token confluent-access-token confluent-secret-key
contentful-delivery-api-token curl-auth-header curl-auth-user database-password databricks-api-token
datadog-access-token defined-networking-api-token digitalocean-access-token digitalocean-pat
digitalocean-refresh-token discord-api-token discord-client-id discord-client-secret doppler-api-token
droneci-access-token dropbox-api-token dropbox-long-lived-api-token dropbox-short-lived-api-token duffel-api-token
dynatrace-api-token easypost-api-token easypost-test-api-token etsy-access-token facebook-access-token
facebook-page-access-token facebook-secret fastly-api-token finicity-api-token finicity-client-secret
finnhub-access-token flickr-access-token flutterwave-encryption-key flutterwave-public-key flutterwave-secret-key
flyio-access-token frameio-api-token freemius-secret-key freshbooks-access-token gcp-api-key generic-api-key
github-app-token github-fine-grained-pat github-oauth github-pat github-refresh-token gitlab-cicd-job-token
gitlab-deploy-token gitlab-feature-flag-client-token gitlab-feed-token gitlab-incoming-mail-token
gitlab-kubernetes-agent-token gitlab-oauth-app-secret gitlab-pat gitlab-pat-routable gitlab-ptt gitlab-rrt
gitlab-runner-authentication-token gitlab-runner-authentication-token-routable gitlab-scim-token
gitlab-session-cookie gitter-access-token gocardless-api-token grafana-api-key grafana-cloud-api-token
grafana-service-account-token harness-api-key hashicorp-tf-api-token hashicorp-tf-password heroku-api-key
heroku-api-key-v2 hubspot-api-key huggingface-access-token huggingface-organization-api-token infracost-api-token
intercom-api-key intra42-client-secret jfrog-api-key jfrog-identity-token jwt jwt-base64 kraken-access-token
kubernetes-secret-yaml kucoin-access-token kucoin-secret-key launchdarkly-access-token linear-api-key
linear-client-secret linkedin-client-id linkedin-client-secret lob-api-key lob-pub-api-key mailchimp-api-key
mailgun-private-api-token mailgun-pub-key mailgun-signing-key mapbox-api-token mattermost-access-token
maxmind-license-key messagebird-api-token messagebird-client-id microsoft-teams-webhook netlify-access-token
new-relic-browser-api-token new-relic-insert-key new-relic-user-api-id new-relic-user-api-key notion-api-token
npm-access-token nuget-config-password nytimes-access-token octopus-deploy-api-key okta-access-token openai-api-key
openshift-user-token perplexity-api-key pkcs12-file plaid-api-token plaid-client-id plaid-secret-key
planetscale-api-token planetscale-oauth-token planetscale-password postman-api-token prefect-api-token private-key
privateai-api-token pulumi-api-token pypi-upload-token rapidapi-access-token readme-api-token rubygems-api-token
scalingo-api-token sendbird-access-id sendbird-access-token sendgrid-api-token sendinblue-api-token
sentry-access-token sentry-org-token sentry-user-token settlemint-application-access-token
settlemint-personal-access-token settlemint-service-access-token shippo-api-token shopify-access-token
shopify-custom-access-token shopify-private-app-access-token shopify-shared-secret sidekiq-secret
sidekiq-sensitive-url slack-app-token slack-bot-token slack-config-access-token slack-config-refresh-token
slack-legacy-bot-token slack-legacy-token slack-legacy-workspace-token slack-user-token slack-webhook-url
snyk-api-token sonar-api-token sourcegraph-access-token square-access-token squarespace-access-token
stripe-access-token sumologic-access-id sumologic-access-token telegram-bot-api-token travisci-access-token
twilio-api-key twitch-api-token twitter-access-secret twitter-access-token twitter-api-key twitter-api-secret
twitter-bearer-token typeform-api-token vault-batch-token vault-service-token yandex-access-token yandex-api-key
yandex-aws-access-token zendesk-secret-key`.split(/\s+/);
