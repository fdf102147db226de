// Token unit scales for the hot path: human units per raw unit, 10^−decimals, parsed from the exact
// decimal "1e-<decimals>" (the nearest double, rounded once). Computed per token at init from the
// registry's decimals; a token whose decimals are unknown gets NaN and its pools are left out (never
// an assumed 18). No ethers here, so an agent thread does not load the ABI coder for it (the ethers
// equivalents, for decoding and tests, are in finance/gas_units.ts).
// Both tables are parsed once at load: a call reads its value (parsing "1e-<d>" on every call
// built a string per call on the arbitrage path).

const kMaxDecimals = 77;
const kNaN = NaN; // a module constant: a double returned beside it stays unboxed (the global NaN boxes it)
const kUnitScale = new Float64Array(kMaxDecimals + 1);
const kRawPerUnit = new Float64Array(kMaxDecimals + 1);
for (let d = 0; d <= kMaxDecimals; d++) {
  kUnitScale[d] = Number(`1e-${d}`);
  kRawPerUnit[d] = Number(`1e${d}`);
}

/** 10^−decimals as a double (NaN for decimals that are not an integer in 0..77). */
export function unitScale(decimals: number): number {
  if (!(Number.isInteger(decimals) && decimals >= 0 && decimals <= kMaxDecimals)) return kNaN;
  return kUnitScale[decimals]!;
}

/** 10^decimals as a double: raw units per human unit (NaN as unitScale). */
export function rawPerUnit(decimals: number): number {
  if (!(Number.isInteger(decimals) && decimals >= 0 && decimals <= kMaxDecimals)) return kNaN;
  return kRawPerUnit[decimals]!;
}
