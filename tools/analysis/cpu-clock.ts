/**
 * The clock this core runs at under load, measured, for the FLOP/s-against-peak figures in
 * docs/performance.md (the VM reports only its nominal 2.1 GHz). A WebAssembly loop of dependent
 * integer xor and add operations, each one cycle of latency on x86: operations per second = clock
 * (a lower bound, were any op slower).
 *   npx tsx tools/analysis/cpu-clock.ts
 *
 * The module below is this C, built with `clang-14 --target=wasm32 -O2 -nostdlib -Wl,--no-entry`
 * (200 dependent operations per iteration; the objdump shows 100 i32.xor):
 *
 *   unsigned chain(int n, unsigned a, unsigned b, unsigned c) {
 *     for (int i = 0; i < n; i++) { 100 × (a = (a ^ b) + c, alternating b and c) }
 *     return a;
 *   }
 */
const WASM =
  'AGFzbQEAAAABCQFgBH9/f38BfwMCAQAEBQFwAQEBBQMBAAIGCAF/AUGAiAQLBxICBm1lbW9yeQIABWNoYWluAAAK+QQB9gQAAkAgAEEBSA0AA0AgASACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiACcyADaiADcyACaiEBIABBf2oiAA0ACwsgAQsAIwRuYW1lAQgBAAVjaGFpbgcSAQAPX19zdGFja19wb2ludGVyAC0JcHJvZHVjZXJzAQxwcm9jZXNzZWQtYnkBDERlYmlhbiBjbGFuZwYxNC4wLjY=';
const bytes = Uint8Array.from(atob(WASM), (ch) => ch.charCodeAt(0));
const { chain } = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as {
  chain: (n: number, a: number, b: number, c: number) => number;
};
chain(1e6, 1, 2, 3);
const runs: number[] = [];
for (let r = 0; r < 5; r++) {
  const n = 2e7;
  const t = performance.now();
  chain(n, 1, 2, 3);
  runs.push((n * 200) / ((performance.now() - t) / 1000) / 1e9);
}
runs.sort((a, b) => a - b);
console.log(
  `clock: ${(runs[2] as number).toFixed(2)} GHz (median of 5; ${runs.map((g) => g.toFixed(2)).join(', ')})`,
);
console.log(
  `peak per core at that clock: wasm SIMD without FMA (2 mul + 2 add of 4 floats a cycle) ${((runs[2] as number) * 16).toFixed(1)} GFLOP/s, AVX-512 with FMA ${((runs[2] as number) * 64).toFixed(1)} GFLOP/s`,
);
