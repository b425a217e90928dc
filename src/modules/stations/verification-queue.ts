// The bounded queue every expensive credential check (a scrypt run, ~17 ms of a core) waits in
// (issue 11). Bounded in concurrency, in length and per client address; a full queue refuses at
// once (the gateway answers 503 with Retry-After) instead of queueing without end. Fair: each
// address has its own lane and lanes take turns, so one address flooding the door does not put
// a real charger behind thousands of checks; addresses without recent failures ("clean") are
// served before suspect ones, and a clean check arriving at a full queue takes the place of a
// suspect one. Checks that need no expensive work (a verified-cache hit) never come here.

export class VerificationQueueFullError extends Error {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super('too many credential checks waiting');
    this.name = 'VerificationQueueFullError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export interface VerificationQueueOptions {
  /** checks running at once */
  concurrency: number;
  /** checks waiting, all addresses together */
  maxWaiting: number;
  /** checks waiting from one address */
  maxWaitingPerAddress: number;
}

interface Job {
  start(): void;
  reject(err: Error): void;
}

type Lane = Map<string, Job[]>;

export interface VerificationQueueStats {
  running: number;
  waiting: number;
  /** checks run since start */
  started: number;
  /** checks refused because the queue was full (including suspect ones displaced by clean ones) */
  refused: number;
}

export class VerificationQueue {
  readonly #options: VerificationQueueOptions;
  readonly #clean: Lane = new Map();
  readonly #suspect: Lane = new Map();
  readonly #perAddress = new Map<string, number>();
  #running = 0;
  #waiting = 0;
  #started = 0;
  #refused = 0;
  /** moving average of a check's duration, for Retry-After */
  #avgMs = 20;

  constructor(options: VerificationQueueOptions) {
    this.#options = options;
  }

  stats(): VerificationQueueStats {
    return { running: this.#running, waiting: this.#waiting, started: this.#started, refused: this.#refused };
  }

  /** Runs check() when its turn comes; rejects with VerificationQueueFullError when there is no room. */
  run<T>(address: string, suspect: boolean, check: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const job: Job = {
        start: () => {
          this.#running++;
          this.#started++;
          const began = performance.now();
          check()
            .then(resolve, reject)
            .finally(() => {
              this.#avgMs = this.#avgMs * 0.9 + (performance.now() - began) * 0.1;
              this.#running--;
              this.#next();
            });
        },
        reject,
      };
      if (this.#running < this.#options.concurrency && this.#waiting === 0) return job.start();
      if ((this.#perAddress.get(address) ?? 0) >= this.#options.maxWaitingPerAddress) return this.#refuse(job);
      if (this.#waiting >= this.#options.maxWaiting && (suspect || !this.#displaceSuspect())) return this.#refuse(job);
      const lane = suspect ? this.#suspect : this.#clean;
      const jobs = lane.get(address);
      if (jobs === undefined) lane.set(address, [job]);
      else jobs.push(job);
      this.#perAddress.set(address, (this.#perAddress.get(address) ?? 0) + 1);
      this.#waiting++;
    });
  }

  #retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(((this.#waiting + 1) * this.#avgMs) / this.#options.concurrency / 1000));
  }

  #refuse(job: Job): void {
    this.#refused++;
    job.reject(new VerificationQueueFullError(this.#retryAfterSeconds()));
  }

  /** Drops the newest check of the suspect address with the most waiting; false when none waits. */
  #displaceSuspect(): boolean {
    let worst: string | null = null;
    let most = 0;
    for (const [address, jobs] of this.#suspect) {
      if (jobs.length > most) {
        worst = address;
        most = jobs.length;
      }
    }
    if (worst === null) return false;
    const jobs = this.#suspect.get(worst)!;
    const job = jobs.pop()!;
    if (jobs.length === 0) this.#suspect.delete(worst);
    this.#left(worst);
    this.#refuse(job);
    return true;
  }

  #left(address: string): void {
    this.#waiting--;
    const n = (this.#perAddress.get(address) ?? 1) - 1;
    if (n === 0) this.#perAddress.delete(address);
    else this.#perAddress.set(address, n);
  }

  #next(): void {
    while (this.#running < this.#options.concurrency && this.#waiting > 0) {
      const lane = this.#clean.size > 0 ? this.#clean : this.#suspect;
      // Lanes take turns: the first address's first job, and that address goes to the back.
      const [address, jobs] = lane.entries().next().value!;
      const job = jobs.shift()!;
      lane.delete(address);
      if (jobs.length > 0) lane.set(address, jobs);
      this.#left(address);
      job.start();
    }
  }
}
