// Injected price moves: a base's true mid moves 1.2–3 % over 2–8 s in steps of at most
// kMoveStepBps, so every venue re-quotes along (no venue is left behind to create a false
// arbitrage). Each venue emits one major_price_movement when its own mid has moved kMajorMovePct.
// Down moves hit lending collateral: bursts of liquidations on one or two lending markets, each
// closed by a liquidation_cascade that sums it. Moves alternate down, up, down, …
import type { PriceMarket } from './fixture_prices.ts';
import { ProtocolEvents } from './fixture_protocol_events.ts';
import type { Prng } from './prng.ts';
import type { TimerQueue } from './timer_queue.ts';

export const kMoveStepBps = 2;
export const kMajorMovePct = 1;

export interface PriceMoveLabel {
  id: string;
  base: string;
  startTs: number;
  endTs: number;
  changePct: number; // injected change of the true USD mid, percent
}

export interface PlannedMove {
  asset: number;
  t0: number;
  t1: number;
  /** Expected price events of the move (re-quotes of every venue-instrument involving the asset). */
  expectedEvents: number;
}

export interface MovePlan {
  moves: PlannedMove[];
  labels: PriceMoveLabel[];
  /** Expected liquidation and cascade events of the down moves. */
  otherEvents: number;
}

export interface MoveSetup {
  market: PriceMarket;
  protocol: ProtocolEvents;
  timers: TimerQueue;
  prng: Prng;
  count: number;
  /** Moves start after `from` and end before `to` (µs from the start), one per equal slot. */
  from: number;
  to: number;
  /** Assets never moved (those tied to another asset: a move would drag the tie along). */
  exclude?: ReadonlySet<number>;
}

export function schedulePriceMoves(setup: MoveSetup): MovePlan {
  const { market, protocol, timers, prng, count } = setup;
  const universe = market.universe;
  const nV = market.venueCount;
  const startTs = market.startTs;
  const plan: MovePlan = { moves: [], labels: [], otherEvents: 0 };
  const excluded = setup.exclude ?? new Set<number>();
  const collateral = universe.assets.map((_, k) => k)
    .filter((k) => !excluded.has(k) && ProtocolEvents.isCollateral(universe.assets[k]!.symbol));
  const everyAsset = universe.assets.map((_, k) => k).filter((k) => !excluded.has(k));
  const slot = (setup.to - setup.from) / count;
  for (let k = 0; k < count; k++) {
    const down = k % 2 === 0;
    const asset = prng.pick(down && collateral.length > 0 ? collateral : everyAsset);
    const symbol = universe.assets[asset]!.symbol;
    const duration = Math.round(prng.uniform(2e6, 8e6));
    const t0 = Math.round(setup.from + k * slot + prng.uniform(0, Math.max(0, slot - duration)));
    const t1 = t0 + duration;
    const pct = prng.uniform(1.2, 3) * (down ? -1 : 1);
    const logChange = Math.log(1 + pct / 100);
    const steps = Math.ceil(Math.abs(logChange) / (kMoveStepBps * 1e-4));
    const involved = universe.instruments.filter((x) => x.base === asset || x.quote === asset).length;
    plan.moves.push({ asset, t0, t1, expectedEvents: (steps / 2) * involved * nV + nV });
    plan.labels.push({ id: '', base: symbol, startTs: startTs + t0, endTs: startTs + t1, changePct: Math.round(pct * 1000) / 1000 });

    const usdt = market.usdtInstrument(asset);
    const fromMid = new Float64Array(nV);
    const announced = new Uint8Array(nV);
    const venueMid = (v: number): number => {
      const vi = market.venueInstrument(v, usdt);
      return (market.bid[vi]! + market.ask[vi]!) / 2;
    };
    timers.at(t0, (t) => {
      market.refreshInstrument(usdt, t);
      for (let v = 0; v < nV; v++) fromMid[v] = venueMid(v);
      market.startMove(asset, t0, t1, logChange);
    });
    for (let j = 1; j <= steps; j++) {
      timers.at(t0 + Math.round((j * duration) / steps), (t) => {
        market.advanceAsset(asset, t);
        market.refreshStale(asset, t);
        for (let v = 0; v < nV; v++) {
          if (announced[v] || Math.abs((venueMid(v) / fromMid[v]! - 1) * 100) < kMajorMovePct) continue;
          announced[v] = 1;
          market.emitMajorMove(v, usdt, fromMid[v]!, t);
        }
      });
    }

    if (!down || !ProtocolEvents.isCollateral(symbol)) continue;
    const cascades = prng.int(1, 2);
    for (let c = 0; c < cascades; c++) {
      const [lender, chain] = protocol.pickMarket();
      const liquidations = prng.int(6, 16);
      const burst = { count: 0, totalUsd: 0 };
      for (let n = 0; n < liquidations; n++) {
        timers.at(Math.round(t0 + prng.uniform(0.2, 1) * duration), (t) => {
          burst.totalUsd += protocol.liquidation(lender, chain, symbol, t, 4);
          burst.count++;
        });
      }
      timers.at(t1 + Math.round(prng.uniform(0.2e6, 0.8e6)), (t) => {
        if (burst.count > 0) protocol.cascade(lender, chain, burst.count, burst.totalUsd, t);
      });
      plan.otherEvents += liquidations + 1;
    }
  }
  return plan;
}
