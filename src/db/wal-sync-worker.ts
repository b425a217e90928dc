// The thread that fsyncs the WAL for src/db/wal-sync.ts. Not libuv's thread pool: that pool is
// shared, four threads, first in first out, and a few slow jobs there (DNS lookups of a webhook
// host that does not answer, a burst of password checks, large file reads) would hold every
// database write waiting for its fsync. Descriptors are process-wide, so the main thread's fd
// is valid here.
import { fdatasyncSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

parentPort!.on('message', (m: { id: number; fd: number } | 'stop') => {
  if (m === 'stop') {
    parentPort!.close();
    return;
  }
  try {
    fdatasyncSync(m.fd);
    parentPort!.postMessage({ id: m.id, ok: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    parentPort!.postMessage({ id: m.id, ok: false, message: e.message, code: e.code });
  }
});
