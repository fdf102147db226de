// Lending liquidations (background, and in bursts during injected down moves, each burst closed by
// a liquidation_cascade that sums it) and governance proposals (created → active → passed → queued).
import { roundTo } from './fixture_numbers.ts';
import type { EmitEvent } from './fixture_prices.ts';
import type { Prng } from './prng.ts';

const kLendingMarkets: readonly [string, string][] = [
  ['aave', 'ethereum'], ['aave', 'arbitrum'], ['aave', 'polygon'],
  ['compound', 'ethereum'], ['compound', 'arbitrum'], ['compound', 'polygon'],
];

/** The lending collateral token of a book asset, where lending markets take it as collateral. */
const kCollateralToken: Readonly<Record<string, string>> = {
  ETH: 'WETH', BTC: 'WBTC', LINK: 'LINK', MATIC: 'WMATIC', UNI: 'UNI', AAVE: 'AAVE',
};
const kCollateralWeight: Readonly<Record<string, number>> = { ETH: 5, BTC: 3, LINK: 1, MATIC: 0.7, UNI: 0.5, AAVE: 0.5 };
const kDebtTokens: readonly string[] = ['USDC', 'USDC', 'USDT', 'DAI'];

interface ProposalSpec { protocol: string; firstId: number; titles: readonly string[] }
const kProposals: readonly ProposalSpec[] = [
  { protocol: 'aave', firstId: 152, titles: ['Onboard weETH to Aave V3 Arbitrum', 'Raise USDC supply cap on Aave V3 Ethereum', 'Adjust WETH interest rate slope on Aave V3 Polygon', 'Renew risk steward allowances'] },
  { protocol: 'compound', firstId: 281, titles: ['Add wstETH as collateral to cWETHv3', 'Lower COMP rewards on cUSDCv3 Arbitrum', 'Update the USDT price feed'] },
  { protocol: 'uniswap', firstId: 61, titles: ['Deploy Uniswap v3 on a new rollup', 'Activate the protocol fee on WETH pools'] },
  { protocol: 'curve', firstId: 714, titles: ['Add a gauge for the crvUSD/USDC pool', 'Raise the A parameter of the tricrypto pool'] },
  { protocol: 'yearn', firstId: 43, titles: ['Whitelist a new strategy for the USDC vault'] },
  { protocol: 'convex', firstId: 129, titles: ['Add a cvxCRV staking incentive'] },
];

export interface ProposalPlan {
  protocol: string;
  proposalId: string;
  title: string;
  createdT: number;
  activeT: number;
  passedT: number; // -1: not passed within the fixture
  queuedT: number;
}

export class ProtocolEvents {
  readonly #prng: Prng;
  readonly #emit: EmitEvent;
  readonly #startTs: number;
  readonly #collateralAssets: string[];
  readonly #collateralCum: number[];

  constructor(assetSymbols: ReadonlySet<string>, prng: Prng, emit: EmitEvent, startTs: number) {
    this.#prng = prng;
    this.#emit = emit;
    this.#startTs = startTs;
    this.#collateralAssets = Object.keys(kCollateralToken).filter((a) => assetSymbols.has(a));
    let cum = 0;
    this.#collateralCum = this.#collateralAssets.map((a) => (cum += kCollateralWeight[a]!));
  }

  /** Whether lending markets take `asset` as collateral (so a down move in it can cascade). */
  static isCollateral(asset: string): boolean {
    return kCollateralToken[asset] !== undefined;
  }

  /** Emits one liquidation of `asset` collateral; returns its collateral USD. */
  liquidation(protocol: string, chain: string, asset: string, t: number, scale = 1): number {
    const prng = this.#prng;
    const collateral = kCollateralToken[asset]!;
    const collateralUsd = roundTo(Math.min(5e6, Math.max(500, 15_000 * scale * Math.exp(1.3 * prng.normal()))), 2);
    const debtUsd = roundTo(collateralUsd * prng.uniform(0.8, 0.95), 2);
    this.#emit({
      ts: this.#startTs + t,
      type: 'liquidation',
      topic: `market.liquidations.${protocol}`,
      key: `${protocol}:${chain}:${collateral}`,
      data: { protocol, chain, collateral, debt: prng.pick(kDebtTokens), collateralUsd, debtUsd },
    });
    return collateralUsd;
  }

  /** A background liquidation on a random market and collateral. */
  backgroundLiquidation(t: number): void {
    const assets = this.#collateralAssets;
    if (assets.length === 0) return;
    const prng = this.#prng;
    const [protocol, chain] = prng.pick(kLendingMarkets);
    const x = prng.float() * this.#collateralCum[this.#collateralCum.length - 1]!;
    const asset = assets[this.#collateralCum.findIndex((c) => c > x)]!;
    this.liquidation(protocol, chain, asset, t);
  }

  /** A random lending market. */
  pickMarket(): [string, string] {
    return this.#prng.pick(kLendingMarkets);
  }

  cascade(protocol: string, chain: string, count: number, totalUsd: number, t: number): void {
    this.#emit({
      ts: this.#startTs + t,
      type: 'liquidation_cascade',
      topic: `market.liquidations.${protocol}`,
      key: `${protocol}:${chain}`,
      data: { protocol, chain, count, totalUsd: roundTo(totalUsd, 2) },
    });
  }

  /** Plans `count` proposals between t0 and t1 (creation times); the first two always pass. */
  planProposals(count: number, t0: number, t1: number): ProposalPlan[] {
    const prng = this.#prng;
    const used = new Map<string, number>(); // protocol → proposals planned so far
    const lastId = new Map<string, number>();
    const out: ProposalPlan[] = [];
    for (let k = 0; k < count; k++) {
      const spec = kProposals[k % kProposals.length]!;
      const n = used.get(spec.protocol) ?? 0;
      used.set(spec.protocol, n + 1);
      const id = n === 0 ? spec.firstId : lastId.get(spec.protocol)! + prng.int(1, 3);
      lastId.set(spec.protocol, id);
      const createdT = Math.round(prng.uniform(t0, t1));
      const activeT = createdT + Math.round(prng.uniform(10e6, 40e6));
      const passes = k < 2 || prng.chance(0.6);
      const passedT = passes ? activeT + Math.round(prng.uniform(20e6, 90e6)) : -1;
      out.push({
        protocol: spec.protocol,
        proposalId: String(id),
        title: spec.titles[n % spec.titles.length]!,
        createdT, activeT, passedT,
        queuedT: passes ? passedT + Math.round(prng.uniform(2e6, 8e6)) : -1,
      });
    }
    return out;
  }

  governance(p: ProposalPlan, status: 'created' | 'active' | 'queued', t: number): void {
    this.#emit({
      ts: this.#startTs + t,
      type: 'governance',
      topic: `market.governance.${p.protocol}`,
      key: `${p.protocol}:${p.proposalId}`,
      data: { protocol: p.protocol, proposalId: p.proposalId, title: p.title, status },
    });
  }

  proposalPassed(p: ProposalPlan, t: number): void {
    this.#emit({
      ts: this.#startTs + t,
      type: 'governance_proposal_passed',
      topic: `market.governance.${p.protocol}`,
      key: `${p.protocol}:${p.proposalId}`,
      data: { protocol: p.protocol, proposalId: p.proposalId, title: p.title },
    });
  }
}
