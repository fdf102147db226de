// Measures one design in a process of its own, so that no design starts from another's JIT state,
// heap or threads (in one process, the design measured first paid the main thread's JIT tier-up
// that the later ones inherited: the same design measured first ran at about half the rate it ran
// second). Started by isolated.ts:
//   node bench/lib/design_child.ts <request.json> <result.json>
// The request names the design and the replays (warm-up, then the measured one); the result holds
// the design's label and the measured replay's summary, or the failure.
import { readFileSync, writeFileSync } from 'node:fs';
import { designSpecs, startDesign, type RunningDesign } from './designs.ts';
import { childEntry, type DesignChildRequest, type DesignChildResult } from './isolated.ts';
import { loadDefaultTape, TapeCursor } from './tapes.ts';
import { failureText } from '../scenarios/scenario.ts';

async function main(requestFile: string, resultFile: string): Promise<void> {
  const req = JSON.parse(readFileSync(requestFile, 'utf8')) as DesignChildRequest;
  const spec = designSpecs(req.threads).find((d) => d.key === req.key);
  if (!spec) throw new Error(`unknown design "${req.key}"`);
  const base = await loadDefaultTape();
  let running: RunningDesign | undefined;
  let out: DesignChildResult;
  try {
    running = await startDesign(spec, base.registry);
    const cursor = new TapeCursor(base.tape);
    await running.replay(cursor.take(req.warmRows), { mode: req.mode, rate: 0, maxMs: req.warmMaxMs });
    const p0 = process.cpuUsage(), m0 = process.threadCpuUsage();
    const s = await running.replay(cursor.take(req.rows), { mode: req.mode, rate: 0, maxMs: req.maxMs });
    const p = process.cpuUsage(p0), m = process.threadCpuUsage(m0);
    const perEvent = (u: NodeJS.CpuUsage): number => Math.round(((u.user + u.system) / Math.max(1, s.events)) * 100) / 100;
    s.cpu = { mainUsPerEvent: perEvent(m), processUsPerEvent: perEvent(p) };
    out = { ok: true, label: running.spec.label, summary: s };
  } catch (err) {
    out = { ok: false, error: failureText(err) };
  } finally {
    await running?.stop().catch(() => undefined);
  }
  writeFileSync(resultFile, JSON.stringify(out));
}

childEntry('design child', 'bench/lib/design_child.ts', main);
