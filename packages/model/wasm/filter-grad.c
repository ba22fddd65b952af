/*
 * The filter gradient of a 3D convolution with 'same' padding and stride [1, sy, sx], as one
 * streaming reduction over the output voxels, in wasm SIMD (128 bits).
 *
 *   dw[dz][ky][kx][c][o] = sum over z, b, y, x of
 *       x[b][z + dz - pz][y*sy + ky - py][x*sx + kx - px][c] * dy[b][z][y][x][o]
 *
 * with x read as zero outside the volume (the forward pass's padding). Layouts (row-major):
 *   x  [B][D][H][W][C]     the input (tf.conv3d's NDHWC)
 *   dy [B][D][Ho][Wo][O]   the output gradient
 *   dw [kd][kh][kw][C][O]  the result, tf.conv3d's filter layout
 *
 * Built by packages/model/scripts/build-wasm.mjs into src/filter-grad-wasm.ts. The module imports
 * tfjs-backend-wasm's memory and must not touch any of it but the three arrays it is given: no
 * static data, no stack in linear memory (every local is a scalar or a v128 value; the build checks
 * the binary has no data segment and never moves the stack pointer). Indices are 32-bit ints:
 * wasm32 memory holds under 2^30 floats.
 */
#include <wasm_simd128.h>

#define INLINE static inline __attribute__((always_inline))

/* Accumulate a block of CN input channels x ON output channels (ON = 8, 4 or 1) over n voxels of
 * one row: xp steps by xs floats, dp by O floats; w is dw's [c0][o0] for this tap. */
INLINE void block8(const float *xp, int xs, const float *dp, int O, int n, float *w, int CN) {
  v128_t a[4][2];
  for (int c = 0; c < CN; c++) {
    a[c][0] = wasm_v128_load(w + c * O);
    a[c][1] = wasm_v128_load(w + c * O + 4);
  }
  for (int i = 0; i < n; i++) {
    v128_t d0 = wasm_v128_load(dp);
    v128_t d1 = wasm_v128_load(dp + 4);
    for (int c = 0; c < CN; c++) {
      v128_t xv = wasm_v128_load32_splat(xp + c);
      a[c][0] = wasm_f32x4_add(a[c][0], wasm_f32x4_mul(xv, d0));
      a[c][1] = wasm_f32x4_add(a[c][1], wasm_f32x4_mul(xv, d1));
    }
    xp += xs;
    dp += O;
  }
  for (int c = 0; c < CN; c++) {
    wasm_v128_store(w + c * O, a[c][0]);
    wasm_v128_store(w + c * O + 4, a[c][1]);
  }
}

INLINE void block4(const float *xp, int xs, const float *dp, int O, int n, float *w, int CN) {
  v128_t a[4];
  for (int c = 0; c < CN; c++) a[c] = wasm_v128_load(w + c * O);
  for (int i = 0; i < n; i++) {
    v128_t d0 = wasm_v128_load(dp);
    for (int c = 0; c < CN; c++) {
      v128_t xv = wasm_v128_load32_splat(xp + c);
      a[c] = wasm_f32x4_add(a[c], wasm_f32x4_mul(xv, d0));
    }
    xp += xs;
    dp += O;
  }
  for (int c = 0; c < CN; c++) wasm_v128_store(w + c * O, a[c]);
}

INLINE void block1(const float *xp, int xs, const float *dp, int O, int n, float *w, int CN) {
  float a[4];
  for (int c = 0; c < CN; c++) a[c] = w[c * O];
  for (int i = 0; i < n; i++) {
    float d = *dp;
    for (int c = 0; c < CN; c++) a[c] += xp[c] * d;
    xp += xs;
    dp += O;
  }
  for (int c = 0; c < CN; c++) w[c * O] = a[c];
}

/* All output channels for CN input channels. */
INLINE void channels(const float *xp, int xs, const float *dp, int O, int n, float *w, int CN) {
  int o = 0;
  for (; o + 8 <= O; o += 8) block8(xp, xs, dp + o, O, n, w + o, CN);
  for (; o + 4 <= O; o += 4) block4(xp, xs, dp + o, O, n, w + o, CN);
  for (; o < O; o++) block1(xp, xs, dp + o, O, n, w + o, CN);
}

/* One row of n voxels against one tap: every (c, o) pair. */
static void row(const float *xp, int xs, const float *dp, int C, int O, int n, float *w) {
  int c = 0;
  for (; c + 4 <= C; c += 4) channels(xp + c, xs, dp, O, n, w + c * O, 4);
  for (; c < C; c++) channels(xp + c, xs, dp, O, n, w + c * O, 1);
}

/* Smallest i >= 0 with i*s + k - p >= 0, and the count of i < n with i*s + k - p < len. */
static int first_in(int s, int k, int p) {
  int need = p - k; /* i*s >= need */
  return need <= 0 ? 0 : (need + s - 1) / s;
}
static int end_in(int s, int k, int p, int len, int n) {
  /* i*s + k - p <= len - 1  <=>  i <= (len - 1 + p - k) / s */
  int top = len - 1 + p - k;
  if (top < 0) return 0;
  int e = top / s + 1;
  return e < n ? e : n;
}

__attribute__((export_name("filter_grad"))) void filter_grad(
    const float *x, const float *dy, float *dw, int D, int B, int H, int W, int C, int Ho, int Wo,
    int O, int kd, int kh, int kw, int sy, int sx, int pz, int py, int px) {
  int taps = kd * kh * kw * C * O;
  for (int i = 0; i < taps; i++) dw[i] = 0.0f;
  int xs = sx * C;
  for (int b = 0; b < B; b++) {
    for (int z = 0; z < D; z++) {
      for (int dz = 0; dz < kd; dz++) {
        int iz = z + dz - pz;
        if (iz < 0 || iz >= D) continue;
        const float *xplane = x + (b * D + iz) * H * W * C;
        const float *dplane = dy + (b * D + z) * Ho * Wo * O;
        for (int y = 0; y < Ho; y++) {
          const float *drow = dplane + y * Wo * O;
          for (int ky = 0; ky < kh; ky++) {
            int iy = y * sy + ky - py;
            if (iy < 0 || iy >= H) continue;
            const float *xrow = xplane + iy * W * C;
            for (int kx = 0; kx < kw; kx++) {
              int x0 = first_in(sx, kx, px);
              int x1 = end_in(sx, kx, px, W, Wo);
              if (x1 <= x0) continue;
              float *w = dw + ((dz * kh + ky) * kw + kx) * C * O;
              row(xrow + (x0 * sx + kx - px) * C, xs, drow + x0 * O, C, O, x1 - x0, w);
            }
          }
        }
      }
    }
  }
}
