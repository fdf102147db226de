// The targets of issue 6, checked against a run's metrics. Each says what was measured and, when
// missed, by how much.
import { fmtNum, fmtRatio, fmtUs } from './format.ts';
import type { Metric, TargetCheck } from './types.ts';

type Metrics = ReadonlyMap<string, Metric>;

function v(m: Metrics, key: string): number | null {
  const x = m.get(key);
  return x === undefined || !Number.isFinite(x.value) ? null : x.value;
}

function latencyTarget(m: Metrics, wait: string, limitUs: number): TargetCheck {
  const target = `p99 tick-to-decision ≤ ${fmtUs(limitUs)} at 100k events/s with ${wait}`;
  const rt = v(m, `open_loop.realtime.100k.${wait}.p99_us`);
  const ls = v(m, `open_loop.lockstep.100k.${wait}.p99_us`);
  if (rt === null) return { target, measured: 'not measured', ok: null, detail: 'run the open_loop scenario (a run that offers 100k events/s)' };
  const ok = rt <= limitUs;
  return {
    target, measured: `realtime p99 ${fmtUs(rt)}`, ok,
    detail: `${ok ? 'within' : `${fmtRatio(rt / limitUs)} over`} the target${ls === null ? '' : `; lockstep p99 ${fmtUs(ls)} (${ls <= limitUs ? 'within' : `${fmtRatio(ls / limitUs)} over`})`}`,
  };
}

export function checkTargets(m: Metrics): TargetCheck[] {
  const out: TargetCheck[] = [latencyTarget(m, 'spin', 100), latencyTarget(m, 'block', 1000)];

  const pis = v(m, 'open_loop.realtime.100k.piscina.p99_us');
  const eng = v(m, 'open_loop.realtime.100k.hybrid.p99_us');
  const t3 = '≥ 10× lower p99 than piscina.run() per agent (100k events/s)';
  if (pis === null || eng === null) out.push({ target: t3, measured: 'not measured', ok: null, detail: 'run the open_loop scenario' });
  else {
    const r = pis / eng;
    const others = ['spin', 'block'].map((w) => { const e = v(m, `open_loop.realtime.100k.${w}.p99_us`); return e === null ? '' : `${w} ${fmtRatio(pis / e)}`; }).filter(Boolean);
    const lp = v(m, 'open_loop.lockstep.100k.piscina.p99_us');
    const le = v(m, 'open_loop.lockstep.100k.hybrid.p99_us');
    out.push({
      target: t3, measured: `realtime: piscina p99 ÷ engine (hybrid) p99 = ${fmtRatio(r)}`, ok: r >= 10,
      detail: `${r >= 10 ? 'met' : `short by ${fmtRatio(10 / r)}`}; other waits: ${others.join(', ')}${lp !== null && le !== null ? `; lockstep ${fmtRatio(lp / le)}` : ''}`,
    });
  }

  const t4 = 'replay ≥ 1M events/s lockstep with the default agents';
  const sat = v(m, 'saturation.lockstep.hybrid.events_per_s');
  if (sat === null) out.push({ target: t4, measured: 'not measured', ok: null, detail: 'run the saturation scenario' });
  else {
    const best = ['spin', 'block', 'hybrid', 'inline'].map((k) => [k, v(m, `saturation.lockstep.${k}.events_per_s`)] as const).filter(([, x]) => x !== null)
      .sort((a, b) => b[1]! - a[1]!)[0]!;
    out.push({
      target: t4, measured: `engine default (hybrid): ${fmtNum(sat)} events/s`, ok: sat >= 1e6,
      detail: `${sat >= 1e6 ? 'met' : `${fmtRatio(1e6 / sat)} short`}; best design: ${best[0]} ${fmtNum(best[1]!)} events/s${best[1]! >= 1e6 ? '' : ` (${fmtRatio(1e6 / best[1]!)} short)`}`,
    });
  }

  const t5 = 'no young-generation GC during 1M events of steady-state hot path';
  const g = v(m, 'memory.t1.minor_gcs_per_1m');
  const gi = v(m, 'memory.inline.minor_gcs_per_1m');
  const b = v(m, 'memory.t1.bytes_per_event');
  const bi = v(m, 'memory.inline.bytes_per_event');
  if (g === null) out.push({ target: t5, measured: 'not measured', ok: null, detail: 'run the memory scenario' });
  else {
    out.push({
      target: t5, measured: `main thread with 1 agent thread: ${fmtNum(g)} minor GCs per 1M events, ${fmtNum(b ?? NaN)} B/event`, ok: g === 0,
      detail: `agents inline (everything on the main thread): ${gi === null ? '–' : fmtNum(gi)} minor GCs per 1M events, ${bi === null ? '–' : fmtNum(bi)} B/event`,
    });
  }
  return out;
}
