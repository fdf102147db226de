// Start-time checks of the settings of the risk assessor's covariance, the liquidity optimizer,
// the market analyzer and the execution optimizer (engine/options.ts checkConfig calls this).
// Every message names the key. Main thread only (it loads ethers to check the account address).
import { getAddress } from 'ethers';
import { OptionError } from '../../protocol/errors.ts';
import type { AgentConfig } from './config.ts';

function positive(v: number, key: string, allowZero = false): void {
  if (!(typeof v === 'number' && Number.isFinite(v) && (allowZero ? v >= 0 : v > 0))) {
    throw new OptionError(`config.agents.${key} must be a ${allowZero ? 'non-negative' : 'positive'} finite number, got ${JSON.stringify(v)}`);
  }
}
function integer(v: number, key: string, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!(Number.isInteger(v) && v >= min && v <= max)) {
    throw new OptionError(`config.agents.${key} must be an integer in ${min}..${max === Number.MAX_SAFE_INTEGER ? '' : max}, got ${JSON.stringify(v)}`);
  }
}
function fraction(v: number, key: string, lo: number, hi: number, openLo: boolean, openHi: boolean): void {
  const ok = typeof v === 'number' && (openLo ? v > lo : v >= lo) && (openHi ? v < hi : v <= hi);
  if (!ok) throw new OptionError(`config.agents.${key} must be in ${openLo ? '(' : '['}${lo}, ${hi}${openHi ? ')' : ']'}, got ${JSON.stringify(v)}`);
}

export function checkAnalysisConfig(a: AgentConfig): void {
  const c = a.covariance;
  integer(c.sampleUs, 'covariance.sampleUs', 1);
  fraction(c.lambda, 'covariance.lambda', 0, 1, true, true);
  integer(c.minSamples, 'covariance.minSamples', 2);
  const l = a.liquidity;
  positive(l.horizonDays, 'liquidity.horizonDays');
  positive(l.hurdleApr, 'liquidity.hurdleApr', true);
  fraction(l.maxAllocationFraction, 'liquidity.maxAllocationFraction', 0, 1, false, false);
  positive(l.splitTradeUsd, 'liquidity.splitTradeUsd');
  positive(l.refreshUs, 'liquidity.refreshUs', true);
  positive(l.volumeTauUs, 'liquidity.volumeTauUs');
  positive(l.minHistoryUs, 'liquidity.minHistoryUs', true);
  const m = a.market;
  integer(m.varianceRatioLag, 'market.varianceRatioLag', 2, 64);
  integer(m.windowSamples, 'market.windowSamples', 4 * m.varianceRatioLag, 4096);
  positive(m.regimeZ, 'market.regimeZ');
  positive(m.majorMovePct, 'market.majorMovePct');
  positive(m.moveWindowUs, 'market.moveWindowUs');
  if (m.moveWindowUs / c.sampleUs > 100_000) throw new OptionError('config.agents.market.moveWindowUs must hold at most 100 000 samples of config.agents.covariance.sampleUs');
  positive(m.cascadeUsd, 'market.cascadeUsd');
  integer(m.cascadeMinCount, 'market.cascadeMinCount', 1);
  positive(m.cascadeWindowUs, 'market.cascadeWindowUs');
  const e = a.execution;
  positive(e.referenceTradeUsd, 'execution.referenceTradeUsd');
  positive(e.gasPriceGwei, 'execution.gasPriceGwei', true);
  fraction(e.slippageToleranceBps, 'execution.slippageToleranceBps', 0, 10_000, false, true);
  integer(e.deadlineSeconds, 'execution.deadlineSeconds', 1);
  let ok = typeof e.account === 'string' && /^0x[0-9a-fA-F]{40}$/.test(e.account);
  if (ok) { try { getAddress(e.account); } catch { ok = false; } }
  if (!ok) throw new OptionError(`config.agents.execution.account must be a 20-byte hex address (mixed case only with a valid EIP-55 checksum), got ${JSON.stringify(e.account)}`);
}
