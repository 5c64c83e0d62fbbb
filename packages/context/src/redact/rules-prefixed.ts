/**
 * Credentials with a documented, distinctive prefix (`ghp_`, `xoxb-`, `AKIA`): the prefix is the
 * keyword, so a rule costs nothing on text that does not contain it. Formats follow each provider's
 * documentation, secretlint's recommended preset (v12) and gitleaks' default rules; length
 * quantifiers stay open-ended where the provider allows longer tokens, so the whole token is
 * redacted however long it grows (GitHub's stateless `ghs_` JWTs run to ~520 characters).
 */
import { entropy } from "./classify.js";
import { B, E, E_DASH, literalFirst, regexDetectors, type Detector, type RegexRule } from "./detector.js";

const hasDigit = (s: string) => /[0-9]/.test(s);
const mixedCase = (s: string) => /[a-z]/.test(s) && /[A-Z]/.test(s);
const randomish = (bits: number) => (s: string) => hasDigit(s) && entropy(s) >= bits;

function rule(kind: string, keywords: string[], source: string, accept?: RegexRule["accept"], flags = "g", lead = 0): RegexRule {
  // A rule with a capture group redacts only the group (the key in front of it stays readable).
  const group = /(?<!\\)\((?!\?)/.test(source) ? { group: 1 } : {};
  return { kind, keywords, pattern: new RegExp(literalFirst(source), flags), lead, ...group, ...(accept ? { accept } : {}) };
}

export const PREFIXED_RULES: readonly RegexRule[] = [
  // Source hosting and package registries.
  rule("github-token", ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"], String.raw`${B}gh[pousr]_[A-Za-z0-9_]{30,}(?:\.[A-Za-z0-9_-]+)*${E_DASH}`, (s) => s.length >= 40),
  rule("github-fine-grained-token", ["github_pat_"], String.raw`${B}github_pat_[A-Za-z0-9_]{22,}${E}`),
  rule("gitlab-token", ["glpat-", "gldt-", "glptt-", "glrt-", "glcbt-", "glsoat-", "glffct-", "glimt-", "glagent-", "gloas-", "glft-", "glwt-"], String.raw`${B}gl(?:pat|dt|ptt|rt|cbt|soat|ffct|imt|agent|oas|ft|wt)-[A-Za-z0-9_-]{20,}(?:\.[A-Za-z0-9_-]+)*${E_DASH}`),
  rule("gitlab-token", ["gr1348941"], String.raw`${B}GR1348941[A-Za-z0-9_-]{20,}${E_DASH}`),
  rule("gitlab-session-cookie", ["_gitlab_session="], String.raw`_gitlab_session=([0-9a-z]{32})${E}`),
  rule("npm-token", ["npm_"], String.raw`${B}npm_[A-Za-z0-9]{36}${E}`),
  rule("pypi-token", ["pypi-"], String.raw`${B}pypi-AgE(?:IcHlwaS5vcmc|NdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,}${E_DASH}`),
  rule("rubygems-token", ["rubygems_"], String.raw`${B}rubygems_[a-f0-9]{48}${E}`),
  rule("nuget-api-key", ["oy2"], String.raw`${B}oy2[a-z0-9]{43}${E}`, randomish(3.5)),
  rule("clojars-token", ["clojars_"], String.raw`${B}CLOJARS_[a-z0-9]{60}${E}`, undefined, "gi"),
  rule("docker-token", ["dckr_pat_", "dckr_oat_"], String.raw`${B}dckr_(?:pat|oat)_[A-Za-z0-9_-]{27,}${E_DASH}`),
  rule("artifactory-token", ["AKCp"], String.raw`${B}AKCp[A-Za-z0-9]{69}${E}`),
  rule("artifactory-token", ["cmVmd"], String.raw`${B}cmVmd[A-Za-z0-9]{59}${E}`),
  rule("sourcegraph-token", ["sgp_"], String.raw`${B}sgp_(?:[a-fA-F0-9]{16}_|local_)?[a-fA-F0-9]{40}${E}`),
  rule("postman-api-key", ["pmak-"], String.raw`${B}PMAK-[a-f0-9]{24}-[a-f0-9]{34}${E}`, undefined, "gi"),
  rule("readme-api-key", ["rdme_"], String.raw`${B}rdme_[a-z0-9]{70}${E}`),
  rule("prefect-api-key", ["pnu_"], String.raw`${B}pnu_[A-Za-z0-9]{36}${E}`),
  rule("pulumi-token", ["pul-"], String.raw`${B}pul-[a-f0-9]{40}${E}`),
  rule("infracost-api-key", ["ico-"], String.raw`${B}ico-[A-Za-z0-9]{32}${E}`),
  rule("scalingo-token", ["tk-us-"], String.raw`${B}tk-us-[A-Za-z0-9_-]{48}${E_DASH}`),
  rule("octopus-deploy-api-key", ["API-"], String.raw`${B}API-[A-Z0-9]{26}${E}`, hasDigit),
  rule("harness-token", ["pat.", "sat."], String.raw`${B}(?:pat|sat)\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{20}${E}`),
  rule("terraform-token", ["atlasv1"], String.raw`\.atlasv1\.(?<=${B}[A-Za-z0-9]{14}\.atlasv1\.)[A-Za-z0-9_=-]{60,}${E_DASH}`, undefined, "g", 14),
  rule("atlassian-token", ["ATATT3"], String.raw`${B}ATATT3[A-Za-z0-9_=-]{180,}${E_DASH}`),
  rule("sonar-token", ["squ_", "sqp_", "sqa_"], String.raw`${B}sq[apu]_[a-f0-9]{40}${E}`),
  rule("linear-api-key", ["lin_api_", "lin_oauth_"], String.raw`${B}lin_(?:api|oauth)_[A-Za-z0-9_]{32,}${E}`),
  rule("notion-token", ["ntn_"], String.raw`${B}ntn_[0-9]{11}[A-Za-z0-9]{35}${E}`),
  rule("figma-token", ["figd_"], String.raw`${B}figd_[A-Za-z0-9_-]{40,}${E_DASH}`),
  rule("vercel-token", ["vcp_", "vci_", "vca_", "vcr_", "vck_"], String.raw`${B}vc[pcarki]_[A-Za-z0-9]{20,}${E}`),
  rule("databricks-token", ["dapi"], String.raw`${B}dapi[a-fA-F0-9]{32}(?:-[0-9])?${E}`),
  rule("doppler-token", ["dp."], String.raw`${B}dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,}${E}`),
  rule("planetscale-token", ["pscale_"], String.raw`${B}pscale_(?:tkn|oauth|pw)_[A-Za-z0-9_=.-]{32,}${E_DASH}`),
  rule("flyio-token", ["fo1_", "fm1", "fm2_"], String.raw`${B}(?:fo1_[A-Za-z0-9_-]{43}|fm[12][ar]?_[A-Za-z0-9+/]{100,}={0,3})(?![A-Za-z0-9_+/=-])`),
  rule("tailscale-key", ["tskey-"], String.raw`${B}tskey-[a-z]{2,12}-[A-Za-z0-9]{4,}-[A-Za-z0-9]{16,}${E}`),
  rule("vault-token", ["hvs.", "hvb.", "hvr."], String.raw`${B}hv[sbr]\.[A-Za-z0-9_-]{90,}${E_DASH}`),
  rule("vault-token", ["s."], String.raw`${B}s\.[A-Za-z0-9]{24}${E}`, (s) => mixedCase(s) && /[0-9].*[0-9]/.test(s)),
  rule("1password-token", ["ops_ey"], String.raw`${B}ops_eyJ[A-Za-z0-9+/]{100,}={0,3}(?![A-Za-z0-9+/=])`),
  rule("1password-secret-key", ["A3-"], String.raw`${B}A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}${E}`),
  rule("age-secret-key", ["age-secret-key-1"], String.raw`AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}${E}`),
  // Clouds.
  rule("aws-access-key-id", ["a3t", "akia", "agpa", "aida", "aroa", "aipa", "anpa", "anva", "asia", "abia", "acca"], String.raw`\b(?:A3T[A-Z0-9]|AKIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b`),
  rule("aws-session-token", ["IQoJb3JpZ2luX2Vj", "FwoGZXIvYXdzE"], String.raw`(?<![A-Za-z0-9+/])(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdzE)[A-Za-z0-9+/]{80,}={0,2}(?![A-Za-z0-9+/=])`),
  rule("alibaba-access-key-id", ["ltai"], String.raw`${B}LTAI[A-Za-z0-9]{20}${E}`, randomish(3)),
  rule("google-api-key", ["aiza"], String.raw`${B}AIza[0-9A-Za-z_-]{35}${E_DASH}`),
  rule("google-oauth-token", ["ya29."], String.raw`${B}ya29\.[0-9A-Za-z_-]{20,}${E_DASH}`),
  rule("google-oauth-token", ["1//0"], String.raw`(?<![A-Za-z0-9_/])1//0[0-9A-Za-z_-]{30,}${E_DASH}`),
  rule("google-oauth-client-secret", ["gocspx-"], String.raw`${B}GOCSPX-[0-9A-Za-z_-]{28}${E_DASH}`),
  rule("azure-ad-client-secret", ["q~"], String.raw`Q~(?<=(?<![A-Za-z0-9_~.])[A-Za-z0-9_~.]{3}\dQ~)[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])`, undefined, "g", 4),
  rule("azure-storage-key", ["accountkey="], String.raw`AccountKey=([A-Za-z0-9+/]{86}==)`, undefined, "gi"),
  rule("cloudflare-api-token", ["cfk_", "cfut_", "cfat_"], String.raw`${B}cf(?:k|ut|at)_[A-Za-z0-9]{40}[a-f0-9]{8}${E}`),
  rule("cloudflare-origin-ca-key", ["v1.0-"], String.raw`${B}v1\.0-[a-f0-9]{24}-[a-f0-9]{146}${E}`),
  rule("digitalocean-token", ["doo_v1_", "dop_v1_", "dor_v1_"], String.raw`${B}do[opr]_v1_[a-f0-9]{64}${E}`),
  rule("heroku-api-key", ["hrku-aa"], String.raw`${B}HRKU-AA[0-9a-zA-Z_-]{58}${E_DASH}`),
  rule("openshift-token", ["sha256~"], String.raw`${B}sha256~[A-Za-z0-9_-]{43}${E_DASH}`),
  rule("dynatrace-token", ["dt0c01."], String.raw`${B}dt0c01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}${E}`),
  rule("clickhouse-cloud-key", ["4b1d"], String.raw`${B}4b1d[A-Za-z0-9]{38}${E}`, mixedCase),
];

export const SAAS_RULES: readonly RegexRule[] = [
  // AI providers.
  rule("anthropic-api-key", ["sk-ant-"], String.raw`${B}sk-ant-[a-z]{3,6}\d{2}-[A-Za-z0-9_-]{32,}${E_DASH}`),
  rule("openai-api-key", ["sk-"], String.raw`${B}sk-(?!ant-)[A-Za-z0-9_-]{32,}${E_DASH}`, randomish(3.5)),
  rule("groq-api-key", ["gsk_"], String.raw`${B}gsk_[A-Za-z0-9]{52}${E}`),
  rule("huggingface-token", ["hf_", "api_org_"], String.raw`${B}(?:hf|api_org)_[A-Za-z0-9]{30,}${E}`, mixedCase),
  rule("perplexity-api-key", ["pplx-"], String.raw`${B}pplx-[A-Za-z0-9]{48}${E}`),
  rule("xai-api-key", ["xai-"], String.raw`${B}xai-[A-Za-z0-9]{70,}${E}`),
  rule("replicate-token", ["r8_"], String.raw`${B}r8_[A-Za-z0-9]{37}${E}`),
  rule("langsmith-api-key", ["lsv2_"], String.raw`${B}lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}${E}`),
  // Chat and notifications. The Slack start boundary also excludes `-`, so `xoxb-xoxb-…` is tried
  // once per run rather than once per repetition (the old rule was quadratic there).
  rule("slack-token", ["xox", "xapp-"], String.raw`(?<![A-Za-z0-9_-])(?:xox[abposre]|xapp|xoxe\.xox[bp])(?:-[A-Za-z0-9]{1,200}){2,6}(?![A-Za-z0-9-])`, (s) => s.length >= 24 && hasDigit(s)),
  rule("slack-webhook", ["hooks.slack.com"], String.raw`https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{20,}`),
  rule("discord-webhook", ["/api/webhooks/"], String.raw`https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/[0-9]{5,30}/[A-Za-z0-9_-]{20,}`),
  rule("teams-webhook", ["webhook.office.com"], String.raw`https://[a-z0-9-]{1,64}\.webhook\.office\.com/webhookb2/[A-Za-z0-9@/_-]{40,}`),
  rule("telegram-bot-token", [":AA"], String.raw`(?<![0-9])[0-9]{6,12}:AA[A-Za-z0-9_-]{33}${E_DASH}`),
  rule("mailgun-key", ["key-"], String.raw`(?<![A-Za-z0-9_-])(?:pub)?key-[a-z0-9]{32}${E}`, randomish(3)),
  rule("mailchimp-api-key", ["-us0", "-us1", "-us2", "-us3", "-us4", "-us5", "-us6", "-us7", "-us8", "-us9"], String.raw`-us(?<=${B}[a-f0-9]{32}-us)[0-9]{1,2}${E}`, undefined, "g", 32),
  rule("sendgrid-api-key", ["sg."], String.raw`${B}SG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}${E_DASH}`),
  rule("sendinblue-api-key", ["xkeysib-", "xsmtpsib-"], String.raw`${B}x(?:keysib|smtpsib)-[a-f0-9]{64}-[A-Za-z0-9]{16}${E}`),
  rule("twilio-api-key", ["SK"], String.raw`${B}SK[0-9a-fA-F]{32}${E}`),
  // Payments and commerce.
  rule("stripe-key", ["sk_", "rk_", "pk_", "whsec_"], String.raw`${B}(?:(?:sk|rk|pk)_(?:test|live|prod)_[A-Za-z0-9]{10,}|whsec_[A-Za-z0-9]{24,})${E}`),
  rule("square-token", ["sq0atp-", "sq0csp-", "EAAA"], String.raw`${B}(?:EAAA|sq0atp-|sq0csp-)[A-Za-z0-9_-]{22,}${E_DASH}`, randomish(3)),
  rule("shopify-token", ["shpat_", "shpca_", "shppa_", "shpss_"], String.raw`${B}shp(?:at|ca|pa|ss)_[A-Za-z0-9]{32,64}${E}`),
  rule("shippo-token", ["shippo_"], String.raw`${B}shippo_(?:live|test)_[a-fA-F0-9]{40}${E}`),
  rule("duffel-token", ["duffel_"], String.raw`${B}duffel_(?:test|live)_[A-Za-z0-9_=-]{43}${E_DASH}`),
  rule("easypost-token", ["EZAK", "EZTK"], String.raw`${B}EZ[AT]K[A-Za-z0-9]{54}${E}`),
  rule("flutterwave-key", ["flwseck", "flwpubk"], String.raw`${B}FLW(?:SECK|PUBK)(?:_TEST)?-[a-hA-H0-9]{12,32}(?:-X)?${E}`),
  rule("facebook-token", ["EAAM", "EAAC"], String.raw`${B}EAA[MC][A-Za-z0-9]{100,}${E}`),
  // Observability, hosting and the rest.
  rule("grafana-token", ["glc_", "glsa_", "eyjrijoi"], String.raw`${B}(?:glc_[A-Za-z0-9+/]{32,}={0,3}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|eyJrIjoi[A-Za-z0-9]{60,}={0,3})(?![A-Za-z0-9+/=])`),
  rule("new-relic-key", ["NRAK-", "NRJS-", "NRII-"], String.raw`${B}(?:NRAK-[A-Z0-9]{27}|NRJS-[a-f0-9]{19}|NRII-[A-Za-z0-9-]{32})${E}`),
  rule("sentry-token", ["sntryu_", "sntrys_"], String.raw`${B}(?:sntryu_[a-f0-9]{64}|sntrys_eyJpYXQiO[A-Za-z0-9+/=_]{50,})(?![A-Za-z0-9+/=_])`),
  rule("settlemint-token", ["sm_aat_", "sm_pat_", "sm_sat_"], String.raw`${B}sm_[aps]at_[A-Za-z0-9]{16}${E}`),
  rule("typeform-token", ["tfp_"], String.raw`${B}tfp_[A-Za-z0-9_.=-]{59}${E_DASH}`),
  rule("frameio-token", ["fio-u-"], String.raw`${B}fio-u-[A-Za-z0-9_=-]{64}${E_DASH}`),
  rule("adobe-client-secret", ["p8e-"], String.raw`${B}p8e-[A-Za-z0-9]{32}${E}`),
  rule("intra42-client-secret", ["s-s4t2"], String.raw`${B}s-s4t2(?:ud|af)-[a-f0-9]{64}${E}`),
  rule("maxmind-license-key", ["_mmk"], String.raw`_mmk(?<=${B}[A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk)${E}`, undefined, "g", 36),
  rule("defined-networking-token", ["dnkey-"], String.raw`${B}dnkey-[A-Za-z0-9=_-]{26}-[A-Za-z0-9=_-]{52}${E_DASH}`),
  rule("authress-key", ["sc_", "ext_", "scauth_", "authress_"], String.raw`${B}(?:sc|ext|scauth|authress)_[A-Za-z0-9]{5,30}\.[A-Za-z0-9]{4,6}\.acc[_-][A-Za-z0-9-]{10,32}\.[A-Za-z0-9+/_=-]{30,}(?![A-Za-z0-9+/_=-])`),
  rule("yandex-api-key", ["AQVN"], String.raw`${B}AQVN[A-Za-z0-9_-]{35,38}${E_DASH}`),
  rule("mapbox-token", ["pk.ey", "sk.ey"], String.raw`${B}[ps]k\.eyJ1Ijoi[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}${E_DASH}`),
  rule("airtable-token", ["pat"], String.raw`${B}pat[A-Za-z0-9]{14}\.[a-f0-9]{64}${E}`),
];

export function prefixedDetectors(): Detector[] {
  return regexDetectors([...PREFIXED_RULES, ...SAAS_RULES]);
}
