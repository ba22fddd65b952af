"""Stacks made outside the project's simulator, with a PSF from diffraction optics instead of
Gaussians: a check that the built-in model holds on spots shaped as a microscope shapes them.

Each PSF is the scalar, non-paraxial image of a point through a circular pupil (numerical aperture
NA, immersion index n, emission wavelength λ): the field at defocus z is the inverse Fourier
transform of the pupil P(k) · exp(2πi z √((n/λ)² − |k|²)), with P = 1 inside |k| ≤ NA/λ times an
optional primary spherical aberration exp(2πi · a · (6ρ⁴ − 6ρ² + 1)), ρ = |k| λ / NA, a in waves
(the aberration of imaging into tissue or through a mismatched medium). Its Airy rings, axial side
lobes and (with a) its asymmetry along z are all there, none of them in the project's `general`
family, which draws Gaussian cores with Gaussian halos and tails. Computed on a 3× finer in-plane
grid and summed over each camera pixel (pixel integration), each spot at a sub-pixel position
(thirds of a pixel, quarters of a slice), its true position the PSF's brightest point.

Camera: Poisson photons on a flat background with a mild gradient, gain, offset, Gaussian read
noise, uint16. Each spot's brightness is spread by a lognormal factor (σ 0.2 of its log) about the
amplitude set from the local SNR as `@dmdet/simulate` defines it (peak
photons A over √(A + background + read noise²), so the benchmarks' SNRs mean the same). Also
written: the σ of a 3D Gaussian fitted to the in-focus PSF (camera pixels and slices), which the
classical baseline is given as "the true σ".

Cases (name: NA / n / λ µm / pixel µm / z step µm / spherical aberration in waves):
  oil-1.4:       1.40 / 1.515 / 0.60 / 0.065 / 0.20 / 0    (100× oil, sCMOS 6.5 µm pixels)
  oil-1.4-sa:    1.40 / 1.515 / 0.60 / 0.065 / 0.20 / 0.3  (the same 10–20 µm deep into tissue)
  water-1.2:     1.20 / 1.333 / 0.67 / 0.108 / 0.30 / 0    (60× water, 6.5 µm pixels)
  air-0.8:       0.80 / 1.000 / 0.52 / 0.160 / 0.50 / 0    (40× air, small spots in voxels)
  confocal-1.4:  1.40 / 1.515 / 0.60 / 0.045 / 0.15 / 0    (a confocal, pinhole closed: the PSF is
                 the emission PSF times the excitation PSF at 0.561 µm, sharper, its rings fainter)

    /usr/bin/python3 tools/analysis/optical_psf_stacks.py OUT [--snr 2,4,7] [--volumes 6] [--cases …] [--shape 24,128,128] [--spots 80] [--seed 1] [--scmos k]

With `--scmos k` the camera is an sCMOS's: each pixel has its own offset (σ k × the median read
noise), gain (σ 2 %) and read noise (lognormal around the median, σ 0.5 of its log, so a few
pixels are several times noisier), the same pixel pattern in every slice of a stack, as in
a real camera's z stack; the SNR then counts the pattern's spread as noise.

All cases draw from one random stream (`--seed`), in the order given: a `--cases` subset gives
other stacks than the same cases among more.

Writes OUT/<case>-snr<s>-<k>.tif (uint16, ImageJ hyperstack with the voxel size), the matching
-truth.csv (x, y, z in voxels) and OUT/cases.json (each case's optics, fitted σ and files).
`tools/analysis/external-stacks.ts OUT` scores models on them beside SEF3D.
"""

import argparse
import json
import os

import numpy as np
import tifffile
from scipy.optimize import curve_fit

CASES = {
    "oil-1.4": dict(na=1.40, n=1.515, wavelength=0.60, pixel=0.065, dz=0.20, sa=0.0),
    "oil-1.4-sa": dict(na=1.40, n=1.515, wavelength=0.60, pixel=0.065, dz=0.20, sa=0.3),
    "water-1.2": dict(na=1.20, n=1.333, wavelength=0.67, pixel=0.108, dz=0.30, sa=0.0),
    "air-0.8": dict(na=0.80, n=1.000, wavelength=0.52, pixel=0.160, dz=0.50, sa=0.0),
    # a point-scanning confocal with its pinhole closed down: the excitation PSF times the emission PSF
    "confocal-1.4": dict(na=1.40, n=1.515, wavelength=0.60, excitation=0.561, pixel=0.045, dz=0.15, sa=0.0),
}
OVER = 3  # in-plane oversampling (pixel integration)
SUBZ = 4  # sub-slice positions
HALF_XY = 12  # kernel half-width, camera pixels
DEPTH_UM = 1.6  # kernel half-depth, µm (at least 3 slices): beyond it the light is spread thinner
# than 1/1000 of the peak per voxel and is left out, as is what falls outside the kernel in-plane
FIELD = 160  # in-plane field the PSF is computed on, camera pixels (no defocused light wraps round)


