// Which station each transaction belongs to, remembered in this process, so that a MeterValues
// (the most frequent write of a fleet) does not read the transactions row only to check that its
// transactionId exists and belongs to the sending station (issue #4: that SELECT, and building
// it, ran once per MeterValues).
//
// Why a remembered entry cannot go stale, in this process or with other processes writing the
// same database (a future cluster): a transaction's id and station_id never change once it is
// committed (stopping it sets only the stop columns), transactions are never deleted, and ids
// are never handed out twice (AUTOINCREMENT on SQLite, a sequence on PostgreSQL). So only
// committed (id -> station) facts are remembered, after the write that inserted or read the row
// has committed (a rolled-back insert would leave an id that does not exist, and SQLite may hand
// it out again). "No such transaction" is never remembered: such an id is asked of the database
// every time, as before, so a transaction created later (here or by another node) is found.
// A change that ever deletes transactions, moves them to another station or restores a database
// under a running process must call forget() (or clear()) for the ids it touches.
export class TransactionOwners {
  readonly #stationOf = new Map<number, string>();
  readonly #max: number;

  /** `max` entries at most; the oldest learned is dropped first (and simply read again on its next use). */
  constructor(max = 65_536) {
    this.#max = Math.max(1, max);
  }

  /** The station of a committed transaction, or undefined when not known here (ask the database). */
  stationOf(transactionId: number): string | undefined {
    return this.#stationOf.get(transactionId);
  }

  /** Call only once the row is committed. */
  remember(transactionId: number, stationId: string): void {
    if (this.#stationOf.has(transactionId)) return;
    this.#stationOf.set(transactionId, stationId);
    if (this.#stationOf.size > this.#max) this.#stationOf.delete(this.#stationOf.keys().next().value as number);
  }

  forget(transactionId: number): void {
    this.#stationOf.delete(transactionId);
  }

  clear(): void {
    this.#stationOf.clear();
  }

  get size(): number {
    return this.#stationOf.size;
  }
}
