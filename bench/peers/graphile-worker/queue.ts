/** What the graphile-worker peer's web and worker agree on. */

/** graphile-worker's tables and functions live in a schema of the peer's own, dropped with it. */
export const workerSchema = (prefix: string): string => `${prefix}_worker`;

/** The task identifier (graphile-worker looks the executor up by it in the task list). */
export const TASK = 'create_customer';

/** A job's payload: the task row's id, nothing else (the row is the truth). */
export interface Payload {
  task: number;
}

/** Payloads are re-checked at run time: an older web may have added the job. */
export function readPayload(payload: unknown): Payload {
  const task = (payload as { task?: unknown } | null)?.task;
  if (!Number.isSafeInteger(task) || (task as number) <= 0) throw new Error(`${TASK}: payload needs a task id, got ${JSON.stringify(payload)}`);
  return { task: task as number };
}
