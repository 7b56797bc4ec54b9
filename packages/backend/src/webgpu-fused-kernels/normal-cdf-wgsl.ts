/**
 * WGSL for the standard normal distribution, which exact GELU needs and WGSL lacks (no `erf`):
 *
 * - `normalCdf(v)`, Phi(v) = erfc(-v / sqrt 2) / 2, from `erfcPositive(z)` for `z = |v| / sqrt 2 >= 0`:
 *   Phi(v) = erfc(z) / 2 for v < 0 and 1 - erfc(z) / 2 otherwise;
 * - `normalPdf(v)`, phi(v) = exp(-v^2 / 2) / sqrt(2 pi).
 *
 * `erfcPositive` is the Chebyshev fit of Press et al., Numerical Recipes (2nd ed., 6.2, `erfcc`):
 * `t exp(-z^2 - 1.26551223 + t (1.00002368 + ...))`, `t = 1 / (1 + z / 2)`, whose fractional error is
 * below 1.2e-7 for every z >= 0. Unlike Abramowitz and Stegun 7.1.26 (tfjs's `erf`, absolute error
 * 1.5e-7), the bound is relative, so Phi keeps it in the left tail, where GELU's value is small:
 * |Phi~(v) - Phi(v)| <= 1.2e-7 Phi(v) for v < 0 and <= 1.2e-7 (1 - Phi(v)) for v >= 0, before float32
 * rounding (a few ulp from the polynomial and `exp`; WGSL lets `exp(a)` be off by 3 + 2|a| ulp, and
 * the tests measure the whole kernel against a float64 reference).
 */
export const NORMAL_CDF_WGSL = `
  fn erfcPositive(z : f32) -> f32 {
    let t = 1.0 / (1.0 + 0.5 * z);
    let p = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
        t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
    return t * exp(-z * z + p);
  }
  fn normalCdf(v : f32) -> f32 {
    let tail = 0.5 * erfcPositive(abs(v) * 0.7071067811865476);
    return select(1.0 - tail, tail, v < 0.0);
  }
  fn normalPdf(v : f32) -> f32 {
    return exp(-0.5 * v * v) * 0.3989422804014327;
  }
`;
