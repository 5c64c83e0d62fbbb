/**
 * Credentials without a distinctive prefix, recognised by the provider's name in the key and the
 * documented shape of the value (`HEROKU_API_KEY=<uuid>`, `twitter_secret: <50 alphanumerics>`), as
 * gitleaks' provider rules do. The regex starts at the provider name (the keyword), allows a short
 * rest of key, an assignment operator and quotes, all with bounded quantifiers, then the value.
 */
import { entropy } from "./classify.js";
import type { Detector } from "./detector.js";

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

/** kind, provider keywords (lower case), value shape (matched case-insensitively), minimum entropy. */
type KeyedRule = readonly [kind: string, keywords: readonly string[], value: string, minEntropy?: number];

const KEYED: readonly KeyedRule[] = [
  ["adafruit-api-key", ["adafruit"], "[a-z0-9_-]{32}"],
  ["adobe-client-id", ["adobe"], "[a-f0-9]{32}", 2],
  ["airtable-api-key", ["airtable"], "[a-z0-9]{17}"],
  ["algolia-api-key", ["algolia"], "[a-z0-9]{32}"],
  ["alibaba-secret-key", ["alibaba"], "[a-z0-9]{30}", 2],
  ["asana-token", ["asana"], "[0-9]{16}|[a-z0-9]{32}"],
  ["atlassian-token", ["atlassian", "confluence", "jira"], "[a-z0-9]{20}[a-f0-9]{4}", 3.5],
  ["beamer-api-token", ["beamer"], "b_[a-z0-9=_-]{44}"],
  ["bitbucket-client-secret", ["bitbucket"], "[a-z0-9]{32}|[a-z0-9=_-]{64}"],
  ["bittrex-key", ["bittrex"], "[a-z0-9]{32}"],
  ["cisco-meraki-api-key", ["meraki"], "[0-9a-f]{40}", 3],
  ["cloudflare-api-key", ["cloudflare", "cf_api"], "[a-z0-9_-]{40}|[a-f0-9]{37}", 2],
  ["codecov-token", ["codecov"], "[a-z0-9]{32}"],
  ["cohere-api-key", ["cohere", "co_api_key"], "[a-z0-9]{40}", 4],
  ["coinbase-token", ["coinbase"], "[a-z0-9_-]{64}"],
  ["confluent-key", ["confluent"], "[a-z0-9]{64}|[a-z0-9]{16}"],
  ["contentful-token", ["contentful"], "[a-z0-9=_-]{43}"],
  ["datadog-token", ["datadog"], "[a-z0-9]{40}"],
  ["discord-token", ["discord"], "[a-f0-9]{64}|[a-z0-9=_-]{32}|[0-9]{18}", 2],
  ["droneci-token", ["droneci"], "[a-z0-9]{32}"],
  ["dropbox-token", ["dropbox"], "sl\\.[a-z0-9=_-]{135}|[a-z0-9]{11}AAAAAAAAAA[a-z0-9=_-]{43}|[a-z0-9]{15}"],
  ["etsy-token", ["etsy"], "[a-z0-9]{24}", 3],
  ["facebook-token", ["facebook"], "[a-f0-9]{32}|[0-9]{15,16}(?:\\||%)[0-9a-z_-]{27,40}", 3],
  ["fastly-api-token", ["fastly"], "[a-z0-9=_-]{32}"],
  ["finicity-token", ["finicity"], "[a-f0-9]{32}|[a-z0-9]{20}"],
  ["finnhub-token", ["finnhub"], "[a-z0-9]{20}"],
  ["flickr-token", ["flickr"], "[a-z0-9]{32}"],
  ["freshbooks-token", ["freshbooks"], "[a-z0-9]{64}"],
  ["gitter-token", ["gitter"], "[a-z0-9_-]{40}"],
  ["gocardless-token", ["gocardless"], "live_[a-z0-9=_-]{40}"],
  ["heroku-api-key", ["heroku"], UUID],
  ["hubspot-api-key", ["hubspot"], UUID],
  ["intercom-token", ["intercom"], "[a-z0-9=_-]{60}"],
  ["jfrog-token", ["jfrog", "artifactory", "bintray", "xray"], "[a-z0-9]{73}|[a-z0-9]{64}"],
  ["kraken-token", ["kraken"], "[a-z0-9/=_+-]{80,90}"],
  ["kucoin-key", ["kucoin"], `${UUID}|[a-f0-9]{24}`],
  ["launchdarkly-token", ["launchdarkly"], "[a-z0-9=_-]{40}"],
  ["linear-client-secret", ["linear"], "[a-f0-9]{32}", 2],
  ["linkedin-client-secret", ["linkedin", "linked_in", "linked-in"], "[a-z0-9]{16}|[a-z0-9]{14}", 2],
  ["lob-api-key", ["lob"], "(?:live|test)_(?:pub_[a-f0-9]{31}|[a-f0-9]{35})"],
  ["mailgun-key", ["mailgun"], "[a-h0-9]{32}-[a-h0-9]{8}-[a-h0-9]{8}"],
  ["mapbox-token", ["mapbox"], "pk\\.[a-z0-9]{60}\\.[a-z0-9]{22}"],
  ["mattermost-token", ["mattermost"], "[a-z0-9]{26}"],
  ["messagebird-token", ["messagebird", "message-bird", "message_bird"], `${UUID}|[a-z0-9]{25}`],
  ["netlify-token", ["netlify"], "[a-z0-9=_-]{40,46}"],
  ["new-relic-key", ["new-relic", "newrelic", "new_relic"], "[a-z0-9]{64}"],
  ["nytimes-token", ["nytimes", "new-york-times", "newyorktimes"], "[a-z0-9=_-]{32}"],
  ["okta-token", ["okta"], "00[a-z0-9_=-]{40}", 4],
  ["plaid-key", ["plaid"], `access-(?:sandbox|development|production)-${UUID}|[a-z0-9]{30}|[a-z0-9]{24}`, 3.5],
  ["privateai-token", ["privateai", "private_ai", "private-ai"], "[a-z0-9]{32}", 3],
  ["rapidapi-token", ["rapidapi"], "[a-z0-9_-]{50}"],
  ["sendbird-token", ["sendbird"], `${UUID}|[a-f0-9]{40}`],
  ["sentry-token", ["sentry"], "[a-f0-9]{64}", 3],
  ["sidekiq-secret", ["bundle_enterprise__contribsys__com", "bundle_gems__contribsys__com"], "[a-f0-9]{8}:[a-f0-9]{8}"],
  ["snyk-token", ["snyk"], UUID],
  ["sonar-token", ["sonar"], "[a-z0-9=_-]{40}"],
  ["squarespace-token", ["squarespace"], UUID],
  ["sumologic-key", ["sumo"], "su[a-z0-9]{12}|[a-z0-9]{64}", 3],
  ["telegram-bot-token", ["telegr"], "[0-9]{5,16}:A[a-z0-9_-]{34}"],
  ["travisci-token", ["travis"], "[a-z0-9]{22}"],
  ["twilio-auth-token", ["twilio"], "[a-f0-9]{32}", 3],
  ["twitch-token", ["twitch"], "[a-z0-9]{30}"],
  ["twitter-token", ["twitter"], "A{22}[a-z0-9%]{80,100}|[0-9]{15,25}-[a-z0-9]{20,40}|[a-z0-9]{50}|[a-z0-9]{45}|[a-z0-9]{25}"],
  ["typeform-token", ["typeform"], "tfp_[a-z0-9_.=-]{59}"],
  ["yandex-token", ["yandex"], "t1\\.[a-z0-9_-]{1,200}={0,2}\\.[a-z0-9_-]{86}={0,2}|YC[a-z0-9_-]{38}"],
  ["zendesk-secret-key", ["zendesk"], "[a-z0-9]{40}"],
];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