def pupil_field(case, z_um, grid):
    """Complex field at defocus z (µm) on the oversampled grid (N×N, spacing pixel/OVER)."""
    na, n, lam = case["na"], case["n"], case["wavelength"]
    dx = case["pixel"] / OVER
    k = np.fft.fftfreq(grid, dx)
    kx, ky = np.meshgrid(k, k, indexing="xy")
    kr2 = kx**2 + ky**2
    inside = kr2 <= (na / lam) ** 2
    rho2 = kr2 * (lam / na) ** 2
    kz = np.sqrt(np.maximum((n / lam) ** 2 - kr2, 0.0))
    phase = 2 * np.pi * (z_um * kz + case["sa"] * (6 * rho2**2 - 6 * rho2 + 1))
    return np.fft.fftshift(np.fft.ifft2(np.where(inside, np.exp(1j * phase), 0)))


def intensity(case, z_um, grid):
    e = pupil_field(case, z_um, grid)
    out = (e * e.conj()).real
    if "excitation" in case:  # confocal: the focused excitation light times the detected emission
        x = pupil_field(dict(case, wavelength=case["excitation"]), z_um, grid)
        out = out * (x * x.conj()).real
    return out


def focus(case, grid):
    """Defocus (µm) of the PSF's brightest point along the axis."""
    zs = np.linspace(-3, 3, 301) * case["wavelength"] * case["n"] / case["na"] ** 2
    c = grid // 2
    on_axis = [intensity(case, z, grid)[c, c] for z in zs]
    return float(zs[int(np.argmax(on_axis))])


def kernels(case):
    """Pixel-integrated kernels per sub-position: K[oz][oy][ox], each (2·hz+1, 2·HALF_XY+1, 2·HALF_XY+1)
    (hz the half-depth in slices), normalised so the centred in-focus kernel's peak is 1; the
    defocus (µm from the paraxial focus) of the PSF's brightest point, where the spot's position is."""
    size = 2 * HALF_XY + 1
    grid = OVER * FIELD
    hz = max(3, int(round(DEPTH_UM / case["dz"])))
    z0 = focus(case, grid)
    planes = {}
    out = np.zeros((SUBZ, OVER, OVER, 2 * hz + 1, size, size))
    for oz in range(SUBZ):
        for j in range(-hz, hz + 1):
            defocus = z0 + (j - oz / SUBZ) * case["dz"]
            img = planes.get(round(defocus, 9))
            if img is None:
                img = planes[round(defocus, 9)] = intensity(case, defocus, grid)
            for oy in range(OVER):
                for ox in range(OVER):
                    # the point sits oy, ox fine pixels past the centre of the fine grid; bin from
                    # the fine pixel that makes the central camera pixel's centre the grid centre
                    shifted = np.roll(img, (oy, ox), axis=(0, 1))
                    c = grid // 2 - 1 - OVER * HALF_XY
                    crop = shifted[c : c + OVER * size, c : c + OVER * size]
                    out[oz, oy, ox, j + hz] = crop.reshape(size, OVER, size, OVER).sum(axis=(1, 3))
    out /= out[0, 0, 0].max()
    return out, z0


