import type { BackendName } from '@dmdet/model';
import type { ModelWorkerPool } from '@dmdet/model/node';
import type { DetectorModel } from '../detect';
import { loadModel } from '../node';
import { startPool } from './runtime';

/** A loaded model and the worker pool predicting with it (none with one worker). */
export interface ModelInUse {
  /** The name or folder it was loaded from. */
  name: string;
  detector: DetectorModel;
  pool: ModelWorkerPool | undefined;
}

/**
 * Holds one model and its worker pool at a time, so that `dmdet detect` can switch between
 * built-in models (`default`, and `scmos` for stacks with a pixel pattern) without holding two
 * pools' memory: `use` closes the pool of the model before and starts one for the next, and a
 * pool starts only when a frame detects with it. Models are loaded once and kept (their weights
 * are small).
 */
export class ModelSlot {
  private current: ModelInUse | undefined;
  private readonly loaded = new Map<string, DetectorModel>();

  constructor(
    private readonly backend: BackendName,
    private readonly workers: number,
  ) {}

  /** The model `name` (a built-in name or a folder), loaded once; no pool is started. */
  async load(name: string): Promise<DetectorModel> {
    const detector = this.loaded.get(name) ?? (await loadModel(name));
    this.loaded.set(name, detector);
    return detector;
  }

  /** The model `name` with a pool started for it (the pool of the model before is closed). */
  async use(name: string): Promise<ModelInUse> {
    if (this.current?.name === name) return this.current;
    const detector = await this.load(name);
    await this.close();
    const pool = await startPool(detector.model, this.backend, this.workers);
    this.current = { name, detector, pool };
    return this.current;
  }

  /** Closes the pool in use, if any. */
  async close(): Promise<void> {
    const pool = this.current?.pool;
    this.current = undefined;
    await pool?.close();
  }
}
