// Elementary functions built only from IEEE-754 basic operations (+, -, *, /, which JavaScript
// rounds identically everywhere). `Math.exp` and `Math.log` are only approximations whose last
// bit may differ between engines; the samplers use these instead so that a seed gives the same
// masks on every platform. Accuracy is within a few ulps, far below what any mask can notice.

const LN2_HIGH = 0.6931471803691238; // ln 2 rounded to 32 significant bits: k * LN2_HIGH is exact
const LN2_LOW = 1.9082149292705877e-10; // ln 2 - LN2_HIGH
const LN2 = 0.6931471805599453;
const SQRT_HALF = 0.7071067811865476;

/** `2^k` for an integer `k`, by exact doublings or halvings. */
function powerOfTwo(k: number): number {
  let result = 1;
  const factor = k >= 0 ? 2 : 0.5;
  for (let i = Math.abs(k); i > 0; i--) result *= factor;
  return result;
}

/**
 * `e^x`, the same bits on every JavaScript engine. Range reduction `x = k ln2 + r` with
 * `|r| <= ln2 / 2` (Cody-Waite, two-part ln 2), a degree-16 Taylor polynomial for `e^r` (error below
 * 1e-18), then an exact scaling by `2^k`. Meant for moderate arguments (|x| < 700).
 */
export function portableExp(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x > 709.7) return Number.POSITIVE_INFINITY;
  if (x < -745) return 0;
  const k = Math.round(x / LN2);
  const r = x - k * LN2_HIGH - k * LN2_LOW;
  // Horner form of the Taylor series: 1 + r (1 + r/2 (1 + r/3 (...)))
  let sum = 1;
  for (let n = 16; n >= 1; n--) sum = 1 + (r * sum) / n;
  // split the scaling so that 2^k never overflows before the product is formed
  const half = Math.trunc(k / 2);
  return sum * powerOfTwo(half) * powerOfTwo(k - half);
}

/**
 * The natural logarithm of `x > 0`, the same bits on every JavaScript engine: `x = m 2^e` with
 * `m` in `[sqrt(1/2), sqrt(2))` by exact halvings/doublings, then `ln m = 2 atanh(s)`,
 * `s = (m - 1) / (m + 1)`, summed to `s^41` (|s| < 0.172, error below 1e-30).
 */
export function portableLog(x: number): number {
  if (Number.isNaN(x) || x < 0) return Number.NaN;
  if (x === 0) return Number.NEGATIVE_INFINITY;
  if (x === Number.POSITIVE_INFINITY) return x;
  let m = x;
  let e = 0;
  while (m >= 2 * SQRT_HALF) {
    m *= 0.5;
    e++;
  }
  while (m < SQRT_HALF) {
    m *= 2;
    e--;
  }
  const s = (m - 1) / (m + 1);
  const s2 = s * s;
  let power = s;
  let sum = 0;
  for (let n = 1; n <= 41; n += 2) {
    sum += power / n;
    power *= s2;
  }
  return e * LN2 + 2 * sum;
}

/**
 * Python's `round(x)` for finite `x`: to the nearest integer, ties to the even one (banker's
 * rounding). The official block samplers size their rectangles with it.
 */
export function roundHalfToEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction < 0.5) return floor;
  if (fraction > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}
