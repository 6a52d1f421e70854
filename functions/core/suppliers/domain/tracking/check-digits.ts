/**
 * Check-digit algorithms of tracking number formats, as small pure functions. Semantics follow
 * jkeen/tracking_number_data's CHECKSUM_ALGORITHMS.md (MIT); GLS follows the GLS Uni-Box 2D technical
 * documentation, chapter 3.2.1.
 */

export type CheckSpec =
  /** Weighted mod 10; `evens`/`odds` weigh 0-based even/odd positions (counted from the right when `reverse`). */
  | { readonly alg: 'mod10'; readonly evens: number; readonly odds: number; readonly reverse?: boolean }
  /** The serial read as one integer, modulo 7 (DHL Express). */
  | { readonly alg: 'mod7' }
  /** UPU S10: weights 8 6 4 2 3 5 9 7, 11 − (sum mod 11), 10 → 0, 11 → 5. */
  | { readonly alg: 's10' }
  /** Σ digit × weight, mod `mod1`, mod `mod2` (FedEx). */
  | { readonly alg: 'weighted'; readonly weights: readonly number[]; readonly mod1: number; readonly mod2: number }
  /** ISO 7064 MOD 37,36 hybrid (DPD), check character 0-9A-Z. */
  | { readonly alg: 'mod37_36' }
  /** GLS: weights 3 1 3 1... from the left, 10 − ((sum + 1) mod 10), 10 → 0. */
  | { readonly alg: 'gls' };

const ALPHANUMERIC = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Letters in a mod-10 serial (UPS) count as (char code − 3) mod 10. */
function mod10Value(char: string): number {
  return /[0-9]/.test(char) ? Number(char) : (char.charCodeAt(0) - 3) % 10;
}

function complement(total: number, modulo: number): number {
  return total % modulo === 0 ? 0 : modulo - (total % modulo);
}

function mod10(serial: string, evens: number, odds: number, reverse: boolean): string {
  const chars = reverse ? [...serial].reverse() : [...serial];
  const total = chars.reduce((sum, c, i) => sum + mod10Value(c) * (i % 2 === 0 ? evens : odds), 0);
  return String(complement(total, 10));
}

function s10(serial: string): string {
  const weights = [8, 6, 4, 2, 3, 5, 9, 7];
  const total = [...serial].reduce((sum, c, i) => sum + Number(c) * (weights[i] ?? 0), 0);
  const remainder = total % 11;
  return String(remainder === 0 ? 5 : remainder === 1 ? 0 : 11 - remainder);
}

function weighted(serial: string, weights: readonly number[], mod1: number, mod2: number): string {
  const total = [...serial].reduce((sum, c, i) => sum + Number(c) * (weights[i] ?? 0), 0);
  return String((total % mod1) % mod2);
}

function mod37_36(serial: string): string {
  let running = 36;
  for (const c of serial) {
    running += ALPHANUMERIC.indexOf(c);
    if (running > 36) running -= 36;
    running *= 2;
    if (running > 36) running -= 37;
  }
  const value = 37 - running;
  return ALPHANUMERIC[value === 36 ? 0 : value] ?? '';
}

function gls(serial: string): string {
  const total = [...serial].reduce((sum, c, i) => sum + Number(c) * (i % 2 === 0 ? 3 : 1), 0);
  return String((10 - ((total + 1) % 10)) % 10);
}

/** The check character a serial should carry, or undefined when the serial cannot be checked. */
export function expectedCheckDigit(spec: CheckSpec, serial: string): string | undefined {
  if (serial === '' || !/^[0-9A-Z]+$/.test(serial)) return undefined;
  const numeric = /^[0-9]+$/.test(serial);
  switch (spec.alg) {
    case 'mod10':
      return mod10(serial, spec.evens, spec.odds, spec.reverse === true);
    case 'mod7':
      return numeric ? String(BigInt(serial) % 7n) : undefined;
    case 's10':
      return numeric ? s10(serial) : undefined;
    case 'weighted':
      return numeric ? weighted(serial, spec.weights, spec.mod1, spec.mod2) : undefined;
    case 'mod37_36':
      return mod37_36(serial);
    case 'gls':
      return numeric ? gls(serial) : undefined;
  }
}

export function checkDigitMatches(spec: CheckSpec, serial: string, check: string): boolean {
  const expected = expectedCheckDigit(spec, serial);
  return expected !== undefined && expected === check;
}
