// Job ids and queue names BullMQ accepts. BullMQ builds Redis keys as `<prefix>:<queue>:<jobId>`,
// so neither may contain ':', and a job id made only of digits is refused (it would collide with
// BullMQ's own counter ids). Run ids and node ids are the user's (checked `[A-Za-z0-9._-]`, `constructor`
// included), but any well-formed text encodes: a lone surrogate is not text and throws URIError.

/** Marks our ids and keeps them from ever being all digits. */
const JOB_ID_PREFIX = "h";

/** Percent-encodes everything but `[A-Za-z0-9._~-]` (so '/', ':' and '%' never appear raw). */
function encodePart(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The job id of a node of a run: `h/<run id>/<node id>`, each part percent-encoded. Injective (the
 * parts never contain a raw '/'), never contains ':', never all digits; one job per node of a run,
 * whatever the attempt, so a resumed coordinator finds the job its predecessor enqueued.
 */
export function encodeJobId(runId: string, nodeId: string): string {
  return `${JOB_ID_PREFIX}/${encodePart(runId)}/${encodePart(nodeId)}`;
}

/** The run and node a job id names, or undefined for an id `encodeJobId` did not make. */
export function decodeJobId(jobId: string): { runId: string; nodeId: string } | undefined {
  const parts = jobId.split("/");
  if (parts.length !== 3 || parts[0] !== JOB_ID_PREFIX) return undefined;
  try {
    const runId = decodeURIComponent(parts[1]!);
    const nodeId = decodeURIComponent(parts[2]!);
    return encodeJobId(runId, nodeId) === jobId ? { runId, nodeId } : undefined;
  } catch {
    return undefined;
  }
}

/** The prefix every job id of a run starts with. */
export function runJobIdPrefix(runId: string): string {
  return `${JOB_ID_PREFIX}/${encodePart(runId)}/`;
}

/** A queue name: what BullMQ and a Redis key accept, readable in `redis-cli`. */
export const QUEUE_NAME_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;

/** The queue hybrid uses when none is named. */
export const DEFAULT_QUEUE = "hybrid";
