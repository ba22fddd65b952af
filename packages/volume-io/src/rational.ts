const MAX = 0xffffffff;

/**
 * The closest fraction num/den to a positive number with both parts fitting TIFF's unsigned
 * 32-bit RATIONAL, by continued fractions (exact for e.g. 10/3).
 */
export function toRational(value: number): [number, number] {
  if (!(value > 0) || !Number.isFinite(value)) return [0, 1];
  let [h0, h1] = [0, 1];
  let [k0, k1] = [1, 0];
  let x = value;
  for (let i = 0; i < 64; i++) {
    const a = Math.floor(x);
    const h2 = a * h1 + h0;
    const k2 = a * k1 + k0;
    if (h2 > MAX || k2 > MAX) break;
    [h0, h1, k0, k1] = [h1, h2, k1, k2];
    const frac = x - a;
    if (frac < 1e-12 || Math.abs(h1 / k1 - value) <= Number.EPSILON * value) break;
    x = 1 / frac;
  }
  if (k1 === 0) return [MAX, 1];
  if (h1 === 0) return [1, MAX];
  return [h1, k1];
}
