// Special functions from stdlib (a port of Boost's incomplete beta), the only numerical code not written here.
import betainc from '@stdlib/math-base-special-betainc';
import betaln from '@stdlib/math-base-special-betaln';

/** ln B(a, b). */
export function logBeta(a: number, b: number): number {
  return betaln(a, b);
}

/** The regularized incomplete beta function I_x(a, b) (lower tail). */
export function betaIncLower(x: number, a: number, b: number): number {
  return betainc(x, a, b, true, false);
}

/** 1 − I_x(a, b), computed directly, so a tail near 0 keeps its precision. */
export function betaIncUpper(x: number, a: number, b: number): number {
  return betainc(x, a, b, true, true);
}
