import {
  add,
  dispose,
  div,
  engine,
  maximum,
  mul,
  type NamedTensorMap,
  Optimizer,
  scalar,
  serialization,
  sqrt,
  square,
  sub,
  type Tensor,
  tidy,
  type Variable,
  zerosLike,
} from '@tensorflow/tfjs-core';
import { checkNumber } from './errors';

/** A named tensor, as optimizers' `getWeights` returns them. */
export interface NamedTensor {
  name: string;
  tensor: Tensor;
}

let registered = false;

/**
 * AMSGrad (Reddi et al. 2018): Adam with the element-wise maximum of all past second-moment
 * estimates in the denominator, so the effective step never grows. The update is PyTorch's
 * `Adam(amsgrad=True)`:
 * m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; v̂ ← max(v̂, v);
 * θ ← θ − (lr / (1−β1ᵗ)) · m / (√v̂ / √(1−β2ᵗ) + ε).
 * Registered for serialization as `AMSGrad`; its state (`getWeights`/`setWeights`) includes the step.
 */
export class AMSGradOptimizer extends Optimizer {
  /** Registered class name. */
  static get className(): string {
    return 'AMSGrad';
  }
  private readonly moments = new Map<string, { m: Variable; v: Variable; vhat: Variable }>();
  private step = 0;

  constructor(
    /** Step size; writable, so a schedule can lower it between steps. */
    public learningRate = 1e-3,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-8,
  ) {
    super();
    if (!registered) {
      serialization.registerClass(
        AMSGradOptimizer as unknown as serialization.SerializableConstructor<serialization.Serializable>,
      );
      registered = true;
    }
    checkNumber('learningRate', learningRate, (v) => v > 0, 'a positive number');
    checkNumber('beta1', beta1, (v) => v >= 0 && v < 1, 'in [0, 1)');
    checkNumber('beta2', beta2, (v) => v >= 0 && v < 1, 'in [0, 1)');
    checkNumber('epsilon', epsilon, (v) => v >= 0, 'a number >= 0');
  }

  override applyGradients(variableGradients: NamedTensorMap | NamedTensor[]): void {
    const entries: [string, Tensor][] = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor])
      : Object.entries(variableGradients);
    this.step++;
    const t = this.step;
    const stepSize = this.learningRate / (1 - this.beta1 ** t);
    const correction2 = Math.sqrt(1 - this.beta2 ** t);
    for (const [name, gradient] of entries) {
      if (gradient == null) continue;
      const value = engine().registeredVariables[name] as Variable;
      let state = this.moments.get(name);
      if (!state) {
        state = tidy(() => ({
          m: zerosLike(value).variable(false),
          v: zerosLike(value).variable(false),
          vhat: zerosLike(value).variable(false),
        }));
        this.moments.set(name, state);
      }
      const { m, v, vhat } = state;
      tidy(() => {
        const m1 = add(mul(m, this.beta1), mul(gradient, 1 - this.beta1));
        const v1 = add(mul(v, this.beta2), mul(square(gradient), 1 - this.beta2));
        const vhat1 = maximum(vhat, v1);
        const denom = add(div(sqrt(vhat1), correction2), this.epsilon);
        m.assign(m1);
        v.assign(v1);
        vhat.assign(vhat1);
        value.assign(sub(value, mul(div(m1, denom), scalar(stepSize))));
      });
    }
    this.incrementIterations();
  }

  override dispose(): void {
    for (const s of this.moments.values()) dispose([s.m, s.v, s.vhat]);
    this.moments.clear();
  }

  /** The optimizer state: the step, then m, v and v̂ of every variable it has updated. */
  override async getWeights(): Promise<NamedTensor[]> {
    const out: NamedTensor[] = [{ name: 'step', tensor: scalar(this.step, 'int32') }];
    for (const [name, s] of this.moments) {
      out.push(
        { name: `${name}/m`, tensor: s.m },
        { name: `${name}/v`, tensor: s.v },
        { name: `${name}/vhat`, tensor: s.vhat },
      );
    }
    return out;
  }

  /** Restores a state from {@link getWeights} (variable names must match the model's). */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    this.dispose();
    const byName = new Map(weightValues.map((w) => [w.name, w.tensor]));
    const step = byName.get('step');
    this.step = step ? ((await step.data())[0] as number) : 0;
    this.iterations_ = this.step;
    for (const w of weightValues) {
      const match = /^(.*)\/m$/.exec(w.name);
      if (!match) continue;
      const name = match[1] as string;
      const v = byName.get(`${name}/v`);
      const vhat = byName.get(`${name}/vhat`);
      if (!v || !vhat) continue;
      this.moments.set(name, {
        m: w.tensor.clone().variable(false),
        v: v.clone().variable(false),
        vhat: vhat.clone().variable(false),
      });
    }
  }

  override getConfig(): serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }

  static override fromConfig<T extends serialization.Serializable>(
    cls: serialization.SerializableConstructor<T>,
    config: serialization.ConfigDict,
  ): T {
    return new cls(config['learningRate'], config['beta1'], config['beta2'], config['epsilon']);
  }
}

/** An AMSGrad optimizer with the paper's settings (lr 1e-3, β1 0.9, β2 0.999). */
export function amsgrad(learningRate = 1e-3, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8): AMSGradOptimizer {
  return new AMSGradOptimizer(learningRate, beta1, beta2, epsilon);
}
