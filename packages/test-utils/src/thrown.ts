import { expect } from "vitest";

/** What `fn` throws; fails the test when it does not throw (a `try/catch` that cannot pass silently). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return expect.unreachable("expected a throw");
}
