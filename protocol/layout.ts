// Every shared-memory offset of the engine, as named constants. Nothing else hard-codes an index.
//
// Three kinds of shared memory, all allocated once at start:
//  1. Market state: Float64 columns (field-major: column f of slot s is at f * capacity + s),
//     plus an Int32 sequence lock and an Int32 kind per slot.
//  2. Control block: Int32 counters, each hot one on its own 64-byte line, and a ring of the
//     slot written by each epoch (the changed-slot ring).
//  3. Agent result regions: one per agent (one writer each): a 64-byte header line of Int32
//     counters, a line of Float64 metrics, fixed-width Float64 records, and an optional
//     per-slot table.

export const kCacheLineBytes = 64;
export const kInt32PerLine = kCacheLineBytes / 4; // 16
export const kFloat64PerLine = kCacheLineBytes / 8; // 8

// ---- Slot kinds -------------------------------------------------------------------------------
export const kKindBook = 1; // a venue × pair order book top (price_update)
export const kKindYield = 2; // a yield pool (yield_update, yield_opportunity_detected)
export const kKindAmm = 3; // an AMM pool (pool_update)
export const kKindProtocol = 4; // a protocol's event aggregates (liquidation, governance, their high-impact kinds)
export const kKindSignal = 5; // a high-impact price signal (major_price_movement)
export const kKindNames = ['none', 'book', 'yield', 'amm', 'protocol', 'signal'] as const;

// ---- Market-state columns (Float64). Fields 0..13 mean different things per kind. ------------
export const kFieldCount = 16;
// book
export const kBid = 0;
export const kAsk = 1;
export const kBidSize = 2;
export const kAskSize = 3;
export const kLast = 4;
// yield
export const kApy = 0;
export const kApyBase = 1;
export const kApyReward = 2;
export const kTvl = 3;
export const kIlRisk = 4; // 1 = yes, 0 = no, NaN = unknown
export const kExposureMulti = 5; // 1 = multi, 0 = single, NaN = unknown
export const kStablecoin = 6; // 1 / 0 / NaN
export const kMu = 7; // DefiLlama mu: mean APY (percent) over the pool's history, NaN if unknown
export const kSigma = 8; // DefiLlama sigma: standard deviation of the APY (percentage points)
export const kPredictedUp = 9; // probability (0..1) that the APY goes up (DefiLlama predictions), NaN if unknown
export const kApyBorrow = 10; // borrow APY (percent) of a lending market, NaN if not a lending market
export const kLtv = 11; // loan-to-value allowed for the supplied asset (0..1), NaN if unknown
export const kYieldHeld = 12; // 1: the latest values are held at the door (a jump or a late first sight, unconfirmed): trade on none of them
// amm
export const kReserve0 = 0;
export const kReserve1 = 1;
export const kFee = 2; // fraction, 0.003
export const kSqrtPrice = 3; // sqrtPriceX96 / 2^96 (raw units), NaN for constant-product pools
export const kLiquidity = 4; // v3 active liquidity L (raw), NaN for constant-product pools
export const kTick = 5;
export const kPrice = 6; // token1 per token0, decimal-adjusted
// protocol
export const kLiqUsd = 0; // cumulative liquidated collateral (USD)
export const kLiqCount = 1;
export const kCascadeUsd = 2; // cumulative liquidation-cascade volume (USD)
export const kCascadeCount = 3;
export const kGovCount = 4; // governance events seen
export const kGovPassed = 5; // proposals passed
export const kLastLiqTs = 6;
export const kLastGovTs = 7;
// signal
export const kChangePct = 0;
export const kSignalPrice = 1;
// common
export const kTs = 14; // event time of the last write (µs since the Unix epoch)
export const kEpoch = 15; // the epoch (tick sequence number) of the last write

// ---- Book depth (Float64, slot-major: one record of kDepthStride values per slot) -------------
// Optional levels of a price_update (`bids`/`asks`), best first; level 0 is the top of book. A
// count of 0 means the venue published no depth for the slot's latest quote (readers then know only
// the top: kBid/kAsk and their sizes). Written under the slot's sequence lock with the columns.
export const kDepthLevels = 8; // levels kept per side (a message's further levels are ignored)
export const kDepthBidCount = 0;
export const kDepthAskCount = 1;
export const kDepthBidPrice0 = 2; // then kDepthLevels prices, best (highest) first
export const kDepthBidSize0 = kDepthBidPrice0 + kDepthLevels; // base units, same order
export const kDepthAskPrice0 = kDepthBidSize0 + kDepthLevels; // best (lowest) first
export const kDepthAskSize0 = kDepthAskPrice0 + kDepthLevels;
export const kDepthStride = 40; // 34 used, padded to whole cache lines (5 × 8 Float64)

