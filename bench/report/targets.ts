// The performance goals, checked against a run's metrics (ratios within one run; benchmarks, not
// timed tests). Each says what was measured and, when missed, by how much. "default" is the
// engine's default design (bench key `auto`: inline or threads with a main-thread share, chosen
// by the warm-up).
import { fmtNum, fmtRatio, fmtUs } from './format.ts';
import type { Metric, TargetCheck } from './types.ts';

type Metrics = ReadonlyMap<string, Metric>;

function v(m: Metrics, key: string): number | null {
  const x = m.get(key);
  return x === undefined || !Number.isFinite(x.value) ? null : x.value;
}

const notMeasured = (target: string, detail: string): TargetCheck => ({ target, measured: 'not measured', ok: null, detail });

export function checkTargets(m: Metrics): TargetCheck[] {
  const out: TargetCheck[] = [];

  // 1. lockstep saturation, default ≥ 1.5× inline
  {
    const target = 'lockstep saturation: default ≥ 1.5× inline';
    const d = v(m, 'saturation.lockstep.auto.events_per_s'), i = v(m, 'saturation.lockstep.inline.events_per_s');
    if (d === null || i === null) out.push(notMeasured(target, 'run the saturation scenario'));
    else {
      const r = d / i;
      const best = ['block', 'hybrid', 'spin'].map((k) => [k, v(m, `saturation.lockstep.${k}.events_per_s`)] as const).filter(([, x]) => x !== null).sort((a, b) => b[1]! - a[1]!)[0];
      out.push({
        target, measured: `default ${fmtNum(d)} events/s, inline ${fmtNum(i)}: ${fmtRatio(r)}`, ok: r >= 1.5,
        detail: `${r >= 1.5 ? 'met' : `short by ${fmtRatio(1.5 / r)}`}${best ? `; best all-on-threads design: ${best[0]} ${fmtRatio(best[1]! / i)} inline` : ''}`,
      });
    }
  }

  // 2. Binance recording: default p99 ≤ inline p99 at 100× and as fast as possible
  for (const [speed, name] of [['100x', 'realtime at 100×'], ['asap', 'as fast as possible']] as const) {
    const target = `Binance recording, ${name}: default p99 ≤ inline p99`;
    const d = v(m, `recording.${speed}.auto.p99_us`), i = v(m, `recording.${speed}.inline.p99_us`);
    if (d === null || i === null) out.push(notMeasured(target, 'run the recording scenario (needs the Binance capture)'));
    else out.push({ target, measured: `default ${fmtUs(d)}, inline ${fmtUs(i)}`, ok: d <= i, detail: d <= i ? 'met' : `${fmtRatio(d / i)} higher` });
  }

  // 3. open loop 100k ev/s realtime: piscina p99 ÷ default p99 ≥ 10
  {
    const target = 'open loop 100k events/s realtime: p99 ≥ 10× lower than piscina.run() per agent';
    const p = v(m, 'open_loop.realtime.100k.piscina.p99_us'), d = v(m, 'open_loop.realtime.100k.auto.p99_us');
    if (p === null || d === null) out.push(notMeasured(target, 'run the open_loop scenario (a run that offers 100k events/s)'));
    else {
      const r = p / d;
      out.push({ target, measured: `piscina ${fmtUs(p)} ÷ default ${fmtUs(d)} = ${fmtRatio(r)}`, ok: r >= 10, detail: r >= 10 ? 'met' : `short by ${fmtRatio(10 / r)}` });
    }
  }

  // 4. beside a CPU-bound process, the default keeps ≥ half its quiet throughput
  {
    const target = 'beside one CPU-bound process: default keeps ≥ 50 % of its quiet lockstep throughput';
    const c = v(m, 'saturation.contended.auto.events_per_s'), q = v(m, 'saturation.lockstep.auto.events_per_s');
    const ci = v(m, 'saturation.contended.inline.events_per_s'), qi = v(m, 'saturation.lockstep.inline.events_per_s');
    if (c === null || q === null) out.push(notMeasured(target, 'run the saturation scenario'));
    else {
      const r = c / q;
      out.push({
        target, measured: `default ${fmtNum(c)} of ${fmtNum(q)} events/s = ${Math.round(r * 100)} %`, ok: r >= 0.5,
        detail: `${r >= 0.5 ? 'met' : `short by ${fmtRatio(0.5 / r)}`}${ci !== null && qi !== null ? `; inline kept ${Math.round((ci / qi) * 100)} %` : ''}`,
      });
    }
  }

  // 5. main thread: zero minor GCs per 1M events; inline ≤ 100 B/event
  {
    const target = 'main thread: 0 minor GCs per 1M steady-state events; inline ≤ 100 B/event';
    const g = v(m, 'memory.t1.minor_gcs_per_1m'), gi = v(m, 'memory.inline.minor_gcs_per_1m');
    const b = v(m, 'memory.t1.bytes_per_event'), bi = v(m, 'memory.inline.bytes_per_event');
    if (g === null && gi === null) out.push(notMeasured(target, 'run the memory scenario'));
    else {
      const ok = (g ?? 0) === 0 && (gi ?? 0) === 0 && (bi === null || bi <= 100);
      out.push({
        target, measured: `1 agent thread: ${g === null ? '–' : fmtNum(g)} minor GCs/1M, ${b === null ? '–' : fmtNum(b)} B/event; inline: ${gi === null ? '–' : fmtNum(gi)} minor GCs/1M, ${bi === null ? '–' : fmtNum(bi)} B/event`,
        ok, detail: ok ? 'met' : 'allocation left on the hot path (see the memory scenario and `npm run profile` heap profile)',
      });
    }
  }

  // 6. Kafka: produce-to-decision p99 ≤ 10 ms at 2,000 events/s (scripts/kafka-bench.ts, not this runner)
  {
    const target = 'Kafka realtime at 2,000 events/s: produce-to-decision p99 ≤ 10 ms';
    const k = v(m, 'kafka.realtime.2000.produce_to_decision.p99_us');
    if (k === null) out.push(notMeasured(target, 'measured by scripts/kafka-bench.ts against a broker, not by this runner'));
    else out.push({ target, measured: `p99 ${fmtUs(k)}`, ok: k <= 10_000, detail: k <= 10_000 ? 'met' : `${fmtRatio(k / 10_000)} over` });
  }

  // 7. every sink on (event store, metrics + HTTP, bus) moves lockstep throughput and realtime p99 by less than 5 %
  {
    const target = 'every sink on: lockstep events/s and realtime p99 within 5 % of sinks off';
    const l = v(m, 'sinks.lockstep.on_off_ratio'), r = v(m, 'sinks.realtime.p99_on_off_ratio');
    if (l === null || r === null) out.push(notMeasured(target, 'run the sinks scenario'));
    else {
      const pc = (x: number): string => `${x >= 1 ? '+' : ''}${((x - 1) * 100).toFixed(1)} %`;
      const okL = Math.abs(l - 1) < 0.05, okR = Math.abs(r - 1) < 0.05;
      const missed = [okL ? '' : `lockstep ${pc(l)}`, okR ? '' : `realtime p99 ${pc(r)}`].filter((x) => x !== '');
      out.push({ target, measured: `lockstep ${pc(l)}, realtime p99 ${pc(r)} (medians of per-round on/off)`, ok: okL && okR, detail: missed.length === 0 ? 'met' : `outside 5 %: ${missed.join(', ')}` });
    }
  }

  // 8. stretch: lockstep ≥ 1M events/s
  {
    const target = 'stretch: lockstep ≥ 1M events/s with the default agents';
    const d = v(m, 'saturation.lockstep.auto.events_per_s');
    if (d === null) out.push(notMeasured(target, 'run the saturation scenario'));
    else {
      const best = ['auto', 'spin', 'block', 'hybrid', 'inline'].map((k) => [k, v(m, `saturation.lockstep.${k}.events_per_s`)] as const).filter(([, x]) => x !== null).sort((a, b) => b[1]! - a[1]!)[0]!;
      out.push({ target, measured: `default ${fmtNum(d)} events/s`, ok: d >= 1e6, detail: `${d >= 1e6 ? 'met' : `${fmtRatio(1e6 / d)} short`}; best design: ${best[0]} ${fmtNum(best[1]!)} events/s` });
    }
  }
  return out;
}
