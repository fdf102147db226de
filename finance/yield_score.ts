// Yield scoring for the yield hunter: the architecture record's score, its filters, the protocol
// reliability table (derived from documented inputs), and a 0–10 risk score for a pool.
// Hot functions take and return scalars; the tables are built once at module load.

// NaN and Infinity as module constants: V8 keeps a computed double unboxed where it meets one
// of these on a return path, but boxes it (allocates) where it meets the global NaN or Infinity.
const kNaN = NaN;

/**
 * Yield opportunity score in [0, 1] (architecture record):
 *   score = 0.3·min(apy/20, 1) + 0.2·min(tvl/10 000 000, 1) + 0.25·protocol + 0.15·market
 *         + 0.1·(1 − risk/10)
 * apyPct: APY in percent (12.5 means 12.5 %); tvlUsd in USD; protocolScore and marketScore in
 * [0, 1]; risk in [0, 10]. Each term is clamped to its range (a negative APY or TVL scores 0 on
 * that term, a risk above 10 scores 0 on the last term), so the score stays in [0, 1].
 * Returns NaN when any input is NaN.
 */
export function yieldScore(
  apyPct: number, tvlUsd: number, protocolScore: number, marketScore: number, risk: number,
): number {
  const apyTerm = clamp01(apyPct / 20);
  const tvlTerm = clamp01(tvlUsd / 10_000_000);
  const riskTerm = 1 - clamp01(risk / 10);
  return 0.3 * apyTerm + 0.2 * tvlTerm + 0.25 * clamp01(protocolScore) +
    0.15 * clamp01(marketScore) + 0.1 * riskTerm;
}

// Defaults of hot functions are module-local constants: V8 boxes a default read from an exported
// binding or an object property (allocation per call), not one read from a local const.
const kDefaultMinApyPct = 5;
const kDefaultMinTvlUsd = 1_000_000;
const kDefaultMaxRisk = 7;

/** The record's filter defaults: APY ≥ 5 %, TVL ≥ 1 000 000 USD, risk ≤ 7 (of 10). */
export const kYieldFilterDefaults = Object.freeze({
  minApyPct: kDefaultMinApyPct,
  minTvlUsd: kDefaultMinTvlUsd,
  maxRisk: kDefaultMaxRisk,
});

/**
 * True when a pool passes the record's filters: apyPct ≥ minApyPct AND tvlUsd ≥ minTvlUsd AND
 * risk ≤ maxRisk (bounds inclusive). Units as in yieldScore. Any NaN input fails.
 */
export function passesYieldFilters(
  apyPct: number, tvlUsd: number, risk: number,
  minApyPct: number = kDefaultMinApyPct,
  minTvlUsd: number = kDefaultMinTvlUsd,
  maxRisk: number = kDefaultMaxRisk,
): boolean {
  return apyPct >= minApyPct && tvlUsd >= minTvlUsd && risk <= maxRisk;
}

// ---------------------------------------------------------------------------------------------
// Protocol reliability

/** Audits beyond this count add nothing. */
export const kReliabilityAuditCap = 5;
/** Years live beyond this add nothing. */
export const kReliabilityYearsCap = 5;
/** Highest TVL tier (see tvlTier). */
export const kReliabilityMaxTvlTier = 4;

/**
 * TVL tier used by the reliability score: 0 below 10 M USD, 1 for [10 M, 100 M), 2 for
 * [100 M, 1 B), 3 for [1 B, 5 B), 4 from 5 B USD. NaN or negative → 0.
 */
export function tvlTier(tvlUsd: number): number {
  if (tvlUsd >= 5e9) return 4;
  if (tvlUsd >= 1e9) return 3;
  if (tvlUsd >= 1e8) return 2;
  if (tvlUsd >= 1e7) return 1;
  return 0;
}

/**
 * Protocol reliability in [0, 1] from four inputs:
 *   reliability = 0.30·min(audits, 5)/5 + 0.30·min(yearsLive, 5)/5 + 0.25·tvlTier/4
 *               + 0.15·1/(1 + majorIncidents)
 * audits: independent security audits of the deployed version(s); yearsLive: years since mainnet
 * launch; tvlTier: 0–4 (see tvlTier); majorIncidents: exploits or accounting failures that lost
 * user or protocol funds. Inputs are clamped (negative → 0, tier to [0, 4]).
 * A protocol with no audits, no history, tier 0 and no incidents scores 0.15.
 * Returns NaN when any input is NaN.
 */
export function protocolReliabilityScore(
  audits: number, yearsLive: number, tier: number, majorIncidents: number,
): number {
  if (Number.isNaN(audits) || Number.isNaN(yearsLive) || Number.isNaN(tier) || Number.isNaN(majorIncidents)) {
    return kNaN;
  }
  const a = Math.min(Math.max(audits, 0), kReliabilityAuditCap) / kReliabilityAuditCap;
  const y = Math.min(Math.max(yearsLive, 0), kReliabilityYearsCap) / kReliabilityYearsCap;
  const t = Math.min(Math.max(tier, 0), kReliabilityMaxTvlTier) / kReliabilityMaxTvlTier;
  const i = 1 / (1 + Math.max(majorIncidents, 0));
  return 0.3 * a + 0.3 * y + 0.25 * t + 0.15 * i;
}

