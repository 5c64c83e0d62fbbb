// Seeded randomness and a manual clock, so nothing in these tests depends on wall-clock time.

/** mulberry32: a tiny seeded PRNG; the same seed gives the same sequence. */
export { mulberry32 as seeded } from "@hybrid/test-utils";

/** A clock the test moves by hand. */
export function manualClock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return { now: () => time, advance: (ms) => void (time += ms) };
}

/** A sleep that records the delays and returns at once. */
export function recordingSleep(): { delays: number[]; sleep: (ms: number) => Promise<void> } {
  const delays: number[] = [];
  return {
    delays,
    sleep: async (ms) => {
      delays.push(ms);
    },
  };
}

/** An error whose class is decided by the fields given. */
export function failure(fields: Record<string, unknown>, message = "boom"): Error {
  return Object.assign(new Error(message), fields);
}
