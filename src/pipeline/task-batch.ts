/**
 * Gathers the jobs a worker process starts in the same turn of its event loop
 * (BullMQ hands a busy worker several at once) into batches of at most `max`,
 * so that their tasks share one transaction and one COMMIT
 * (`runTaskBatch` in run-task.ts). A batch is sent on the next turn, or at
 * once when it is full; a job that arrives alone runs alone. Each job's
 * promise settles with its own task, not with the batch.
 */
export class TaskBatches<J> {
  private waiting: { job: J; resolve: () => void; reject: (err: unknown) => void }[] = [];

  constructor(
    private readonly max: number,
    /** Runs a batch of two or more; returns each job's own outcome, in order. */
    private readonly runBatch: (jobs: J[]) => Promise<Promise<void>[]>,
    private readonly runAlone: (job: J) => Promise<void>,
  ) {}

  run(job: J): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ job, resolve, reject });
      if (this.waiting.length >= this.max) this.send();
      else if (this.waiting.length === 1) setImmediate(() => this.send());
    });
  }

  private send(): void {
    const items = this.waiting;
    if (!items.length) return;
    this.waiting = [];
    const outcomes = items.length === 1 ? Promise.resolve([this.runAlone(items[0]!.job)]) : this.runBatch(items.map((i) => i.job));
    void outcomes.then(
      (each) => each.forEach((p, k) => p.then(items[k]!.resolve, items[k]!.reject)),
      (err: unknown) => items.forEach((i) => i.reject(err)),
    );
  }
}
