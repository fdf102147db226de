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

/** Runs the request in a new process; rejects when the child fails or runs past `limitMs`. */
export function measureInChild(req: DesignChildRequest, limitMs = 120_000): Promise<{ label: string; summary: RunSummary }> {
  const dir = mkdtempSync(join(tmpdir(), 'lucent-design-'));
  const reqFile = join(dir, 'request.json');
  const resFile = join(dir, 'result.json');
  writeFileSync(reqFile, JSON.stringify(req));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [kDesignChild, reqFile, resFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => { stderr = (stderr + b.toString('utf8')).slice(-4000); });
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, limitMs);
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      try {
        if (timedOut) throw new Error(`design ${req.key}: stopped after ${Math.round(limitMs / 1000)} s`);
        if (code !== 0) throw new Error(`design ${req.key}: child exited with ${sig ?? `code ${code}`}${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
        const r = JSON.parse(readFileSync(resFile, 'utf8')) as DesignChildResult;
        if (!r.ok) throw new Error(r.error);
        resolve({ label: r.label, summary: r.summary });
      } catch (err) {
        reject(err as Error);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
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
export function callInChild<T>(moduleUrl: string, fn: string, arg: unknown, what: string, limitMs = 300_000): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'lucent-fn-'));
  const reqFile = join(dir, 'request.json');
  const resFile = join(dir, 'result.json');
  writeFileSync(reqFile, JSON.stringify({ module: moduleUrl, fn, arg } satisfies FnChildRequest));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [kFnChild, reqFile, resFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => { stderr = (stderr + b.toString('utf8')).slice(-4000); });
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, limitMs);
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      try {
        if (timedOut) throw new Error(`${what}: stopped after ${Math.round(limitMs / 1000)} s`);
        if (code !== 0) throw new Error(`${what}: child exited with ${sig ?? `code ${code}`}${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
        const r = JSON.parse(readFileSync(resFile, 'utf8')) as { ok: true; value: T } | { ok: false; error: string };
        if (!r.ok) throw new Error(r.error);
        resolve(r.value);
      } catch (err) {
        reject(err as Error);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
