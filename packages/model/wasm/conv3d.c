/*
 * 3D convolution with 'same' padding and stride [1, sy, sx] (tf.conv3d's), its input gradient and its
 * filter gradient, in wasm SIMD (128 bits), for the tfjs wasm backend. Layouts (row-major):
 *   x  [B][D][H][W][C]      the input (NDHWC)
 *   w  [kd][kh][kw][C][O]   the kernel; wt [kd][kh][kw][O][C] the same with its channel axes swapped
 *   y, dy [B][D][Ho][Wo][O] the output and its gradient
 * with, for every output voxel and tap, the input voxel
 *   x[b][z + dz - pz][y*sy + ky - py][x*sx + kx - px]   (zero outside the volume: the padding)
 * so that
 *   conv3d:             y[b][z][y][x][o]        = bias[o] + sum over taps, c of x[..][c] * w[tap][c][o]
 *   conv3d_input_grad:  dx[b][iz][iy][ix][c]    = sum over the (tap, output voxel) pairs reading it
 *                                                  of dy[..][o] * w[tap][c][o]
 *   conv3d_filter_grad: dw[dz][ky][kx][c][o]    = sum over b, z, y, x of x[..][c] * dy[b][z][y][x][o]
 *
 * Built by packages/model/wasm/build.mjs into src/conv3d-wasm.ts. The module imports
 * tfjs-backend-wasm's memory and must not touch any of it but the arrays it is given: no static
 * data, no stack in linear memory (every local is a scalar or a v128 value; the build checks the
 * binary has no data segment, no global and no call). Indices are 32-bit ints: wasm32 memory holds
 * under 2^30 floats.
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

__attribute__((export_name("conv3d_filter_grad"))) void conv3d_filter_grad(
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

/* ---- forward and input gradient: out[j*os + o] += sum over k < K of in[j*is + k] * w[k*O + o] ---- */

/* JN positions x 8 outputs: accumulators in registers, each weight pair loaded once per k. */
INLINE void gather8(float *out, int os, const float *in, int is, int K, const float *w, int O, int JN) {
  v128_t a[4][2];
  for (int j = 0; j < JN; j++) {
    a[j][0] = wasm_v128_load(out + j * os);
    a[j][1] = wasm_v128_load(out + j * os + 4);
  }
  for (int k = 0; k < K; k++) {
    v128_t w0 = wasm_v128_load(w + k * O);
    v128_t w1 = wasm_v128_load(w + k * O + 4);
    for (int j = 0; j < JN; j++) {
      v128_t xv = wasm_v128_load32_splat(in + j * is + k);
      a[j][0] = wasm_f32x4_add(a[j][0], wasm_f32x4_mul(xv, w0));
      a[j][1] = wasm_f32x4_add(a[j][1], wasm_f32x4_mul(xv, w1));
    }
  }
  for (int j = 0; j < JN; j++) {
    wasm_v128_store(out + j * os, a[j][0]);
    wasm_v128_store(out + j * os + 4, a[j][1]);
  }
}

INLINE void gather4(float *out, int os, const float *in, int is, int K, const float *w, int O, int JN) {
  v128_t a[4];
  for (int j = 0; j < JN; j++) a[j] = wasm_v128_load(out + j * os);
  for (int k = 0; k < K; k++) {
    v128_t w0 = wasm_v128_load(w + k * O);
    for (int j = 0; j < JN; j++) {
      v128_t xv = wasm_v128_load32_splat(in + j * is + k);
      a[j] = wasm_f32x4_add(a[j], wasm_f32x4_mul(xv, w0));
    }
  }
  for (int j = 0; j < JN; j++) wasm_v128_store(out + j * os, a[j]);
}

INLINE void gather1(float *out, int os, const float *in, int is, int K, const float *w, int O, int JN) {
  float a[4];
  for (int j = 0; j < JN; j++) a[j] = out[j * os];
  for (int k = 0; k < K; k++) {
    float wk = w[k * O];
    for (int j = 0; j < JN; j++) a[j] += in[j * is + k] * wk;
  }
  for (int j = 0; j < JN; j++) out[j * os] = a[j];
}

