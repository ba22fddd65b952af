import type { CreateLossOptions } from '@dmdet/losses';
import type { BackendName } from './backend';

/** What a model worker starts with (its `workerData`). */
export interface WorkerInit {
  /** `model.toJSON(null, false)`: the layers topology. */
  topology: unknown;
  /** Values of `model.weights`, in order. */
  weights: Float32Array[];
  backend: BackendName | 'auto';
  loss: CreateLossOptions;
}

/** A request to a model worker. */
export type WorkerRequest =
  | {
      id: number;
      kind: 'gradients';
      /** Values of `model.weights`, in order. */
      weights: Float32Array[];
      x: Float32Array;
      xShape: number[];
      y: Float32Array;
      yShape: number[];
    }
  | {
      id: number;
      kind: 'predict';
      weights?: Float32Array[];
      data: Float32Array;
      shape: [number, number, number];
    };

/** A model worker's answer. */
export type WorkerResponse =
  | { id: 0; kind: 'ready'; backend: BackendName }
  | { id: number; kind: 'gradients'; loss: number; gradients: Float32Array[] }
  | { id: number; kind: 'predict'; data: Float32Array }
  | { id: number; kind: 'error'; error: { name: string; message: string; code?: string; stack?: string } };
