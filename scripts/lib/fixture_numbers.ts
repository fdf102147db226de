// Number shaping for fixture output: prices on a decimal tick, sizes to a few significant digits.
// Dividing an integer by an exact power of ten gives the double nearest the decimal, so
// JSON.stringify prints the short decimal ("2600.12", not "2600.1200000000001").

const kPow10: readonly number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);

function pow10(d: number): number {
  const p = kPow10[d];
  if (p === undefined) throw new RangeError(`decimals ${d} out of range 0..22`);
  return p;
}

export function floorTo(x: number, decimals: number): number {
  const k = pow10(decimals);
  return Math.floor(x * k) / k;
}

export function ceilTo(x: number, decimals: number): number {
  const k = pow10(decimals);
  return Math.ceil(x * k) / k;
}

export function roundTo(x: number, decimals: number): number {
  const k = pow10(decimals);
  return Math.round(x * k) / k;
}

/** `x` rounded to `digits` significant digits (x > 0). */
export function roundSig(x: number, digits: number): number {
  if (!(x > 0)) return 0;
  const d = digits - 1 - Math.floor(Math.log10(x));
  if (d >= 0) return d > 22 ? x : roundTo(x, d);
  const k = pow10(-d);
  return Math.round(x / k) * k;
}
