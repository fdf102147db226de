// The engine's CLI in a child process over the test fixture, for tests that kill it and run it again
// (resume after kill -9, resume from a snapshot): its exit, what it printed, and its outputs under `dir`.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kTestFixture } from './run_fixture.ts';

const kCli = new URL('../cli.ts', import.meta.url).pathname;

export interface Exit { code: number | null; signal: string | null; out: string; err: string }

/** Runs the CLI on the first `events` events of the test fixture; `killWhen` is polled every 20 ms and SIGKILLs it once true. */
export function cliChild(events: number, args: string[], killWhen?: () => boolean): Promise<Exit> {
  const proc = spawn(process.execPath, [kCli, '--fixture', kTestFixture, '--limit', String(events), '--quiet', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  proc.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const timer = killWhen ? setInterval(() => { if (killWhen()) { clearInterval(timer!); proc.kill('SIGKILL'); } }, 20) : null;
  return new Promise((resolve) => proc.on('exit', (code, signal) => {
    if (timer) clearInterval(timer);
    resolve({ code, signal, out, err });
  }));
}

/** The non-empty lines of a file (none when it does not exist). */
export const fileLines = (path: string): string[] => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l !== '') : []);

/** --decisions, --summary and --dead-letters for run `name` under `dir`. */
export const outputArgs = (dir: string, name: string): string[] => [
  '--decisions', join(dir, `${name}.jsonl`), '--summary', join(dir, `${name}.summary.json`), '--dead-letters', join(dir, `${name}.dl.jsonl`),
];