export type ProtocolName =
  | 'aave' | 'compound' | 'yearn' | 'convex' | 'curve' | 'uniswap_v3' | 'sushiswap' | 'uniswap_v2'
  | 'pancakeswap' | 'aerodrome' | 'fluid';

export interface ProtocolReliabilityInputs {
  /** Independent audits (capped at 5 in the score). */
  readonly audits: number;
  /** Years since mainnet launch, as of mid-2024. */
  readonly yearsLive: number;
  /** TVL tier 0–4 from the approximate 2024 TVL (see tvlTier). */
  readonly tvlTier: number;
  /** Exploits or accounting failures with a loss of funds. */
  readonly majorIncidents: number;
  /** Why these numbers, for the reviewer. */
  readonly note: string;
}

/**
 * The inputs behind kProtocolReliability, approximate as of mid-2024. Edit these, not the scores.
 */
export const kProtocolReliabilityInputs: Readonly<Record<ProtocolName, ProtocolReliabilityInputs>> = Object.freeze({
  aave: { audits: 5, yearsLive: 4.5, tvlTier: 4, majorIncidents: 0,
    note: 'v1 Jan 2020; many audits and formal verification; TVL above 5 B USD; no core exploit' },
  compound: { audits: 5, yearsLive: 6, tvlTier: 3, majorIncidents: 1,
    note: 'v1 Sep 2018; TVL 1–5 B USD; Sep 2021 proposal 062 COMP distribution bug' },
  yearn: { audits: 5, yearsLive: 4.5, tvlTier: 2, majorIncidents: 2,
    note: 'Feb 2020; TVL 100 M–1 B USD; Feb 2021 yDAI vault exploit, Apr 2023 yUSDT misconfiguration' },
  convex: { audits: 2, yearsLive: 3, tvlTier: 3, majorIncidents: 0,
    note: 'May 2021; TVL 1–5 B USD; no loss of funds' },
  curve: { audits: 4, yearsLive: 4.5, tvlTier: 3, majorIncidents: 1,
    note: 'Jan 2020; TVL 1–5 B USD; Jul 2023 Vyper compiler reentrancy exploit of several pools' },
  uniswap_v3: { audits: 4, yearsLive: 3, tvlTier: 3, majorIncidents: 0,
    note: 'May 2021; audits and formal verification; TVL 1–5 B USD; no core exploit' },
  sushiswap: { audits: 2, yearsLive: 4, tvlTier: 2, majorIncidents: 2,
    note: 'Aug 2020; TVL 100 M–1 B USD; Sep 2021 MISO auction, Apr 2023 RouteProcessor2 approvals' },
  uniswap_v2: { audits: 2, yearsLive: 4, tvlTier: 3, majorIncidents: 0,
    note: 'May 2020; audit and formal verification; TVL 1–5 B USD; no core exploit' },
  pancakeswap: { audits: 4, yearsLive: 3.5, tvlTier: 3, majorIncidents: 0,
    note: 'BNB Chain Sep 2020, v3 Apr 2023; several audits of v3; TVL 1–5 B USD; a Mar 2021 DNS hijack of the site, no contract loss' },
  aerodrome: { audits: 2, yearsLive: 1, tvlTier: 2, majorIncidents: 0,
    note: 'Base Aug 2023 (Velodrome v2 code), Slipstream concentrated liquidity 2024; audited code base; TVL 100 M–1 B USD; a Nov 2023 front-end DNS hijack, no contract loss' },
  fluid: { audits: 2, yearsLive: 0.5, tvlTier: 2, majorIncidents: 0,
    note: 'Instadapp Fluid lending early 2024, DEX later; audited; young; TVL 100 M–1 B USD' },
});

/** DefiLlama project slugs → the names of the reliability table. */
const kProtocolAliases: Readonly<Record<string, string>> = {
  'aave-v2': 'aave', 'aave-v3': 'aave',
  'compound-v2': 'compound', 'compound-v3': 'compound',
  'yearn-finance': 'yearn',
  'convex-finance': 'convex',
  'curve-dex': 'curve',
  'uniswap-v2': 'uniswap_v2', 'uniswap-v3': 'uniswap_v3',
  'pancakeswap-amm': 'pancakeswap', 'pancakeswap-amm-v3': 'pancakeswap',
  'aerodrome-v1': 'aerodrome', 'aerodrome-slipstream': 'aerodrome',
  'fluid-dex': 'fluid', 'fluid-lending': 'fluid',
};

/** The name a protocol goes by in the reliability table (setup time only): DefiLlama slugs mapped. */
export function canonicalProtocol(name: string): string {
  const n = name.toLowerCase();
  return Object.hasOwn(kProtocolAliases, n) ? kProtocolAliases[n]! : n.replace(/-/g, '_');
}