// ---- Tick map of a Uniswap V3 pool (the same per-slot record, for kKindAmm slots) -------------
// A v3 pool_update may carry its initialized ticks near the price (`ticks`). The record of an AMM
// slot then holds up to kTickMapLevels of them, ascending: √P of each tick (sqrtPriceX96 / 2^96
// scale, i.e. 1.0001^(tick/2)) and its liquidityNet (raw units; added when the price crosses the
// tick upwards, subtracted downwards). A count of 0: no tick map (only the active liquidity is
// known). Written under the slot's sequence lock with the columns, like book depth.
export const kTickMapLevels = 16;
export const kTickMapCount = 0;
export const kTickMapSqrtPrice0 = 2; // then kTickMapLevels √P values, ascending
export const kTickMapLiquidityNet0 = kTickMapSqrtPrice0 + kTickMapLevels; // same order

// ---- Control block (Int32 indices) ------------------------------------------------------------
export const kCtlEpoch = 0 * kInt32PerLine; // ticks published into the state
export const kCtlCycle = 1 * kInt32PerLine; // cycles requested by the trigger
export const kCtlCycleEpoch = 2 * kInt32PerLine; // the epoch the newest requested cycle evaluates
export const kCtlStop = 3 * kInt32PerLine; // 1 = agent loops return
export const kCtlSleepers = 4 * kInt32PerLine; // agent threads parked in Atomics.wait
export const kCtlMainSleeping = 5 * kInt32PerLine; // 1 while the main thread is parked
export const kCtlReady = 6 * kInt32PerLine; // agent threads that entered their loop
export const kCtlSnapshot = 7 * kInt32PerLine; // snapshot requests: an agent thread saves its agents when this passes the count it served
export const kCtlThreadDone0 = 8 * kInt32PerLine; // then one line per thread: last cycle done
export const kMaxThreads = 64;
// Then one line per thread with the cycles requested of it: a cycle that only wakes some agents
// (the arbitrage detector, woken by a leg of its routes) is requested only of the threads that
// hold one of them; the other threads are not woken at all.
export const kCtlThreadReq0 = kCtlThreadDone0 + kMaxThreads * kInt32PerLine;
export const kThrReqCycle = 0; // the newest cycle requested of the thread (it waits on this word)
export const kThrReqFull = 1; // the newest of those that runs every agent of the thread (the others run only its woken agents)
export const kCtlInt32Count = kCtlThreadReq0 + kMaxThreads * kInt32PerLine;
/** Int32 index of thread t's done counter. */
export function ctlThreadDone(t: number): number {
  return kCtlThreadDone0 + t * kInt32PerLine;
}
/** Int32 index of thread t's request line (kThrReq* within it). */
export function ctlThreadReq(t: number): number {
  return kCtlThreadReq0 + t * kInt32PerLine;
}
// Float64 control values, after the Int32 part (indices into a Float64Array over the same buffer)
export const kCtlF64Offset = kCtlInt32Count * 4; // byte offset
export const kCtlCycleTs = 0; // event time of the tick that triggered the newest cycle (µs)
// Then one line per agent thread with its timing of the newest cycle it finished (written before
// its done counter moves; read by the cycle breakdown). Times are ms in the requesting thread's
// performance.now() time base (the thread adds the difference of the two time origins).
export const kCtlF64Thread0 = kFloat64PerLine;
export const kThrWakeMs = 0; // when the thread saw the cycle
export const kThrDoneMs = 1; // when it finished its agents (just before publishing done)
export const kThrCycle = 2; // the cycle these times belong to
export const kThrSpunWaits = 3; // waits that ended while spinning (cumulative)
export const kThrParkedWaits = 4; // waits that parked (cumulative)
export const kCtlF64Count = kFloat64PerLine + kMaxThreads * kFloat64PerLine;
/** Float64 index of thread t's timing line. */
export function ctlThreadTiming(t: number): number {
  return kCtlF64Thread0 + t * kFloat64PerLine;
}

// The event ring, beside the changed-slot ring (same epochs, same size): every event applied to the
// state with its own event time, so an agent reads, in order, every event since its last cycle —
// those that triggered no cycle included — and evaluates its window rules at the event's own time.
export const kEventTs = 0; // event time, µs
export const kEventType = 1; // event type code (events.ts)
export const kEventV0 = 2; // price_update: mid; pool_update: price; yield: APY; liquidation: USD; cascade: USD
export const kEventV1 = 3; // liquidation: 1 (count); cascade: count; otherwise NaN
export const kEventStride = 4;
// Each entry is stamped with its epoch (MarketArrays.eventSeq, 0 while the writer rewrites it), so
// a reader knows exactly whether the entry it copied is the event of the epoch it asked for
// (MarketView.copyEvent): a lapped ring is never misread. A copy holds the four values above,
// then the slot:
export const kEventCopySlot = kEventStride;
export const kEventCopyLength = kEventStride + 1;

/** Default changed-slot ring size (power of two): entries = epochs, value = slot written. */
export const kDefaultRingSize = 1 << 16;

