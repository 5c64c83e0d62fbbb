// `GitHubServer.holdNext`: a request is handled as usual (a POSTed comment is stored) but its
// response is held until the test releases it, so a client killed meanwhile never learns what
// GitHub did — the moment a duplicate side effect is born.
import type { ServerResponse } from "node:http";
import type { RecordedRequest } from "./github-server.js";

type Match = (request: { method: string; path: string }) => boolean;

/** The holds of one server: armed by `holdNext`, claimed by the next matching request. */
export function createResponseHolds() {
  const armed: Array<{ match: Match; gate: Promise<void>; handled: (request: RecordedRequest) => void }> = [];
  const held = new WeakMap<ServerResponse, { gate: Promise<void>; handled: (status: number) => void }>();
  return {
    /** A new request: held if an armed hold matches it (the first one that does). */
    claim(entry: RecordedRequest, res: ServerResponse): void {
      const index = armed.findIndex((h) => h.match({ method: entry.method, path: entry.path }));
      if (index < 0) return;
      const [{ gate, handled }] = armed.splice(index, 1) as [(typeof armed)[number]];
      held.set(res, {
        gate,
        handled: (status) => {
          entry.status = status;
          handled(entry);
        },
      });
    },
    /** Sends `res` now, or once its hold is released. */
    respond(res: ServerResponse, status: number, send: () => void): void {
      const hold = held.get(res);
      if (hold === undefined) return send();
      hold.handled(status);
      void hold.gate.then(send);
    },
    holdNext(match: Match): { held: Promise<RecordedRequest>; release(): void } {
      let open!: () => void;
      let handled!: (request: RecordedRequest) => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      const request = new Promise<RecordedRequest>((resolve) => (handled = resolve));
      const hold = { match, gate, handled };
      armed.push(hold);
      return {
        held: request,
        release() {
          // Not matched yet: it never will be.
          if (armed.includes(hold)) armed.splice(armed.indexOf(hold), 1);
          open();
        },
      };
    },
  };
}