function buildReliabilityTable(): Readonly<Record<ProtocolName, number>> {
  const table = {} as Record<ProtocolName, number>;
  for (const name of Object.keys(kProtocolReliabilityInputs) as ProtocolName[]) {
    const p = kProtocolReliabilityInputs[name];
    table[name] = protocolReliabilityScore(p.audits, p.yearsLive, p.tvlTier, p.majorIncidents);
  }
  return Object.freeze(table);
}

/** Reliability in [0, 1] per protocol, derived from kProtocolReliabilityInputs at load. */
export const kProtocolReliability: Readonly<Record<ProtocolName, number>> = buildReliabilityTable();

/** Reliability assumed for a protocol not in the table: no audits, no history, tier 0 (0.15). */
export const kUnknownProtocolReliability = protocolReliabilityScore(0, 0, 0, 0);

/**
 * Reliability for a protocol name or DefiLlama slug (setup time, not the hot path: resolve once
 * per pool and keep the number). Unknown names get kUnknownProtocolReliability.
 */
export function reliabilityOf(name: string): number {
  const n = canonicalProtocol(name);
  return Object.hasOwn(kProtocolReliability, n)
    ? kProtocolReliability[n as ProtocolName] : kUnknownProtocolReliability;
}

// ---------------------------------------------------------------------------------------------
// Pool risk

/** TVL at or below which the TVL risk component is 1 (USD). */
export const kRiskTvlLow = 1e5;
/** TVL at or above which the TVL risk component is 0 (USD). */
export const kRiskTvlHigh = 1e9;
/** APY volatility (standard deviation of the APY, percentage points) at which that component is 1. */
export const kRiskApyVolFull = 10;

/**
 * Pool risk on a 0–10 scale (10 = riskiest), a weighted sum of six components in [0, 1]:
 *   risk = 10·( 0.20·il + 0.10·exposure + 0.15·asset + 0.25·(1 − reliability)
 *             + 0.15·tvlRisk + 0.15·volRisk )
 * il: impermanent-loss risk, 1 when the pool holds volatile pairs (DefiLlama ilRisk "yes"), 0 when
 *   not; a fraction in between is accepted. exposure: 1 for multi-asset exposure, 0 for single.
 * asset: 0 for a stablecoin pool, 1 otherwise (stablecoin = 1 or 0).
 * reliability: protocol reliability in [0, 1] (kProtocolReliability).
 * tvlRisk = 1 − clamp(log10(tvl/1e5)/log10(1e9/1e5), 0, 1): 1 at ≤ 100 k USD, 0 at ≥ 1 B USD,
 *   linear in log10(TVL) between (0.5 at 10 M USD).
 * volRisk = clamp(apyVolPct/10, 0, 1): apyVolPct is the standard deviation of the pool's APY in
 *   percentage points (e.g. over the last 30 daily snapshots).
 * Flags are clamped to [0, 1]. Returns NaN when any input is NaN.
 */
export function riskScore0to10(
  ilRisk: number, exposureMulti: number, stablecoin: number, reliability: number,
  tvlUsd: number, apyVolPct: number,
): number {
  const tvlRisk = 1 - clamp01(Math.log10(Math.max(tvlUsd, 0) / kRiskTvlLow) / Math.log10(kRiskTvlHigh / kRiskTvlLow));
  const volRisk = clamp01(apyVolPct / kRiskApyVolFull);
  return 10 * (0.2 * clamp01(ilRisk) + 0.1 * clamp01(exposureMulti) + 0.15 * (1 - clamp01(stablecoin)) +
    0.25 * (1 - clamp01(reliability)) + 0.15 * tvlRisk + 0.15 * volRisk);
}

/** The inputs of riskScore0to10Packed, by index (the arguments of riskScore0to10, in order), and where it writes the score. */
export const kRskIl = 0, kRskExposure = 1, kRskStable = 2, kRskReliability = 3, kRskTvl = 4, kRskApyVol = 5, kRskOut = 6;
export const kRiskScoreSlots = 7;

/**
 * riskScore0to10 with its inputs in a Float64Array (indices kRsk…) and the score written to
 * x[kRskOut]: the same arithmetic, for a hot path that must not box doubles into arguments or a
 * return value (a call V8 does not inline passes and returns numbers as heap objects).
 */
export function riskScore0to10Packed(x: Float64Array): void {
  const ilRisk = x[kRskIl]!, exposureMulti = x[kRskExposure]!, stablecoin = x[kRskStable]!, reliability = x[kRskReliability]!;
  const tvlUsd = x[kRskTvl]!, apyVolPct = x[kRskApyVol]!;
  // riskScore0to10's arithmetic, term for term
  const tvlRisk = 1 - clamp01(Math.log10(Math.max(tvlUsd, 0) / kRiskTvlLow) / Math.log10(kRiskTvlHigh / kRiskTvlLow));
  const volRisk = clamp01(apyVolPct / kRiskApyVolFull);
  x[kRskOut] = 10 * (0.2 * clamp01(ilRisk) + 0.1 * clamp01(exposureMulti) + 0.15 * (1 - clamp01(stablecoin)) +
    0.25 * (1 - clamp01(reliability)) + 0.15 * tvlRisk + 0.15 * volRisk);
}

/** min(max(x, 0), 1); NaN stays NaN. */
function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
