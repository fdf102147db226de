// One design measured in a child process of its own (design_child.ts): a fresh isolate, heap and
// set of threads for each design, so the order the designs run in does not change their figures.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DesignKey } from './designs.ts';
import type { RunSummary } from './loop_summary.ts';

const kDesignChild = fileURLToPath(new URL('./design_child.ts', import.meta.url));

export interface DesignChildRequest {
  key: DesignKey;
  /** Agent threads of the threaded designs (and the automatic design's threaded candidate). */
  threads: number;
  mode: 'lockstep' | 'realtime';
  /** Rows of the default fixture replayed first and not measured (the cursor then goes on from there). */
  warmRows: number;
  warmMaxMs: number;
  /** Rows measured, and the budget of that replay (cut short after it). */
  rows: number;
  maxMs: number;
}

export type DesignChildResult = { ok: true; label: string; summary: RunSummary } | { ok: false; error: string };

/**
 * Runs `script reqFile resFile` in a new process with `request` written to reqFile, and resolves
 * with what it wrote to resFile ({ ok: true, ... } or { ok: false, error }). Rejects when the child
 * exits non-zero (with the end of its stderr), reports an error, or runs past `limitMs`.
 */
function runChild<R extends { ok: boolean }>(script: string, request: unknown, what: string, limitMs: number): Promise<R & { ok: true }> {
  const dir = mkdtempSync(join(tmpdir(), 'lucent-child-'));
  const reqFile = join(dir, 'request.json');
  const resFile = join(dir, 'result.json');
  writeFileSync(reqFile, JSON.stringify(request));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, reqFile, resFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => { stderr = (stderr + b.toString('utf8')).slice(-4000); });
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, limitMs);
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      try {
        if (timedOut) throw new Error(`${what}: stopped after ${Math.round(limitMs / 1000)} s`);
        if (code !== 0) throw new Error(`${what}: child exited with ${sig ?? `code ${code}`}${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
        const r = JSON.parse(readFileSync(resFile, 'utf8')) as R | { ok: false; error: string };
        if (!r.ok) throw new Error((r as { error: string }).error);
        resolve(r as R & { ok: true });
      } catch (err) {
        reject(err as Error);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

/** Runs the request in a new process; rejects when the child fails or runs past `limitMs`. */
export async function measureInChild(req: DesignChildRequest, limitMs = 120_000): Promise<{ label: string; summary: RunSummary }> {
  const r = await runChild<DesignChildResult>(kDesignChild, req, `design ${req.key}`, limitMs);
  return { label: r.label, summary: r.summary };
}

const kFnChild = fileURLToPath(new URL('./fn_child.ts', import.meta.url));

/** What fn_child.ts runs: the export `fn` of `module` (a file URL), called with `arg`. */
export interface FnChildRequest { module: string; fn: string; arg: unknown }

/**
 * Calls `fn(arg)` (an async export of the module at `moduleUrl`) in a new process (fn_child.ts) and
 * returns what it returned (JSON). Used where a scenario runs several designs one after another:
 * each gets a fresh isolate, heap and set of threads, as measureInChild gives the saturation.
 * Rejects when the function throws, the child fails, or it runs past `limitMs`.
 */
export async function callInChild<T>(moduleUrl: string, fn: string, arg: unknown, what: string, limitMs = 300_000): Promise<T> {
  const r = await runChild<{ ok: true; value: T }>(kFnChild, { module: moduleUrl, fn, arg } satisfies FnChildRequest, what, limitMs);
  return r.value;
}

/**
 * A child script's entry (design_child.ts, fn_child.ts): `node <script> <request.json>
 * <result.json>` runs `main` on the two paths, then exits explicitly (a design that failed
 * half-way may leave agent threads behind); a missing path is a usage error (exit 2), a `main`
 * that throws exit 1 with its stack.
 */
export function childEntry(name: string, script: string, main: (requestFile: string, resultFile: string) => Promise<void>): void {
  const [requestFile, resultFile] = process.argv.slice(2);
  if (!requestFile || !resultFile) {
    process.stderr.write(`usage: node ${script} <request.json> <result.json>\n`);
    process.exit(2);
  }
  main(requestFile, resultFile).then(() => process.exit(0), (err: unknown) => {
    process.stderr.write(`${name} failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
