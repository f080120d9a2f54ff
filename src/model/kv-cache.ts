/**
 * Keys and values of earlier positions, one entry per executed attention layer. Huginn gives
 * every recurrence step its own entries: names are `prelude.{j}`, `core.{step}.{j}` (step 1..T)
 * and `coda.{j}`, in the order the blocks execute.
 */
import * as tf from '@tensorflow/tfjs';

export interface KvEntry {
  /** Keys stored transposed, [B, heads, headSize, L], so scores are a plain matMul. */
  readonly keysT: tf.Tensor4D;
  /** [B, heads, L, headSize]. */
  readonly values: tf.Tensor4D;
}

/** Where attention layers read earlier keys/values and leave their updated entries. */
export interface KvStore {
  get(name: string): KvEntry | undefined;
  /**
   * Records the keys/values of a layer after a call: `added` holds the new positions only,
   * `full` the past plus the new positions (what the layer attended to).
   */
  put(name: string, added: KvEntry, full: KvEntry): void;
}

export function kvName(kind: 'prelude' | 'coda', block: number): string;
export function kvName(kind: 'core', block: number, step: number): string;
export function kvName(kind: 'prelude' | 'core' | 'coda', block: number, step?: number): string {
  return kind === 'core' ? `core.${step}.${block}` : `${kind}.${block}`;
}

/** The standard cache: keeps `full` for each layer and frees what it replaces. */
export class KvCache implements KvStore {
  private readonly entries = new Map<string, KvEntry>();

  get(name: string): KvEntry | undefined {
    return this.entries.get(name);
  }

  put(name: string, _added: KvEntry, full: KvEntry): void {
    this.set(name, full);
  }

  /** Replaces an entry, keeping the new tensors alive outside any tidy scope. */
  set(name: string, entry: KvEntry): void {
    const old = this.entries.get(name);
    if (old === entry) return;
    tf.keep(entry.keysT);
    tf.keep(entry.values);
    this.entries.set(name, entry);
    if (old) {
      if (old.keysT !== entry.keysT) old.keysT.dispose();
      if (old.values !== entry.values) old.values.dispose();
    }
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  /** Number of cached positions (0 when empty). */
  get length(): number {
    for (const e of this.entries.values()) return e.values.shape[2];
    return 0;
  }

  /** Repeats every entry `times` along the batch (prompt rows b -> rows b*times .. b*times+times-1). */
  repeatBatch(times: number): void {
    if (times === 1) return;
    for (const [name, e] of [...this.entries]) {
      const rep = tf.tidy(() => ({ keysT: repeatRows(e.keysT, times), values: repeatRows(e.values, times) }));
      this.set(name, rep);
    }
  }

  dispose(): void {
    for (const e of this.entries.values()) {
      e.keysT.dispose();
      e.values.dispose();
    }
    this.entries.clear();
  }
}

/**
 * Repeats each row of the leading axis `times` times, keeping copies adjacent. (A concat of copies:
 * on the wasm backend tf.tile is two orders of magnitude slower.)
 */
export function repeatRows<T extends tf.Tensor>(x: T, times: number): T {
  if (times === 1) return x.clone();
  return tf.tidy(() => {
    const [b, ...rest] = x.shape;
    const flat = tf.reshape(x, [b!, 1, x.size / b!]);
    const copies = tf.concat(new Array<tf.Tensor>(times).fill(flat), 1);
    return tf.reshape(copies, [b! * times, ...rest]) as T;
  });
}
