// DefiLlama yields (the /pools snapshot, daily /pools snapshots, per-pool /chart history) → yield_update
// events (fixtures/SCHEMA.md). Field names follow the recordings in ../shared/data/defillama-yields
// (snake_case: tvl_usd, apy_base, apy_reward, il_risk, protocol_slug, pool_id_defillama …).
//
// A row whose APY or TVL is missing or not a number cannot become an event: the parser returns
// the reason and the caller dead-letters the row. An unreadable optional field (predictions, a
// flag) is dropped from the event and counted, never guessed.
import type { MarketEvent } from '../../protocol/events.ts';

export type LlamaSource = 'snapshot' | 'daily' | 'history';

export interface LlamaRow {
  source: LlamaSource;
  where: string; // file:line (CSV) or file#index (JSON), for dead letters and audit
  ts: number; // µs since the Unix epoch
  protocol: string; // DefiLlama project slug, as given (curve-dex, uniswap-v3, aave-v3 …)
  chain: string; // lower-case
  pool: string; // DefiLlama pool UUID
  symbol: string;
  apy: number; // percent
  apyBase: number | null;
  apyReward: number | null;
  tvlUsd: number;
  ilRisk?: 'yes' | 'no';
  exposure?: 'single' | 'multi';
  stablecoin?: boolean;
  mu?: number;
  sigma?: number;
  predictedUp?: number;
  /** Optional fields that were present but unreadable, dropped from the row. */
  dropped?: string[];
}

export type RowResult = { row: LlamaRow } | { reason: string };

const kTopicSafe = /^[A-Za-z0-9._-]+$/;

/** A required finite number: JSON number or numeric string. */
function requiredNumber(v: unknown, name: string): number | string {
  if (v === undefined || v === null || v === '') return `${name} is missing`;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.trim()) : NaN;
  if (Number.isNaN(n)) return `${name} is not a number (${JSON.stringify(v)})`;
  if (!Number.isFinite(n)) return `${name} is not finite (${JSON.stringify(v)})`;
  return n;
}

/** An optional number: absent → null; present but unreadable → undefined (dropped). */
function optionalNumber(v: unknown): number | null | undefined {
  if (v === undefined || v === null || v === '') return null;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.trim()) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function text(v: unknown): string {
  return typeof v === 'string' ? v.trim() : '';
}

/** ISO-8601 time (2025-08-31T14:07:28.874Z) or a date (2023-04-13, midnight UTC) → µs, or NaN. */
export function llamaTimeUs(v: unknown): number {
  const s = text(v);
  if (/^\d{4}-\d\d-\d\d$/.test(s)) return Date.parse(`${s}T00:00:00Z`) * 1000;
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(s)) return Date.parse(s) * 1000;
  return NaN;
}

/**
 * DefiLlama's prediction → the probability (0..1) that the pool's APY does not fall.
 *
 * DefiLlama's classifier labels each pool `Down` (the APY is expected to fall) or `Stable/Up` (it is
 * expected to hold or rise), with `predictedProbability` the percentage the model gives its own
 * label. So `Stable/Up` at p % gives p/100, and `Down` at p % gives 1 − p/100. `Up` and `Stable`
 * are read as `Stable/Up`. No label (`None`: new pools, APY 0) gives null.
 * Accepts the object or its Python-style repr string
 * ("{'predictedClass': 'Down', 'predictedProbability': 60, 'binnedConfidence': 1}").
 * Returns a string (the reason) when the value is there but unreadable.
 */