def gaussian_sigma(kernel):
    """σxy, σz of a 3D Gaussian (with offset) least-squares fitted to the centred in-focus kernel's core (±4 px, ±3 slices)."""
    zc, c = kernel.shape[0] // 2, HALF_XY
    sub = kernel[zc - 3 : zc + 4, c - 4 : c + 5, c - 4 : c + 5]
    z, y, x = np.meshgrid(*[np.arange(s, dtype=float) - s // 2 for s in sub.shape], indexing="ij")

    def g(coords, a, sxy, sz, z0, b):
        zz, yy, xx = coords
        return a * np.exp(-(xx**2 + yy**2) / (2 * sxy**2) - (zz - z0) ** 2 / (2 * sz**2)) + b

    p, _ = curve_fit(g, (z.ravel(), y.ravel(), x.ravel()), sub.ravel(), p0=(1, 1.3, 1.3, 0, 0))
    return abs(float(p[1])), abs(float(p[2]))


def amplitude_for_snr(snr, background, read_photons):
    """Peak photons A with A / √(A + background + read²) = snr."""
    v = background + read_photons**2
    return (snr**2 + np.sqrt(snr**4 + 4 * snr**2 * v)) / 2


def stack(case, kern, snr, shape, spots, rng, scmos=0.0):
    Z, Y, X = shape
    background = rng.uniform(5, 40)  # photons per voxel
    gain = rng.uniform(0.5, 3.0)  # counts per photon
    offset = rng.uniform(100, 2000)
    read = rng.uniform(1.0, 4.0)  # counts
    gradient = rng.uniform(-0.3, 0.3)
    # The noise a spot stands against: with an sCMOS pattern its pixels' offsets and read noises
    # vary too (variance (scmos · read)² + read² · e^0.5 over the pixels), so SNR stays a local SNR.
    spread = np.sqrt(scmos**2 + np.exp(0.5)) * read if scmos else read
    amp = amplitude_for_snr(snr, background, spread / gain)
    photons = np.full(shape, background, dtype=np.float64)
    photons *= 1 + gradient * (np.arange(X) / (X - 1) - 0.5)[None, None, :]
    truth = []
    kz, ky, kx = kern.shape[3:]
    for _ in range(spots):
        # anywhere inside the volume, a margin of one voxel from its faces
        zf = rng.uniform(1, Z - 2)
        yf = rng.uniform(1, Y - 2)
        xf = rng.uniform(1, X - 2)
        iz, oz = divmod(int(round(zf * SUBZ)), SUBZ)
        iy, oy = divmod(int(round(yf * OVER)), OVER)
        ix, ox = divmod(int(round(xf * OVER)), OVER)
        truth.append((ix + ox / OVER, iy + oy / OVER, iz + oz / SUBZ))
        k = kern[oz, oy, ox] * amp * np.exp(rng.normal(0, 0.2))
        z0, y0, x0 = iz - kz // 2, iy - HALF_XY, ix - HALF_XY
        zs, ys, xs = max(0, z0), max(0, y0), max(0, x0)
        ze, ye, xe = min(Z, z0 + kz), min(Y, y0 + ky), min(X, x0 + kx)
        photons[zs:ze, ys:ye, xs:xe] += k[zs - z0 : ze - z0, ys - y0 : ye - y0, xs - x0 : xe - x0]
    if scmos:
        # Each pixel its own offset (σ scmos × the median read noise), gain (σ 2 %) and read noise
        # (lognormal, σ 0.5 of its log: 1 % of pixels above 3.2× the median), the same in every slice.
        pix_offset = offset + rng.normal(0, scmos * read, (Y, X))
        pix_gain = gain * (1 + rng.normal(0, 0.02, (Y, X)))
        pix_read = read * np.exp(rng.normal(0, 0.5, (Y, X)))
        counts = rng.poisson(photons) * pix_gain + pix_offset + rng.normal(0, 1, shape) * pix_read
    else:
        counts = rng.poisson(photons) * gain + offset + rng.normal(0, read, shape)
    camera = dict(background=background, gain=gain, offset=offset, read=read, amplitude=float(amp))
    return np.clip(np.round(counts), 0, 65535).astype(np.uint16), truth, camera


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--snr", default="2,4,7")
    ap.add_argument("--volumes", type=int, default=6)
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--shape", default="24,128,128")
    ap.add_argument("--spots", type=int, default=80)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scmos", type=float, default=0.0, help="per-pixel offsets (σ this × the read noise), gains and read noise")
    a = ap.parse_args()
    shape = tuple(int(v) for v in a.shape.split(","))
    os.makedirs(a.out, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    index = {}
    for name in a.cases.split(","):
        case = CASES[name]
        kern, z0 = kernels(case)
        sxy, sz = gaussian_sigma(kern[0, 0, 0])
        entry = dict(case, focus_um=z0, sigma_xy=sxy, sigma_z=sz, files=[])
        for snr in [float(s) for s in a.snr.split(",")]:
            for k in range(a.volumes):
                data, truth, camera = stack(case, kern, snr, shape, a.spots, rng, a.scmos)
                base = f"{name}-snr{snr:g}-{k}"
                tifffile.imwrite(
                    os.path.join(a.out, base + ".tif"),
                    data,
                    imagej=True,
                    resolution=(1 / case["pixel"], 1 / case["pixel"]),
                    metadata={"spacing": case["dz"], "unit": "um", "axes": "ZYX"},
                )
                with open(os.path.join(a.out, base + "-truth.csv"), "w") as f:
                    f.write("x,y,z\n" + "".join(f"{x:.4f},{y:.4f},{z:.4f}\n" for x, y, z in truth))
                entry["files"].append(dict(snr=snr, tif=base + ".tif", truth=base + "-truth.csv", **camera))
        index[name] = entry
        print(f"{name}: fitted Gaussian σxy {sxy:.2f} px, σz {sz:.2f} slices; focus {z0:+.3f} µm from the paraxial")
    with open(os.path.join(a.out, "cases.json"), "w") as f:
        json.dump(index, f, indent=1)


if __name__ == "__main__":
    main()
