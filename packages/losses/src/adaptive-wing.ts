import {
  abs,
  add,
  customGrad,
  div,
  type GradSaveFunc,
  greater,
  less,
  log,
  log1p,
  mul,
  pow,
  scalar,
  sign,
  sub,
  type Tensor,
  tidy,
  where,
  zerosLike,
} from '@tensorflow/tfjs-core';
import { checkNumber, checkSameShape } from './errors';

/** Parameters of the adaptive wing loss (eq. 1); defaults are the paper's. */
export interface AdaptiveWingOptions {
  /** α, must exceed 2 so that α − y > 1 and the gradient vanishes smoothly at y = ŷ. Default 2.1. */
  alpha?: number;
  /** ω, the scale of the nonlinear part. Default 14. */
  omega?: number;
  /** ε > 0, limits the curvature of the nonlinear part. Default 1. */
  epsilon?: number;
  /** θ in (0, 1], where the loss switches from nonlinear to linear. Default 0.5. */
  theta?: number;
}

/** The paper's parameters: α = 2.1, ω = 14, ε = 1, θ = 0.5. */
export const AWING_DEFAULTS: Readonly<Required<AdaptiveWingOptions>> = {
  alpha: 2.1,
  omega: 14,
  epsilon: 1,
  theta: 0.5,
};

/** Validates AWing parameters and fills in the defaults. */
export function resolveAdaptiveWingOptions(options: AdaptiveWingOptions = {}): Required<AdaptiveWingOptions> {
  const o = { ...AWING_DEFAULTS, ...options };
  checkNumber('alpha', o.alpha, (v) => v > 2, 'greater than 2 (the paper: "slightly larger than two")');
  checkNumber('omega', o.omega, (v) => v > 0, 'a positive number');
  checkNumber('epsilon', o.epsilon, (v) => v > 0, 'a positive number');
  checkNumber('theta', o.theta, (v) => v > 0 && v <= 1, 'in (0, 1]');
  return o;
}

/**
 * The per-voxel adaptive wing loss (Wang et al. 2019; eq. 1 of DM-DetNet3D) between a target map
 * `yTrue` in [0, 1] and a prediction `yPred`, same shape in and out:
 * ω·ln(1 + (|y − ŷ|/ε)^(α − y)) where |y − ŷ| < θ, else A·|y − ŷ| − C, with A and C making value and
 * slope continuous at θ. Its gradient is analytic (`customGrad`) for both inputs and finite
 * everywhere, including y = ŷ, |y − ŷ| = θ, y ∈ {0, 1} and a saturated prediction.
 *
 * @example
 * const lossMap = adaptiveWing(yTrue, yPred); // Tensor of yTrue's shape
 */
export function adaptiveWing(yTrue: Tensor, yPred: Tensor, options: AdaptiveWingOptions = {}): Tensor {
  const { alpha, omega, epsilon, theta } = resolveAdaptiveWingOptions(options);
  checkSameShape(yTrue.shape, yPred.shape, 'adaptiveWing(yTrue, yPred)');
  const t = theta / epsilon;
  const lnT = Math.log(t);
  const f = customGrad(((y: Tensor, x: Tensor, save: GradSaveFunc) => {
    save([y, x]);
    const value = tidy(() => {
      const d = abs(sub(y, x));
      const a = sub(scalar(alpha), y);
      const nonlinear = mul(omega, log1p(pow(div(d, epsilon), a)));
      const ta = pow(scalar(t), a);
      const A = div(mul(mul(omega / epsilon, a), pow(scalar(t), sub(a, 1))), add(1, ta));
      const C = sub(mul(theta, A), mul(omega, log1p(ta)));
      return where(less(d, theta), nonlinear, sub(mul(A, d), C));
    });
    const gradFunc = (dy: Tensor, saved: Tensor[]): Tensor[] =>
      tidy(() => {
        const [ys, xs] = saved as [Tensor, Tensor];
        const diff = sub(ys, xs);
        const s = sign(diff);
        const d = abs(diff);
        const a = sub(scalar(alpha), ys);
        const u = div(d, epsilon);
        const ua = pow(u, a);
        const inNonlinear = less(d, theta);
        // Nonlinear part: L = ω ln(1 + u^a), u = |y − x|/ε, a = α − y.
        const dUa = div(mul(mul(omega / epsilon, a), pow(u, sub(a, 1))), add(1, ua)); // ∂L/∂|d|
        const uaLnU = where(greater(u, 0), mul(ua, log(where(greater(u, 0), u, 1))), zerosLike(u));
        const dNonlinearDy = add(mul(s, dUa), mul(-omega, div(uaLnU, add(1, ua))));
        // Linear part: L = A|d| − C with A(a), C(a).
        const ta = pow(scalar(t), a);
        const pa = pow(scalar(t), sub(a, 1));
        const onePlusTa = add(1, ta);
        const A = div(mul(mul(omega / epsilon, a), pa), onePlusTa);
        const dAda = mul(div(mul(omega / epsilon, pa), onePlusTa), add(1, div(mul(a, lnT), onePlusTa)));
        const dCda = sub(mul(theta, dAda), div(mul(omega * lnT, ta), onePlusTa));
        const dLinearDy = add(sub(mul(s, A), mul(d, dAda)), dCda);
        const dLdy = where(inNonlinear, dNonlinearDy, dLinearDy);
        const dLdx = mul(-1, mul(s, where(inNonlinear, dUa, A)));
        return [mul(dy, dLdy), mul(dy, dLdx)];
      });
    return { value, gradFunc };
  }) as unknown as Parameters<typeof customGrad>[0]);
  return f(yTrue, yPred) as Tensor;
}