// ---- Portfolio (Float64; one writer: the executor on the main thread) ---------------------------
// Agents read it to know what is held (concentration, current weights). In lockstep it changes
// only between cycles.
export const kPfCashUsd = 0;
export const kPfRealizedPnlUsd = 1;
export const kPfPositions0 = kFloat64PerLine; // then one value per slot: base units for a book, USD for a yield pool
/**
 * Index of slot s's hedged part (after the positions): the part of its position held by a
 * two-legged position (a yield carry, an open pair trade), same units. The sleeve an agent may
 * rebalance is position − hedged.
 */
export function pfHedged(capacity: number, slot: number): number {
  return kPfPositions0 + capacity + slot;
}
export function portfolioFloat64Count(capacity: number): number {
  return kPfPositions0 + 2 * capacity;
}

// ---- Agent result region ----------------------------------------------------------------------
// Int32 header (one line). Records are double-banked: cycle c is written to bank c & 1, so the
// main thread can read the published bank while the agent writes the next one; a reader that
// sees the cycle move by two or more while it reads retries.
export const kResCount0 = 0; // records in bank 0
export const kResCount1 = 1; // records in bank 1
export const kResCycle = 2; // last cycle published
export const kResEpoch = 3; // epoch the published records evaluated
export const kResErrors = 4; // cycles that threw
export const kResOverflow = 5; // records dropped for lack of room
export const kResLapped = 6; // cycles that fell back to a full scan (ring lapped)
export const kResLastError = 7; // cycle of the last error
export const kResEventsLost = 8; // events not delivered through Agent.onEvent because the ring lapped (cumulative; the full scan stood in)
export const kResHeaderInt32 = kInt32PerLine;
// Float64 metrics (one line), after the Int32 header
export const kResBusyUs = 0; // time of the last cycle (µs)
export const kResBusyTotalUs = 1; // total busy time (µs)
export const kResScanned = 2; // slots examined in the last cycle
export const kResStale = 3; // opportunities dropped because an input was older than the agent's max age (cumulative)
export const kResQuarantined = 4; // yield updates held back as implausible jumps, cumulative (yield hunter)
// arbitrage detector, cumulative, per kind (cross-exchange, triangular): candidates seen (a crossing
// before fees; a negative cycle found), dropped below the minimum edge / profit, dropped stale, not
// evaluated (no USD value or leg yet, no room in the bank)
export const kResArbCrossSeen = 5;
export const kResArbCrossBelowMin = 6;
export const kResArbCrossStale = 7;
export const kResArbCrossNotEvaluated = 8;
export const kResArbTriSeen = 9;
export const kResArbTriBelowMin = 10;
export const kResArbTriStale = 11;
export const kResArbTriNotEvaluated = 12;
export const kResParamVersion = 13; // parameter version (the agent's parameter region) the last cycle ran with
export const kResMetricsF64 = 2 * kFloat64PerLine;
// Records: fixed width, 8 Float64 = one cache line
export const kRecordWidth = 8;
export const kRecKind = 0; // opportunity / view kind code (see records.ts)
export const kRecSlotA = 1;
export const kRecSlotB = 2;
export const kRecScore = 3;
export const kRecValue = 4;
export const kRecSize = 5;
export const kRecRisk = 6;
export const kRecAux = 7;
export const kDefaultMaxRecords = 256;

export interface ResultRegionShape {
  maxRecords: number;
  tableWidth: number; // Float64 columns per slot in the per-slot table (0 = none)
  capacity: number; // slots
}

/** Byte offsets inside one agent's result region. */
export function resultRegionLayout(shape: ResultRegionShape): {
  headerOffset: number; metricsOffset: number; recordsOffset: number; tableOffset: number; bytes: number;
} {
  const headerOffset = 0;
  const metricsOffset = kResHeaderInt32 * 4;
  const recordsOffset = metricsOffset + kResMetricsF64 * 8;
  const tableOffset = recordsOffset + 2 * shape.maxRecords * kRecordWidth * 8; // two banks
  const tableBytes = shape.tableWidth * shape.capacity * 8;
  const bytes = alignUp(tableOffset + tableBytes, kCacheLineBytes);
  return { headerOffset, metricsOffset, recordsOffset, tableOffset, bytes };
}

export function alignUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** Smallest power of two ≥ n (n ≥ 1). */
export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

// ---- Agent parameter region (one per agent; one writer: the main thread) ------------------------
// The parameters the learning loop installs into a running agent: an Int32 line (a sequence lock,
// odd while a write is in progress, and the active parameter version, 0 = the agent's own model),
// then a line of Float64 parameters. The main thread writes it only at a cycle boundary; the agent
// reads it under the sequence lock at the start of each cycle, so a cycle sees one whole version.
export const kParamSeq = 0; // Int32: even = stable; odd = being written
export const kParamVersion = 1; // Int32: active version (0: the agent's own model, nothing learned)
export const kParamHeaderInt32 = kInt32PerLine;
export const kParamValuesF64 = kFloat64PerLine; // Float64 parameters after the header (θ of workers/learning/expected_return.ts)
export const kParamRegionBytes = kParamHeaderInt32 * 4 + kParamValuesF64 * 8;
