// Trainer processes for the learning integration tests: `node scripts/trainer.ts` children on a
// fresh bus prefix, started and ready (each prints "ready"), their output kept, stopped by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// A separate process (npm run trainer), not an import: the engine never imports scripts/.
const kTrainer = join(fileURLToPath(new URL('../../../scripts', import.meta.url)), 'trainer.ts');

export interface Trainers {
  logs: string[];
  stop(): Promise<void>;
}

export async function startTrainers(prefix: string, n: number): Promise<Trainers> {
  const procs: ChildProcess[] = [];
  const logs: string[] = [];
  const ready: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const p = spawn(process.execPath, [kTrainer, '--bus-prefix', prefix, '--id', `trainer-${i + 1}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    procs.push(p);
    logs.push('');
    ready.push(new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`trainer-${i + 1} not ready in 20 s: ${logs[i]}`)), 20_000);
      const take = (b: Buffer): void => {
        logs[i] += b.toString();
        if (logs[i]!.includes(' ready on ')) { clearTimeout(timer); resolve(); }
      };
      p.stdout!.on('data', take);
      p.stderr!.on('data', take);
      p.once('exit', (code) => { clearTimeout(timer); reject(new Error(`trainer-${i + 1} exited (${code}): ${logs[i]}`)); });
    }));
  }
  await Promise.all(ready);
  return {
    logs,
    async stop(): Promise<void> {
      await Promise.all(procs.map((p) => new Promise<void>((resolve) => {
        if (p.exitCode !== null) { resolve(); return; }
        p.removeAllListeners('exit');
        p.once('exit', () => resolve());
        p.kill('SIGTERM');
      })));
    },
  };
}