// Key rest, quotes, operator, quotes: each part bounded, so a failed attempt costs a few dozen steps.
const ASSIGN = String.raw`[\w.-]{0,20}[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}`;
const VALUE_END = "(?![A-Za-z0-9_+/=-])";

interface CompiledKeyed {
  kind: string;
  /** Sticky: tried exactly where the assignment ends. */
  value: RegExp;
  minEntropy: number;
}

/**
 * One pass for all provider rules: a single regex finds `<provider name><rest of key><operator>`,
 * then the value shapes of the rules that own that provider name are tried where it ends. Seventy
 * separate passes cost about 50 ms per MB of text that names every provider; this costs about 6.
 */
export function keyedDetector(): Detector {
  const byKeyword = new Map<string, CompiledKeyed[]>();
  for (const [kind, keywords, value, minEntropy = 0] of KEYED) {
    const compiled = { kind, value: new RegExp(`(?:${value})${VALUE_END}`, "iy"), minEntropy };
    for (const keyword of keywords) byKeyword.set(keyword, [...(byKeyword.get(keyword) ?? []), compiled]);
  }
  const names = [...byKeyword.keys()].sort((a, b) => b.length - a.length).map(escape);
  const assignment = new RegExp(`(${names.join("|")})${ASSIGN}`, "gi");
  return {
    kinds: [...new Set(KEYED.map(([kind]) => kind))],
    keywords: [...byKeyword.keys()],
    find(text, out) {
      assignment.lastIndex = 0;
      for (let m = assignment.exec(text); m !== null; m = assignment.exec(text)) {
        const at = assignment.lastIndex;
        // Without a value here, another provider name inside this key (`TWITTER_JIRA_KEY`) gets
        // its turn: the search resumes one character on, at most a bounded key length back.
        assignment.lastIndex = m.index + 1;
        for (const rule of byKeyword.get(m[1]!.toLowerCase())!) {
          rule.value.lastIndex = at;
          const value = rule.value.exec(text)?.[0];
          if (value === undefined || entropy(value) < rule.minEntropy) continue;
          out.push({ kind: rule.kind, start: at, end: at + value.length });
          assignment.lastIndex = at + value.length;
          break;
        }
      }
    },
  };
}
