/**
 * The workgroup size of a program that gives each row of `dim` values to one workgroup: 64
 * invocations up to 256 values a row, 128 up to 1024, else 256 (each invocation then reads at most
 * a handful of a row's values), never more than the device allows (`maxSize`, rounded down to a
 * power of two).
 */
export function rowWorkgroupSize(dim: number, maxSize: number): number {
  const wanted = dim <= 256 ? 64 : dim <= 1024 ? 128 : 256;
  return Math.min(wanted, powerOfTwoAtMost(maxSize));
}

/** The largest power of two not above `n` (1 for n < 2). */
export function powerOfTwoAtMost(n: number): number {
  return 2 ** Math.floor(Math.log2(Math.max(1, n)));
}
