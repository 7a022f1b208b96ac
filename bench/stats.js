/**
 * Small statistics helpers shared by the benchmarks. Percentiles use the nearest-rank method, so a
 * reported p95 is always one of the measured samples.
 */

/**
 * @param {readonly number[]} values
 * @returns {number[]}
 */
function sorted(values) {
  return [...values].sort((a, b) => a - b);
}

/**
 * Nearest-rank percentile (p in 0..100); NaN for no samples.
 * @param {readonly number[]} values
 * @param {number} p
 */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const s = sorted(values);
  const rank = Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length)));
  return /** @type {number} */ (s[rank - 1]);
}

/**
 * The median (the mean of the two middle samples for an even count); NaN for no samples.
 * @param {readonly number[]} values
 */
export function median(values) {
  if (values.length === 0) return Number.NaN;
  const s = sorted(values);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? /** @type {number} */ (s[mid]) : (/** @type {number} */ (s[mid - 1]) + /** @type {number} */ (s[mid])) / 2;
}

/**
 * @param {readonly number[]} values
 * @returns {{ n: number, min: number, median: number, mean: number, p95: number, max: number }}
 */
export function summarize(values) {
  const n = values.length;
  return {
    n,
    min: n ? Math.min(...values) : Number.NaN,
    median: median(values),
    mean: n ? values.reduce((a, b) => a + b, 0) / n : Number.NaN,
    p95: percentile(values, 95),
    max: n ? Math.max(...values) : Number.NaN,
  };
}

/**
 * Rounds to one decimal (JSON stays readable; NaN becomes null).
 * @param {number} x
 * @returns {number | null}
 */
export function round1(x) {
  return Number.isFinite(x) ? Math.round(x * 10) / 10 : null;
}
