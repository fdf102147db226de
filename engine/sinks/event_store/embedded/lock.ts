// One process appends to an embedded log at a time: a lock file beside it holds the owner's pid.
// A lock left by a process that no longer runs (a crash) is taken over.
import { openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { EventStoreError } from '../errors.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock at `lockPath` for this process; returns a function that releases it. */
export function takeLock(lockPath: string, logPath: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(lockPath, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new EventStoreError(`cannot lock event log ${logPath} (${lockPath}): ${(err as Error).message}`, { cause: err });
      }
    }
    let owner = NaN;
    try { owner = Number(readFileSync(lockPath, 'utf8').trim()); } catch { /* vanished: retry */ }
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
      throw new EventStoreError(`event log ${logPath} is in use by process ${owner} (lock file ${lockPath}); one process appends to an embedded log at a time`);
    }
    if (owner === process.pid) {
      throw new EventStoreError(`event log ${logPath} is already open in this process (lock file ${lockPath})`);
    }
    rmSync(lockPath, { force: true }); // stale: its owner is gone
  }
  throw new EventStoreError(`cannot lock event log ${logPath}: another process keeps taking ${lockPath}`);
}
