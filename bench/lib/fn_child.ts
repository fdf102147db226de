// Runs one async function of a bench module in a process of its own (isolated.ts callInChild):
//   node bench/lib/fn_child.ts <request.json> <result.json>
// The request names the module (a file URL), the export and its argument; the result holds what
// the function returned, or its failure. Exits explicitly: a design that failed half-way may leave
// agent threads behind.
import { readFileSync, writeFileSync } from 'node:fs';
import { childEntry, type FnChildRequest } from './isolated.ts';
import { failureText } from '../scenarios/scenario.ts';

async function main(requestFile: string, resultFile: string): Promise<void> {
  let out: { ok: true; value: unknown } | { ok: false; error: string };
  try {
    const req = JSON.parse(readFileSync(requestFile, 'utf8')) as FnChildRequest;
    if (typeof req.module !== 'string' || !req.module.startsWith('file:')) throw new Error(`fn child: module must be a file URL, got "${String(req.module)}"`);
    const mod = (await import(req.module)) as Record<string, unknown>;
    const fn = mod[req.fn];
    if (typeof fn !== 'function') throw new Error(`fn child: ${req.module} has no function "${req.fn}"`);
    out = { ok: true, value: await (fn as (a: unknown) => Promise<unknown>)(req.arg) };
  } catch (err) {
    out = { ok: false, error: failureText(err) };
  }
  writeFileSync(resultFile, JSON.stringify(out));
}

childEntry('fn child', 'bench/lib/fn_child.ts', main);
