import { createHash } from "node:crypto";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

/**
 * A seeded source of uniform numbers in [0, 1): the one PRNG of hybrid (pure-rand's
 * xoroshiro128+), seeded from a hash of `parts`, so the same parts give the same stream on every
 * platform and a value derived from (seed, node id, attempt) does not depend on what else ran first.
 * @example const random = seededRandom(42, "build-api", 3); const jitter = random();
 */
export function seededRandom(...parts: ReadonlyArray<string | number>): () => number {
  const digest = createHash("sha256").update(JSON.stringify(parts)).digest();
  const rng = xoroshiro128plus(digest.readInt32LE(0));
  return () => uniformFloat64(rng);
}