export function predictedUpOf(predictions: unknown): number | null | string {
  if (predictions === undefined || predictions === null || predictions === '') return null;
  let cls: unknown, prob: unknown;
  if (typeof predictions === 'object') {
    cls = (predictions as Record<string, unknown>).predictedClass;
    prob = (predictions as Record<string, unknown>).predictedProbability;
  } else if (typeof predictions === 'string') {
    const c = /['"]predictedClass['"]\s*:\s*(None|null|'([^']*)'|"([^"]*)")/.exec(predictions);
    const p = /['"]predictedProbability['"]\s*:\s*(None|null|[-+0-9.eE]+)/.exec(predictions);
    if (!c || !p) return `predictions ${JSON.stringify(predictions.slice(0, 80))} has no predictedClass / predictedProbability`;
    cls = c[2] ?? c[3] ?? null;
    prob = p[1] === 'None' || p[1] === 'null' ? null : Number(p[1]);
  } else {
    return `predictions must be an object or a string, got ${typeof predictions}`;
  }
  if (cls === null || cls === undefined) return null;
  if (prob === null || prob === undefined) return null;
  if (typeof prob !== 'number' || !(prob >= 0 && prob <= 100)) return `predictedProbability ${JSON.stringify(prob)} is not a percentage`;
  const p = prob / 100;
  switch (cls) {
    case 'Stable/Up': case 'Up': case 'Stable': return p;
    case 'Down': return 1 - p;
    default: return `predictedClass ${JSON.stringify(cls)} is not Down or Stable/Up`;
  }
}

interface Common {
  protocol: unknown; chain: unknown; pool: unknown; symbol: unknown; ts: unknown;
  apy: unknown; apyBase: unknown; apyReward: unknown; tvl: unknown;
}

function commonRow(source: LlamaSource, where: string, c: Common): RowResult {
  const protocol = text(c.protocol);
  if (protocol === '') return { reason: 'protocol_slug is missing' };
  if (!kTopicSafe.test(protocol)) return { reason: `protocol_slug ${JSON.stringify(protocol)} has characters a topic name cannot hold` };
  const chain = text(c.chain).toLowerCase();
  if (chain === '') return { reason: 'chain is missing' };
  const pool = text(c.pool);
  if (pool === '') return { reason: 'pool id is missing' };
  const ts = llamaTimeUs(c.ts);
  if (!Number.isFinite(ts)) return { reason: `timestamp ${JSON.stringify(c.ts)} is not an ISO time or a date` };
  const apy = requiredNumber(c.apy, 'apy');
  if (typeof apy === 'string') return { reason: apy };
  const tvlUsd = requiredNumber(c.tvl, 'tvl_usd');
  if (typeof tvlUsd === 'string') return { reason: tvlUsd };
  if (tvlUsd < 0) return { reason: `tvl_usd ${tvlUsd} is negative` };
  const dropped: string[] = [];
  const apyBase = optionalNumber(c.apyBase);
  const apyReward = optionalNumber(c.apyReward);
  if (apyBase === undefined) dropped.push('apy_base');
  if (apyReward === undefined) dropped.push('apy_reward');
  const row: LlamaRow = {
    source, where, ts, protocol, chain, pool, symbol: text(c.symbol), apy, tvlUsd,
    apyBase: apyBase ?? null, apyReward: apyReward ?? null,
  };
  if (dropped.length) row.dropped = dropped;
  return { row };
}

function drop(row: LlamaRow, field: string): void {
  (row.dropped ??= []).push(field);
}

/** One pool of the /pools snapshot (pools_snapshot_*.json): values, flags, mu, sigma, predictions. */
export function snapshotRecordToRow(rec: unknown, where: string): RowResult {
  if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) return { reason: 'a pool must be an object' };
  const r = rec as Record<string, unknown>;
  const res = commonRow('snapshot', where, {
    protocol: r.protocol_slug, chain: r.chain, pool: r.pool, symbol: r.symbol, ts: r.timestamp,
    apy: r.apy, apyBase: r.apy_base, apyReward: r.apy_reward, tvl: r.tvl_usd,
  });
  if (!('row' in res)) return res;
  const row = res.row;
  if (r.il_risk === 'yes' || r.il_risk === 'no') row.ilRisk = r.il_risk;
  else if (r.il_risk !== undefined && r.il_risk !== null) drop(row, 'il_risk');
  if (r.exposure === 'single' || r.exposure === 'multi') row.exposure = r.exposure;
  else if (r.exposure !== undefined && r.exposure !== null) drop(row, 'exposure');
  if (typeof r.stablecoin === 'boolean') row.stablecoin = r.stablecoin;
  else if (r.stablecoin !== undefined && r.stablecoin !== null) drop(row, 'stablecoin');
  const mu = optionalNumber(r.mu), sigma = optionalNumber(r.sigma);
  // DefiLlama writes sigma 0 for a pool with fewer than two observations: no dispersion known.
  if (typeof mu === 'number' && typeof sigma === 'number' && sigma > 0) { row.mu = mu; row.sigma = sigma; }
  else if (mu === undefined || sigma === undefined || (typeof sigma === 'number' && sigma < 0)) drop(row, 'mu/sigma');
  const up = predictedUpOf(r.predictions);
  if (typeof up === 'number') row.predictedUp = up;
  else if (typeof up === 'string') drop(row, 'predictions');
  return res;
}

/** One row of a daily /pools snapshot (pools_daily_*.csv): values only. */
export function dailyRecordToRow(r: Readonly<Record<string, string>>, where: string): RowResult {
  return commonRow('daily', where, {
    protocol: r.protocol_slug, chain: r.chain, pool: r.pool, symbol: r.symbol, ts: r.timestamp,
    apy: r.apy, apyBase: r.apy_base, apyReward: r.apy_reward, tvl: r.tvl_usd,
  });
}

/** One day of a pool's /chart history (pool_chart_history.csv), at midnight UTC of its date. */
export function historyRecordToRow(r: Readonly<Record<string, string>>, where: string): RowResult {
  return commonRow('history', where, {
    protocol: r.protocol_slug, chain: r.chain, pool: r.pool_id_defillama, symbol: r.symbol, ts: r.timestamp,
    apy: r.apy, apyBase: r.apy_base, apyReward: r.apy_reward, tvl: r.tvl_usd,
  });
}

// ---- DefiLlama's pool statistics, computed from a history ---------------------------------------
const kDaysPerYear = 365;

/**
 * DefiLlama's `mu` and `sigma`, over the daily APY observations seen so far (expanding window):
 *   daily return  r = (1 + APY/100)^(1/365) − 1
 *   mu    = ((Π (1 + r))^(365/n) − 1) · 100      the geometric-mean APY, percent
 *   sigma = √(365 · s²(r)) · 100                   the annualised standard deviation of r, percent
 * with s² the sample variance (n − 1). mu is in APY units; sigma is not (see yield_signals.ts).
 */
export class ExpandingApyStats {
  #n = 0;
  #sumLog = 0; // Σ log(1 + r)
  #mean = 0; // Welford on r
  #m2 = 0;

  get count(): number { return this.#n; }

  add(apyPct: number): void {
    const r = Math.expm1(Math.log1p(apyPct / 100) / kDaysPerYear);
    this.#n++;
    this.#sumLog += Math.log1p(r);
    const d = r - this.#mean;
    this.#mean += d / this.#n;
    this.#m2 += d * (r - this.#mean);
  }

  mu(): number {
    return this.#n === 0 ? NaN : Math.expm1((kDaysPerYear * this.#sumLog) / this.#n) * 100;
  }

  sigma(): number {
    return this.#n < 2 ? NaN : Math.sqrt((this.#m2 / (this.#n - 1)) * kDaysPerYear) * 100;
  }
}

// ---- Joining the sources --------------------------------------------------------------------
export interface EnrichOptions {
  /** Attach mu/sigma computed from the pool's history so far (DefiLlama's definitions). */
  deriveStats: boolean;
  /** Observations before derived stats are attached (DefiLlama shows no prediction below 7). */
  minStatsDays: number;
  /** A snapshot's prediction also goes with the pool's later rows for this many days (0: only its own row). */
  predictionHorizonDays: number;
}

export const kDefaultEnrichOptions: EnrichOptions = Object.freeze({ deriveStats: true, minStatsDays: 7, predictionHorizonDays: 28 });

export interface EnrichSummary {
  rows: number;
  duplicates: number; // the same pool at the same ts from another file (daily snapshots repeat a stale pool)
  flagsJoined: number; // rows given ilRisk/stablecoin/exposure from the snapshot
  exposureFromSymbol: number; // rows given exposure by DefiLlama's rule (a '-' in the symbol: multi)
  statsDerived: number; // rows given mu/sigma from the history
  predictionsCarried: number; // rows given a snapshot's prediction
}

/**
 * Orders rows by time (stable), drops repeats of a pool at the same time, and fills what one source
 * knows for the others, causally (nothing from a row's future reaches it):
 *  - ilRisk, stablecoin, exposure: pool properties, taken from the snapshot for every row of that pool;
 *    else exposure from the symbol ('-' → multi, DefiLlama's own rule);
 *  - mu, sigma: the snapshot's own on its rows; on other rows, ExpandingApyStats over the pool's
 *    history rows up to and including this one, once there are minStatsDays of them;
 *  - predictedUp: the snapshot's own on its row, and on the pool's rows up to predictionHorizonDays
 *    after it.
 * Returns the kept rows.
 */
export function enrichRows(rows: readonly LlamaRow[], opts: EnrichOptions = kDefaultEnrichOptions): { rows: LlamaRow[]; summary: EnrichSummary } {
  const order = rows.map((r, i) => ({ r, i }));
  order.sort((a, b) => a.r.ts - b.r.ts || a.i - b.i);
  const flags = new Map<string, LlamaRow>();
  const predictions = new Map<string, { ts: number; up: number }[]>();
  for (const r of rows) {
    if (r.source !== 'snapshot') continue;
    flags.set(r.pool, r);
    if (r.predictedUp !== undefined) {
      const list = predictions.get(r.pool) ?? [];
      list.push({ ts: r.ts, up: r.predictedUp });
      predictions.set(r.pool, list);
    }
  }
  const stats = new Map<string, ExpandingApyStats>();
  const seen = new Set<string>();
  const horizonUs = opts.predictionHorizonDays * 86_400_000_000;
  const summary: EnrichSummary = { rows: 0, duplicates: 0, flagsJoined: 0, exposureFromSymbol: 0, statsDerived: 0, predictionsCarried: 0 };
  const out: LlamaRow[] = [];
  for (const { r } of order) {
    const id = `${r.pool}@${r.ts}`;
    if (seen.has(id)) { summary.duplicates++; continue; }
    seen.add(id);
    const row: LlamaRow = { ...r };
    const f = flags.get(row.pool);
    if (row.source !== 'snapshot' && f) {
      if (f.ilRisk !== undefined) row.ilRisk = f.ilRisk;
      if (f.stablecoin !== undefined) row.stablecoin = f.stablecoin;
      if (f.exposure !== undefined) row.exposure = f.exposure;
      summary.flagsJoined++;
    }
    if (row.exposure === undefined && row.symbol !== '') {
      row.exposure = row.symbol.includes('-') ? 'multi' : 'single';
      summary.exposureFromSymbol++;
    }
    let st = stats.get(row.pool);
    if (row.source === 'history') {
      if (!st) { st = new ExpandingApyStats(); stats.set(row.pool, st); }
      st.add(row.apy);
    }
    if (row.source !== 'snapshot' && opts.deriveStats && st && st.count >= opts.minStatsDays && st.count >= 2) {
      const mu = st.mu(), sigma = st.sigma();
      if (Number.isFinite(mu) && sigma > 0) { row.mu = mu; row.sigma = sigma; summary.statsDerived++; }
    }
    if (row.source !== 'snapshot') {
      const list = predictions.get(row.pool);
      if (list) {
        let best: { ts: number; up: number } | null = null;
        for (const p of list) if (p.ts <= row.ts && row.ts <= p.ts + horizonUs && (best === null || p.ts > best.ts)) best = p;
        if (best) { row.predictedUp = best.up; summary.predictionsCarried++; }
      }
    }
    out.push(row);
  }
  summary.rows = out.length;
  return { rows: out, summary };
}

/** The yield_update of a row (key `<protocol>:<chain>:<pool>`; null apyBase/apyReward omitted). */
export function rowToEvent(r: LlamaRow): MarketEvent {
  const data: Record<string, unknown> = {
    protocol: r.protocol, chain: r.chain, pool: r.pool, symbol: r.symbol, apy: r.apy,
  };
  if (r.apyBase !== null) data.apyBase = r.apyBase;
  if (r.apyReward !== null) data.apyReward = r.apyReward;
  data.tvlUsd = r.tvlUsd;
  if (r.ilRisk !== undefined) data.ilRisk = r.ilRisk;
  if (r.exposure !== undefined) data.exposure = r.exposure;
  if (r.stablecoin !== undefined) data.stablecoin = r.stablecoin;
  if (r.mu !== undefined) data.mu = significant(r.mu);
  if (r.sigma !== undefined) data.sigma = significant(r.sigma);
  if (r.predictedUp !== undefined) data.predictedUp = Math.round(r.predictedUp * 1e6) / 1e6;
  return { ts: r.ts, type: 'yield_update', topic: `market.yields.${r.protocol}`, key: `${r.protocol}:${r.chain}:${r.pool}`, data };
}

/** Nine significant digits: derived statistics need no more, and the fixture stays readable. */
function significant(x: number): number {
  return Number(x.toPrecision(9));
}
