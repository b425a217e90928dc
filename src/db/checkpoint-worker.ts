// The worker half of src/db/checkpointer.ts: its own connection to the database file, running
// PASSIVE checkpoints when asked. PASSIVE never waits for a lock and never blocks the writer;
// with synchronous=NORMAL it fsyncs the WAL before copying and the database file after, here,
// off the event loop that serves the chargers.
import { parentPort, workerData } from 'node:worker_threads';
import { DatabaseSync } from 'node:sqlite';

const db = new DatabaseSync((workerData as { path: string }).path);
db.exec('PRAGMA synchronous = NORMAL');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');

parentPort!.on('message', (message: string) => {
  if (message === 'stop') {
    db.close();
    parentPort!.close();
    return;
  }
  try {
    const row = checkpoint.get() as { busy: number; log: number; checkpointed: number };
    parentPort!.postMessage({ ok: true, log: row.log, checkpointed: row.checkpointed });
  } catch (err) {
    parentPort!.postMessage({ ok: false, error: (err as Error).message });
  }
});
