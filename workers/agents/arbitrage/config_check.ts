// Checks of the arbitrage settings (config.agents.arbitrage), with messages that name the key.
// engine/options.ts checkConfig calls it with the rest of the configuration.
import { OptionError } from '../../../protocol/errors.ts';
import type { AgentConfig } from '../config.ts';

const kKey = 'config.agents.arbitrage';

function num(v: unknown, key: string, ok: (x: number) => boolean, rule: string): void {
  if (typeof v !== 'number' || Number.isNaN(v) || !ok(v)) throw new OptionError(`${kKey}.${key} must be ${rule}, got ${JSON.stringify(v)}`);
}
const positive = (v: unknown, key: string): void => num(v, key, (x) => x > 0 && x < Infinity, 'a positive finite number');
const nonNegative = (v: unknown, key: string): void => num(v, key, (x) => x >= 0 && x < Infinity, 'a non-negative finite number');
const integer = (v: unknown, key: string, lo: number, hi: number): void =>
  num(v, key, (x) => Number.isInteger(x) && x >= lo && x <= hi, `an integer in ${lo}..${hi}`);

export function checkArbitrageConfig(a: AgentConfig['arbitrage']): void {
  positive(a.maxPoolAgeUs, 'maxPoolAgeUs');
  positive(a.maxYieldAgeUs, 'maxYieldAgeUs');
  const t = a.triangular;
  nonNegative(t.minProfitUsd, 'triangular.minProfitUsd');
  integer(t.maxLegs, 'triangular.maxLegs', 2, 4);
  integer(t.v3RangeTicks, 'triangular.v3RangeTicks', 1, 887_272);
  const y = a.yieldArb;
  nonNegative(y.minNetSpreadPct, 'yieldArb.minNetSpreadPct');
  positive(y.horizonDays, 'yieldArb.horizonDays');
  num(y.liquidationBuffer, 'yieldArb.liquidationBuffer', (x) => x >= 0 && x < 1, 'a fraction in [0, 1)');
  nonNegative(y.lossAtZeroPct, 'yieldArb.lossAtZeroPct');
  num(y.maxBorrowShare, 'yieldArb.maxBorrowShare', (x) => x > 0 && x <= 1, 'a fraction in (0, 1]');
  const s = a.statArb;
  positive(s.sampleUs, 'statArb.sampleUs');
  integer(s.windowSamples, 'statArb.windowSamples', 16, 100_000);
  positive(s.refitUs, 'statArb.refitUs');
  integer(s.maxRefitsPerCycle, 'statArb.maxRefitsPerCycle', 1, 1_000);
  integer(s.maxAssets, 'statArb.maxAssets', 2, 1_000);
  positive(s.entryZ, 'statArb.entryZ');
  num(s.exitZ, 'statArb.exitZ', (x) => x >= 0 && x < s.entryZ, `a number in [0, statArb.entryZ = ${s.entryZ})`);
  num(s.stopMultiple, 'statArb.stopMultiple', (x) => x > 1 && x < Infinity, 'a finite number above 1');
  num(s.maxDfStat, 'statArb.maxDfStat', (x) => x < 0, 'a negative number (a Dickey-Fuller statistic)');
  positive(s.maxHalfLifeS, 'statArb.maxHalfLifeS');
  num(s.minR2, 'statArb.minR2', (x) => x >= 0 && x <= 1, 'a fraction in [0, 1]');
  positive(s.maxSpreadSdBps, 'statArb.maxSpreadSdBps');
  positive(s.maxLegUsd, 'statArb.maxLegUsd');
  nonNegative(s.minProfitUsd, 'statArb.minProfitUsd');
  const g = a.gas;
  nonNegative(g.priceGwei, 'gas.priceGwei');
  if (typeof g.ethPriceAsset !== 'string' || g.ethPriceAsset === '') throw new OptionError(`${kKey}.gas.ethPriceAsset must be an asset name such as "ETH", got ${JSON.stringify(g.ethPriceAsset)}`);
  nonNegative(g.ethUsdFallback, 'gas.ethUsdFallback');
  for (const k of ['unitsPerTx', 'unitsPerAmmSwap', 'unitsYieldEntry', 'unitsYieldExit'] as const) integer(g[k], `gas.${k}`, 0, 30_000_000);
}
