// How a coordinator stops an attempt that runs on another machine: a key (read by a worker before
// it starts a job and at each lock check, so a missed message is caught) and a message on a
// channel (so a running agent is stopped at once).

/** The key that marks a job cancelled; the coordinator deletes it before the job runs again. */
export const cancelKey = (prefix: string, queue: string, jobId: string): string => `${prefix}:${queue}:hybrid-cancel:${jobId}`;

/** The channel a coordinator publishes a cancelled job's id on. */
export const cancelChannel = (prefix: string, queue: string): string => `${prefix}:${queue}:hybrid-cancel`;

/** The set of a run's job ids, so a resumed coordinator finds what its predecessor enqueued. */
export const runJobsKey = (prefix: string, queue: string, runId: string): string => `${prefix}:${queue}:hybrid-run:${encodeURIComponent(runId)}`;