/* JN positions, every output. */
INLINE void gather_outputs(float *out, int os, const float *in, int is, int K, const float *w, int O, int JN) {
  int o = 0;
  for (; o + 8 <= O; o += 8) gather8(out + o, os, in, is, K, w + o, O, JN);
  for (; o + 4 <= O; o += 4) gather4(out + o, os, in, is, K, w + o, O, JN);
  for (; o < O; o++) gather1(out + o, os, in, is, K, w + o, O, JN);
}

/* n positions of a row, four at a time. */
static void gather_row(float *out, int os, int n, const float *in, int is, int K, const float *w, int O) {
  int j = 0;
  for (; j + 4 <= n; j += 4) gather_outputs(out + j * os, os, in + j * is, is, K, w, O, 4);
  for (; j < n; j++) gather_outputs(out + j * os, os, in + j * is, is, K, w, O, 1);
}

__attribute__((export_name("conv3d"))) void conv3d(
    const float *x, const float *w, const float *bias, float *y, int D, int B, int H, int W, int C, int Ho,
    int Wo, int O, int kd, int kh, int kw, int sy, int sx, int pz, int py, int px) {
  for (int b = 0; b < B; b++) {
    for (int z = 0; z < D; z++) {
      for (int yo = 0; yo < Ho; yo++) {
        float *orow = y + ((b * D + z) * Ho + yo) * Wo * O;
        for (int i = 0; i < Wo; i++)
          for (int o = 0; o < O; o++) orow[i * O + o] = bias ? bias[o] : 0.0f;
        for (int dz = 0; dz < kd; dz++) {
          int iz = z + dz - pz;
          if (iz < 0 || iz >= D) continue;
          for (int ky = 0; ky < kh; ky++) {
            int iy = yo * sy + ky - py;
            if (iy < 0 || iy >= H) continue;
            const float *xrow = x + ((b * D + iz) * H + iy) * W * C;
            for (int kx = 0; kx < kw; kx++) {
              int j0 = first_in(sx, kx, px);
              int j1 = end_in(sx, kx, px, W, Wo);
              if (j1 <= j0) continue;
              const float *wt = w + ((dz * kh + ky) * kw + kx) * C * O;
              gather_row(orow + j0 * O, O, j1 - j0, xrow + (j0 * sx + kx - px) * C, sx * C, C, wt, O);
            }
          }
        }
      }
    }
  }
}

__attribute__((export_name("conv3d_input_grad"))) void conv3d_input_grad(
    const float *dy, const float *wt, float *dx, int D, int B, int H, int W, int C, int Ho, int Wo, int O,
    int kd, int kh, int kw, int sy, int sx, int pz, int py, int px) {
  for (int b = 0; b < B; b++) {
    for (int iz = 0; iz < D; iz++) {
      for (int iy = 0; iy < H; iy++) {
        float *orow = dx + ((b * D + iz) * H + iy) * W * C;
        for (int i = 0; i < W * C; i++) orow[i] = 0.0f;
        for (int dz = 0; dz < kd; dz++) {
          int z = iz + pz - dz;
          if (z < 0 || z >= D) continue;
          for (int ky = 0; ky < kh; ky++) {
            int t = iy + py - ky;
            if (t < 0 || t % sy != 0 || t / sy >= Ho) continue;
            const float *drow = dy + ((b * D + z) * Ho + t / sy) * Wo * O;
            for (int kx = 0; kx < kw; kx++) {
              /* The input columns this tap reaches: ix = r + j*sx, read by output column base + j. */
              int r = ((kx - px) % sx + sx) % sx;
              int base = (r + px - kx) / sx; /* exact */
              int j0 = base < 0 ? -base : 0;
              int j1 = (W - r + sx - 1) / sx;
              if (Wo - base < j1) j1 = Wo - base;
              if (j1 <= j0) continue;
              const float *wk = wt + ((dz * kh + ky) * kw + kx) * O * C;
              gather_row(orow + (r + j0 * sx) * C, sx * C, j1 - j0, drow + (base + j0) * O, O, O, wk, C);
            }
          }
        }
      }
    }
  }
}
