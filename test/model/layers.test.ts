/**
 * The block components against small cases computed independently in plain JavaScript (double
 * precision, no tf): RMSNorm, interleaved rotary, gated MLP, causal attention, the sandwich
 * block's norm placement, and the additive attention mask.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/tensor/backend.js';
import { Rng } from '../../src/tensor/random.js';
import { meanColumn, rmsNorm } from '../../src/model/layers/rms-norm.js';
import { applyRotary, headRotaryTable, inverseFrequencies, rotate, rotaryHalf, rotaryTables, disposeRotary } from '../../src/model/layers/rotary.js';
import { gatedMlp } from '../../src/model/layers/gated-mlp.js';
import { attention } from '../../src/model/layers/attention.js';
import { sandwichBlock, type BlockContext } from '../../src/model/layers/sandwich-block.js';
import { pairSumMatrix } from '../../src/model/layers/head-attention.js';
import { headLayoutTensors, headLayoutWeights } from '../../src/model/weights.js';
import { buildMaskBias } from '../../src/model/recurrent-depth-model.js';
import { KvCache } from '../../src/model/kv-cache.js';
import type { AttentionWeights, BlockWeights, MlpWeights } from '../../src/model/weights.js';
import { assertClose, maxAbsDiff, values } from '../helpers/model.js';

before(async () => {
  await initBackend();
});

// ---------------------------------------------------------------------------------------------
// Plain-JS reference implementations (matrices are [out][in], as in the checkpoint)
// ---------------------------------------------------------------------------------------------

type Matrix = number[][];

function randomMatrix(rng: Rng, rows: number, cols: number, scale = 0.5): Matrix {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.normal() * scale));
}

function randomVector(rng: Rng, n: number, mean = 0, scale = 0.5): number[] {
  return Array.from({ length: n }, () => mean + rng.normal() * scale);
}

function linear(w: Matrix, x: readonly number[]): number[] {
  return w.map((r) => r.reduce((s, v, i) => s + v * x[i]!, 0));
}

/** [in, out] tensor of an [out][in] matrix: the layout the layers take. */
function transposedTensor(w: Matrix): tf.Tensor2D {
  const out = w.length;
  const inn = w[0]!.length;
  const data = new Float32Array(inn * out);
  for (let o = 0; o < out; o++) for (let i = 0; i < inn; i++) data[i * out + o] = w[o]![i]!;
  return tf.tensor2d(data, [inn, out]);
}

function jsRmsNorm(x: readonly number[], w: readonly number[], eps: number): number[] {
  const ms = x.reduce((s, v) => s + v * v, 0) / x.length;
  const r = 1 / Math.sqrt(ms + eps);
  return x.map((v, i) => v * r * w[i]!);
}

const silu = (g: number): number => g / (1 + Math.exp(-g));

/** Interleaved rotary on a vector made of heads of size hs: pairs (2i, 2i+1) rotate by pos * base^(-2i/hs). */
function jsRotate(x: readonly number[], pos: number, hs: number, base: number): number[] {
  const out = [...x];
  for (let head = 0; head < x.length / hs; head++) {
    for (let i = 0; i < hs / 2; i++) {
      const angle = pos * Math.pow(base, (-2 * i) / hs);
      const a = x[head * hs + 2 * i]!;
      const b = x[head * hs + 2 * i + 1]!;
      out[head * hs + 2 * i] = a * Math.cos(angle) - b * Math.sin(angle);
      out[head * hs + 2 * i + 1] = a * Math.sin(angle) + b * Math.cos(angle);
    }
  }
  return out;
}

interface JsAttention {
  wqkv: Matrix; // [3h][h]
  bias: number[] | undefined; // [2h]: q bias then k bias
  proj: Matrix; // [h][h]
}

/** Naive causal softmax attention over one sequence at positions 0..S-1; `keyMask[j] = 0` excludes key j. */
function jsAttention(x: readonly (readonly number[])[], w: JsAttention, heads: number, base: number, keyMask?: readonly number[]): number[][] {
  const h = x[0]!.length;
  const hs = h / heads;
  const q: number[][] = [];
  const k: number[][] = [];
  const v: number[][] = [];
  x.forEach((xs, pos) => {
    const qkv = linear(w.wqkv, xs);
    let qq = qkv.slice(0, h);
    let kk = qkv.slice(h, 2 * h);
    if (w.bias) {
      qq = qq.map((val, i) => val + w.bias![i]!);
      kk = kk.map((val, i) => val + w.bias![h + i]!);
    }
    q.push(jsRotate(qq, pos, hs, base));
    k.push(jsRotate(kk, pos, hs, base));
    v.push(qkv.slice(2 * h));
  });
  return x.map((_, i) => {
    const y = new Array<number>(h).fill(0);
    for (let head = 0; head < heads; head++) {
      const allowed: number[] = [];
      for (let j = 0; j <= i; j++) if (!keyMask || keyMask[j] === 1) allowed.push(j);
      const scores = allowed.map((j) => {
        let s = 0;
        for (let d = 0; d < hs; d++) s += q[i]![head * hs + d]! * k[j]![head * hs + d]!;
        return s / Math.sqrt(hs);
      });
      const m = Math.max(...scores);
      const e = scores.map((s) => Math.exp(s - m));
      const z = e.reduce((a, b) => a + b, 0);
      allowed.forEach((j, n) => {
        for (let d = 0; d < hs; d++) y[head * hs + d] += (e[n]! / z) * v[j]![head * hs + d]!;
      });
    }
    return linear(w.proj, y);
  });
}

function jsMlp(x: readonly number[], fc: Matrix, proj: Matrix): number[] {
  const inter = proj[0]!.length;
  const f = linear(fc, x);
  const hidden = Array.from({ length: inter }, (_, i) => silu(f[i]!) * f[inter + i]!);
  return linear(proj, hidden);
}

function attentionWeights(w: JsAttention): AttentionWeights {
  return {
    wqkvT: transposedTensor(w.wqkv),
    qkBias: w.bias ? tf.tensor1d(w.bias) : undefined,
    projT: transposedTensor(w.proj),
  };
}

function disposeAttention(w: AttentionWeights): void {
  w.wqkvT.dispose();
  w.qkBias?.dispose();
  w.projT.dispose();
}

// ---------------------------------------------------------------------------------------------
// RMSNorm
// ---------------------------------------------------------------------------------------------

describe('rmsNorm', () => {
  test('x * rsqrt(mean(x^2) + eps) * w on hand-computed rows', () => {
    // [3, 4]: mean square 12.5; weight [2, -0.5].
    const x = tf.tensor2d([[3, 4]]);
    const w = tf.tensor1d([2, -0.5]);
    const y = rmsNorm(x, w, 0);
    assertClose(values(y), [6 / Math.sqrt(12.5), -2 / Math.sqrt(12.5)], 1e-6, 'rmsNorm([3,4])');
    tf.dispose([x, w, y]);
  });

  test('eps is added to the mean square inside the root', () => {
    // [1, 1, 1, 1] has mean square 1; with eps = 3 the scale is 1/sqrt(4) = 0.5.
    const x = tf.tensor2d([[1, 1, 1, 1]]);
    const w = tf.tensor1d([1, 2, 3, 4]);
    const y = rmsNorm(x, w, 3);
    assertClose(values(y), [0.5, 1, 1.5, 2], 1e-6, 'rmsNorm with eps 3');
    const z = rmsNorm(tf.zeros([1, 4]) as tf.Tensor2D, w, 1e-6);
    assert.deepEqual([...values(z)], [0, 0, 0, 0], 'all-zero rows stay zero (and finite)');
    tf.dispose([x, w, y, z]);
  });

  test('normalises each row of a 3-D tensor over the last axis only', () => {
    const rows = [
      [3, 4, 0],
      [0.3, -0.4, 1.2],
      [10, 20, 30],
      [-1, 0, 0],
    ];
    const w = [0.9, 1.1, -1.3];
    const eps = 0.01;
    const x = tf.tensor3d([rows.slice(0, 2), rows.slice(2)]);
    const wt = tf.tensor1d(w);
    const y = rmsNorm(x, wt, eps);
    assert.deepEqual(y.shape, [2, 2, 3]);
    assertClose(values(y), rows.flatMap((r) => jsRmsNorm(r, w, eps)), 1e-5, 'rmsNorm [2,2,3]');
    // The mean as a matMul with the 1/width column (the native backend's layout) agrees.
    const column = meanColumn(3);
    const byMatMul = rmsNorm(x, wt, eps, column);
    assert.deepEqual(byMatMul.shape, [2, 2, 3]);
    assertClose(values(byMatMul), rows.flatMap((r) => jsRmsNorm(r, w, eps)), 1e-5, 'rmsNorm [2,2,3] with the mean column');
    tf.dispose([x, wt, y, column, byMatMul]);
  });
});

// ---------------------------------------------------------------------------------------------
// Rotary
// ---------------------------------------------------------------------------------------------

describe('interleaved rotary', () => {
  test('inverse frequencies are base^(-2i/headSize)', () => {
    assertClose(inverseFrequencies(4, 100), [1, 0.1], 1e-7, 'base 100, head size 4');
    assertClose(inverseFrequencies(8, 10000), [1, 0.1, 0.01, 0.001], 1e-7, 'base 1e4, head size 8');
  });

  test('a unit pair (1, 0) becomes (cos, sin) of pos * theta_i; k is unscaled, q carries 1/sqrt(hs)', () => {
    // 2 heads, head size 4, base 100: theta = [1, 0.1]; h = 8, qk width 16.
    const heads = 2;
    const hs = 4;
    const h = heads * hs;
    const positions = [0, 1, 3];
    const tables = rotaryTables(positions, heads, hs, 100);
    assert.deepEqual(tables.cos.shape, [3, 2 * h]);
    // Put (1, 0) in every pair of q and k.
    const unit = new Float32Array(positions.length * 2 * h);
    for (let i = 0; i < unit.length; i += 2) unit[i] = 1;
    const out = applyRotary(tf.tensor3d(unit, [1, positions.length, 2 * h]), tables);
    const got = values(out);
    const theta = [1, 0.1];
    positions.forEach((pos, s) => {
      for (let half = 0; half < 2; half++) {
        const scale = half === 0 ? 1 / Math.sqrt(hs) : 1; // q half first
        for (let head = 0; head < heads; head++) {
          for (let i = 0; i < hs / 2; i++) {
            const at = s * 2 * h + half * h + head * hs + 2 * i;
            const angle = pos * theta[i]!;
            assert.ok(Math.abs(got[at]! - scale * Math.cos(angle)) < 1e-6, `pos ${pos} ${half ? 'k' : 'q'} head ${head} pair ${i}: even`);
            assert.ok(Math.abs(got[at + 1]! - scale * Math.sin(angle)) < 1e-6, `pos ${pos} ${half ? 'k' : 'q'} head ${head} pair ${i}: odd`);
          }
        }
      }
    });
    // Spot values written out by hand: pos 1, pair 0 -> (cos 1, sin 1) = (0.5403023, 0.8414710).
    const k0 = 1 * 2 * h + h; // position index 1 (pos 1), k half, head 0
    assertClose([got[k0]!, got[k0 + 1]!], [0.5403023, 0.841471], 1e-6, 'k at pos 1');
    assertClose([got[1 * 2 * h]!, got[1 * 2 * h + 1]!], [0.2701512, 0.4207355], 1e-6, 'q at pos 1 (scaled by 1/2)');
    // Position 0 is the identity on k and a pure 1/sqrt(hs) scale on q.
    assertClose(got.subarray(h, 2 * h), unit.subarray(h, 2 * h), 1e-7, 'k at pos 0');
    assertClose(got.subarray(0, h), Array.from(unit.subarray(0, h), (v) => v / 2), 1e-7, 'q at pos 0');
    out.dispose();
    disposeRotary(tables);
  });

  test('random q|k vectors match the plain-JS interleaved rotation (batch 2)', () => {
    const heads = 2;
    const hs = 4;
    const h = heads * hs;
    const base = 100;
    const positions = [2, 5, 11];
    const rng = new Rng(5);
    const x = Array.from({ length: 2 * positions.length }, () => randomVector(rng, 2 * h, 0, 1));
    const tables = rotaryTables(positions, heads, hs, base);
    const out = applyRotary(tf.tensor3d(x.flat(), [2, positions.length, 2 * h]), tables);
    const expected = x.flatMap((vec, n) => {
      const pos = positions[n % positions.length]!;
      const q = jsRotate(vec.slice(0, h), pos, hs, base).map((v) => v / Math.sqrt(hs));
      const k = jsRotate(vec.slice(h), pos, hs, base);
      return [...q, ...k];
    });
    assertClose(values(out), expected, 1e-5, 'applyRotary');
    out.dispose();
    disposeRotary(tables);
  });

  test('a full-width swap matrix gives the same rotation as the head-size one, on rows of one or two sequences and on [B, S, w]', () => {
    const heads = 2;
    const hs = 4;
    const h = heads * hs;
    const positions = [2, 5, 11];
    const rng = new Rng(9);
    const perHead = rotaryTables(positions, heads, hs, 100);
    const fullWidth = rotaryTables(positions, heads, hs, 100, h);
    assert.deepEqual(fullWidth.swap?.shape, [h, h]);
    for (const [batch, rank] of [[1, 2], [2, 2], [2, 3]] as const) {
      const data = randomVector(rng, batch * positions.length * h, 0, 1);
      const x: tf.Tensor = rank === 2 ? tf.tensor2d(data, [batch * positions.length, h]) : tf.tensor3d(data, [batch, positions.length, h]);
      const expected: tf.Tensor = rotate(x, rotaryHalf(perHead, 'k'), perHead.swap);
      const got: tf.Tensor = rotate(x, rotaryHalf(fullWidth, 'k'), fullWidth.swap);
      assert.deepEqual(got.shape, x.shape);
      assert.equal(maxAbsDiff(values(got), values(expected)), 0, `batch ${batch}, rank ${rank}: a permutation matMul is exact`);
      tf.dispose([x, expected, got]);
    }
    assert.throws(() => rotaryTables(positions, heads, hs, 100, 6), /rotary swap size 6 must be the head size 4 or the width 8/);
    disposeRotary(perHead);
    disposeRotary(fullWidth);
  });

  test('rotate-half (non-interleaved) convention gives a different result (the check discriminates)', () => {
    const heads = 1;
    const hs = 4;
    const tables = rotaryTables([1], heads, hs, 100);
    const x = [1, 2, 3, 4];
    const out = applyRotary(tf.tensor3d([[[...x, ...x]]]), tables);
    const k = Array.from(values(out).subarray(hs));
    assertClose(k, jsRotate(x, 1, hs, 100), 1e-6, 'interleaved');
    // rotate-half pairs (0, 2) and (1, 3)
    const rotateHalf = [x[0]! * Math.cos(1) - x[2]! * Math.sin(1), x[1]! * Math.cos(0.1) - x[3]! * Math.sin(0.1)];
    assert.ok(Math.abs(k[0]! - rotateHalf[0]!) > 0.1, 'must not follow the rotate-half convention');
    out.dispose();
    disposeRotary(tables);
  });
});

// ---------------------------------------------------------------------------------------------
// Gated MLP
// ---------------------------------------------------------------------------------------------

describe('gatedMlp', () => {
  test('proj(SiLU(gate) * up) on a hand-computed case', () => {
    // x = [1, 2]; fc outputs (columns of fcT) = [gate0, gate1, up0, up1] = [1, -2, 2.5, 1].
    const x = tf.tensor2d([[1, 2]]);
    const w: MlpWeights = {
      fcT: tf.tensor2d([
        [1, 0, 0.5, 1],
        [0, -1, 1, 0],
      ]),
      projT: tf.tensor2d([
        [1, 2],
        [3, -1],
      ]),
    };
    const hidden = [silu(1) * 2.5, silu(-2) * 1]; // [1.8276464, -0.2384058]
    const expected = [hidden[0]! * 1 + hidden[1]! * 3, hidden[0]! * 2 + hidden[1]! * -1];
    assertClose(expected, [1.1124289, 3.8936987], 1e-6, 'hand arithmetic');
    const y = gatedMlp(x, w);
    assertClose(values(y), expected, 1e-5, 'gatedMlp');
    tf.dispose([x, w.fcT, w.projT, y]);
  });

  test('the FIRST half of fc is the gate: a zero gate gives zero output, a zero up-half too', () => {
    const x = tf.tensor2d([
      [1, -2],
      [0.5, 3],
    ]);
    const projT = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    // gate columns zero, up columns non-zero: SiLU(0) = 0 kills everything.
    const gateZero = tf.tensor2d([
      [0, 0, 1, 2],
      [0, 0, 3, 4],
    ]);
    const y1 = gatedMlp(x, { fcT: gateZero, projT });
    assert.deepEqual([...values(y1)].map(Math.abs), [0, 0, 0, 0]);
    // gate columns non-zero, up columns zero: also zero; swapped roles would not be.
    const upZero = tf.tensor2d([
      [1, 2, 0, 0],
      [3, 4, 0, 0],
    ]);
    const y2 = gatedMlp(x, { fcT: upZero, projT });
    assert.deepEqual([...values(y2)].map(Math.abs), [0, 0, 0, 0]);
    tf.dispose([x, projT, gateZero, upZero, y1, y2]);
  });

  test('random weights match the plain-JS gated MLP', () => {
    const rng = new Rng(11);
    const h = 6;
    const inter = 5;
    const fc = randomMatrix(rng, 2 * inter, h);
    const proj = randomMatrix(rng, h, inter);
    const xs = Array.from({ length: 3 }, () => randomVector(rng, h, 0, 1));
    const w: MlpWeights = { fcT: transposedTensor(fc), projT: transposedTensor(proj) };
    const x = tf.tensor2d(xs);
    const y = gatedMlp(x, w);
    assertClose(values(y), xs.flatMap((r) => jsMlp(r, fc, proj)), 1e-5, 'gatedMlp random');
    tf.dispose([x, y, w.fcT, w.projT]);
  });
});

// ---------------------------------------------------------------------------------------------
// Attention
// ---------------------------------------------------------------------------------------------

describe('attention', () => {
  const base = 10000;

  function randomAttention(rng: Rng, h: number, withBias: boolean): JsAttention {
    return { wqkv: randomMatrix(rng, 3 * h, h), bias: withBias ? randomVector(rng, 2 * h) : undefined, proj: randomMatrix(rng, h, h) };
  }

  for (const [h, withBias] of [
    [4, true],
    [4, false],
    [8, true],
  ] as const) {
    test(`h=${h}, 2 heads, ${withBias ? 'with' : 'without'} qk bias: causal softmax attention equals the naive one`, () => {
      const heads = 2;
      const S = 4;
      const rng = new Rng(100 + h + (withBias ? 1 : 0));
      const jw = randomAttention(rng, h, withBias);
      const xs = Array.from({ length: S }, () => randomVector(rng, h, 0, 1));
      const w = attentionWeights(jw);
      const rotary = rotaryTables([0, 1, 2, 3], heads, h / heads, base);
      const maskBias = buildMaskBias(1, S, 0, undefined);
      const x = tf.tensor3d([xs]);
      const res = attention(x, w, { nHeads: heads, rotary, maskBias }, undefined);
      const expected = jsAttention(xs, jw, heads, base).flat();
      assert.deepEqual(res.out.shape, [1, S, h]);
      assertClose(values(res.out), expected, 1e-4, 'attention output');
      // The bias matters when present: the naive result without it is clearly different.
      if (withBias) {
        const noBias = jsAttention(xs, { ...jw, bias: undefined }, heads, base).flat();
        assert.ok(Math.max(...expected.map((v, i) => Math.abs(v - noBias[i]!))) > 1e-2, 'qk bias must change the output');
      }
      // Cache entries: keys transposed [B, heads, hs, L], values [B, heads, L, hs].
      assert.deepEqual(res.added.keysT.shape, [1, heads, h / heads, S]);
      assert.deepEqual(res.added.values.shape, [1, heads, S, h / heads]);
      tf.dispose([x, res.out, res.added.keysT, res.added.values, res.full.keysT, res.full.values, maskBias!]);
      disposeRotary(rotary);
      disposeAttention(w);
    });
  }

  test('without a mask the first position would see the future (the causal mask is what restricts it)', () => {
    const heads = 2;
    const h = 4;
    const rng = new Rng(7);
    const jw = randomAttention(rng, h, true);
    const xs = Array.from({ length: 3 }, () => randomVector(rng, h, 0, 1));
    const w = attentionWeights(jw);
    const rotary = rotaryTables([0, 1, 2], heads, 2, base);
    const x = tf.tensor3d([xs]);
    const res = attention(x, w, { nHeads: heads, rotary, maskBias: undefined }, undefined);
    const causal = jsAttention(xs, jw, heads, base)[0]!;
    const first = Array.from(values(res.out).subarray(0, h));
    assert.ok(Math.max(...first.map((v, i) => Math.abs(v - causal[i]!))) > 1e-3);
    tf.dispose([x, res.out, res.full.keysT, res.full.values]);
    disposeRotary(rotary);
    disposeAttention(w);
  });

  test('batch of 2 with a left-padding key mask: real positions equal the naive masked attention', () => {
    const heads = 2;
    const h = 4;
    const S = 4;
    const rng = new Rng(21);
    const jw = randomAttention(rng, h, true);
    const xs = [0, 1].map(() => Array.from({ length: S }, () => randomVector(rng, h, 0, 1)));
    const keyMask = [
      [1, 1, 1, 1],
      [0, 0, 1, 1],
    ];
    const w = attentionWeights(jw);
    const rotary = rotaryTables([0, 1, 2, 3], heads, 2, base);
    const maskBias = buildMaskBias(2, S, 0, keyMask);
    const x = tf.tensor3d(xs);
    const res = attention(x, w, { nHeads: heads, rotary, maskBias }, undefined);
    const got = values(res.out);
    assertClose(got.subarray(0, S * h), jsAttention(xs[0]!, jw, heads, base, keyMask[0]).flat(), 1e-4, 'row 0');
    assertClose(got.subarray(S * h + 2 * h), jsAttention(xs[1]!, jw, heads, base, keyMask[1]).slice(2).flat(), 1e-4, 'row 1, real positions');
    for (const v of got) assert.ok(Number.isFinite(v), 'fully masked padding rows stay finite');
    tf.dispose([x, res.out, res.full.keysT, res.full.values, maskBias!]);
    disposeRotary(rotary);
    disposeAttention(w);
  });

  test('with a past (KV cache), a new position equals the full-sequence computation', () => {
    const heads = 2;
    const h = 4;
    const rng = new Rng(33);
    const jw = randomAttention(rng, h, true);
    const xs = Array.from({ length: 3 }, () => randomVector(rng, h, 0, 1));
    const w = attentionWeights(jw);
    const r1 = rotaryTables([0, 1], heads, 2, base);
    const m1 = buildMaskBias(1, 2, 0, undefined);
    const x1 = tf.tensor3d([xs.slice(0, 2)]);
    const first = attention(x1, w, { nHeads: heads, rotary: r1, maskBias: m1 }, undefined);
    const r2 = rotaryTables([2], heads, 2, base);
    const m2 = buildMaskBias(1, 1, 2, undefined);
    assert.equal(m2, undefined, 'one new position after a cache needs no mask');
    const x2 = tf.tensor3d([xs.slice(2)]);
    const second = attention(x2, w, { nHeads: heads, rotary: r2, maskBias: m2 }, first.full);
    assert.deepEqual(second.added.keysT.shape, [1, heads, 2, 1]);
    assert.deepEqual(second.full.keysT.shape, [1, heads, 2, 3]);
    assert.deepEqual(second.full.values.shape, [1, heads, 3, 2]);
    assertClose(values(second.out), jsAttention(xs, jw, heads, base)[2]!, 1e-4, 'cached position 2');
    tf.dispose([x1, x2, first.out, first.full.keysT, first.full.values, second.out, second.full.keysT, second.full.values, m1!]);
    disposeRotary(r1);
    disposeRotary(r2);
    disposeAttention(w);
  });
});

// ---------------------------------------------------------------------------------------------
// Sandwich block
// ---------------------------------------------------------------------------------------------

/** A random sandwich block: its plain-JS output for one sequence, and its tensors (with the head-major copy). */
function randomSandwich(seed: number, h: number, heads: number, inter: number, eps: number, base: number) {
  const rng = new Rng(seed);
  const jw: JsAttention = { wqkv: randomMatrix(rng, 3 * h, h), bias: randomVector(rng, 2 * h), proj: randomMatrix(rng, h, h) };
  const fc = randomMatrix(rng, 2 * inter, h);
  const proj = randomMatrix(rng, h, inter);
  const norms = [0, 1, 2, 3].map(() => randomVector(rng, h, 1, 0.3));
  /** x1 = n2(x + Attn(n1 x)); y = n4(x1 + MLP(n3 x1)), in plain JS. */
  const js = (xs: readonly (readonly number[])[], keyMask?: readonly number[]): number[][] => {
    const a = jsAttention(xs.map((x) => jsRmsNorm(x, norms[0]!, eps)), jw, heads, base, keyMask);
    return xs.map((x, s) => {
      const x1 = jsRmsNorm(x.map((v, i) => v + a[s]![i]!), norms[1]!, eps);
      const m = jsMlp(jsRmsNorm(x1, norms[2]!, eps), fc, proj);
      return jsRmsNorm(x1.map((v, i) => v + m[i]!), norms[3]!, eps);
    });
  };
  const plain: BlockWeights = {
    norm1: tf.tensor1d(norms[0]!),
    norm2: tf.tensor1d(norms[1]!),
    norm3: tf.tensor1d(norms[2]!),
    norm4: tf.tensor1d(norms[3]!),
    attn: attentionWeights(jw),
    mlp: { fcT: transposedTensor(fc), projT: transposedTensor(proj) },
  };
  const withHeads: BlockWeights = { ...plain, heads: headLayoutWeights(plain, heads) };
  const dispose = (): void => {
    tf.dispose([plain.norm1, plain.norm2, plain.norm3, plain.norm4, plain.mlp.fcT, plain.mlp.projT, ...headLayoutTensors(withHeads.heads!)]);
    disposeAttention(plain.attn);
  };
  return { rng, js, plain, withHeads, dispose };
}

describe('sandwichBlock', () => {
  test('x1 = n2(x + Attn(n1 x)); y = n4(x1 + MLP(n3 x1)) against plain JS, and the cache entry is stored', () => {
    const heads = 2;
    const h = 4;
    const S = 3;
    const eps = 1e-6;
    const base = 10000;
    const { rng, js, plain: w, dispose } = randomSandwich(55, h, heads, 3, eps, base);
    const xs = Array.from({ length: S }, () => randomVector(rng, h, 0, 2));
    const expected = js(xs);
    const rotary = rotaryTables([0, 1, 2], heads, h / heads, base);
    const maskBias = buildMaskBias(1, S, 0, undefined);
    const cache = new KvCache();
    const x = tf.tensor3d([xs]);
    const y = sandwichBlock(x, w, { nHeads: heads, rotary, maskBias, eps, cache }, 'core.1.0');
    assert.deepEqual(y.shape, [1, S, h]);
    assertClose(values(y), expected.flat(), 1e-4, 'sandwich block');
    assert.deepEqual(cache.names(), ['core.1.0']);
    assert.equal(cache.length, S);
    // Without a cache nothing is stored and the output is the same.
    const y2 = sandwichBlock(x, w, { nHeads: heads, rotary, maskBias, eps, cache: undefined }, 'core.1.0');
    assert.deepEqual(values(y2), values(y));
    cache.dispose();
    tf.dispose([x, y, y2, maskBias!]);
    dispose();
    disposeRotary(rotary);
  });
});

describe("sandwichBlock in the native backend's head-major layout (w.heads, ctx.headLayout)", () => {
  const heads = 2;
  const h = 8;
  const hs = h / heads;
  const inter = 5;
  const eps = 1e-6;
  const base = 10000;

  /** Runs `fn` with a head-layout context for the positions (tables disposed after). */
  function withContext<R>(positions: number[], rows: number, past: number, keyMask: number[][] | undefined, cache: KvCache | undefined, fn: (ctx: BlockContext) => R): R {
    const rotary = rotaryTables(positions, heads, hs, base);
    const maskBias = buildMaskBias(rows, positions.length, past, keyMask);
    const headLayout = { table: headRotaryTable(positions, hs, base), pairSum: pairSumMatrix(hs) };
    try {
      return fn({ nHeads: heads, rotary, maskBias, eps, cache, headLayout });
    } finally {
      disposeRotary(rotary);
      tf.dispose([headLayout.table, headLayout.pairSum, ...(maskBias ? [maskBias] : [])]);
    }
  }

  test('the head-major table holds [cos | signed sin] per position, q rows scaled by 1/sqrt(hs), like the default tables', () => {
    const positions = [0, 3, 7];
    const table = headRotaryTable(positions, hs, base);
    const rotary = rotaryTables(positions, heads, hs, base);
    assert.deepEqual(table.shape, [2, 1, 3, 2 * hs]);
    const t = values(table);
    const [cos, sin] = [values(rotary.cos), values(rotary.sin)]; // [S, 2h]: q heads then k heads
    for (let which = 0; which < 2; which++) {
      for (let row = 0; row < 3; row++) {
        for (let d = 0; d < hs; d++) {
          const col = which * h + d; // first head of the q or k half
          assert.equal(t[(which * 3 + row) * 2 * hs + d], cos[row * 2 * h + col], `cos ${which} ${row} ${d}`);
          assert.equal(t[(which * 3 + row) * 2 * hs + hs + d], sin[row * 2 * h + col], `sin ${which} ${row} ${d}`);
        }
      }
    }
    table.dispose();
    disposeRotary(rotary);
  });

  test('a batch of 2 with a left-padding mask equals the plain-JS block at the real positions; without and with a cache', () => {
    const S = 4;
    const { rng, js, withHeads: w, dispose } = randomSandwich(77, h, heads, inter, eps, base);
    const xs = [0, 1].map(() => Array.from({ length: S }, () => randomVector(rng, h, 0, 2)));
    const keyMask = [
      [1, 1, 1, 1],
      [0, 1, 1, 1],
    ];
    const x = tf.tensor3d(xs);
    const cache = new KvCache();
    const [y, yCached] = withContext([0, 1, 2, 3], 2, 0, keyMask, undefined, (ctx) => [sandwichBlock(x, w, ctx, 'core.1.0'), sandwichBlock(x, w, { ...ctx, cache }, 'core.1.0')]);
    const got = values(y!);
    assertClose(got.subarray(0, S * h), js(xs[0]!, keyMask[0]).flat(), 1e-4, 'row 0');
    assertClose(got.subarray(S * h + h), js(xs[1]!, keyMask[1]).slice(1).flat(), 1e-4, 'row 1, real positions');
    assertClose(values(yCached!), got, 1e-6, 'with a cache');
    const entry = cache.get('core.1.0')!;
    assert.deepEqual(entry.keysT.shape, [2, heads, hs, S], 'keys stored transposed, as in the default layout');
    assert.deepEqual(entry.values.shape, [2, heads, S, hs]);
    cache.dispose();
    tf.dispose([x, y!, yCached!]);
    dispose();
  });

  test('with a past (KV cache), a new position equals the full-sequence computation, and the entries match the default layout', () => {
    const { rng, js, plain, withHeads: w, dispose } = randomSandwich(78, h, heads, inter, eps, base);
    const xs = Array.from({ length: 3 }, () => randomVector(rng, h, 0, 2));
    const headCache = new KvCache();
    const plainCache = new KvCache();
    const x1 = tf.tensor3d([xs.slice(0, 2)]);
    const x2 = tf.tensor3d([xs.slice(2)]);
    const ys = withContext([0, 1], 1, 0, undefined, headCache, (ctx) => [sandwichBlock(x1, w, ctx, 'c'), sandwichBlock(x1, plain, { ...ctx, cache: plainCache }, 'c')]);
    const next = withContext([2], 1, 2, undefined, headCache, (ctx) => [sandwichBlock(x2, w, ctx, 'c'), sandwichBlock(x2, plain, { ...ctx, cache: plainCache }, 'c')]);
    assertClose(values(next[0]!), js(xs)[2]!, 1e-4, 'cached position 2');
    for (const part of ['keysT', 'values'] as const) {
      assertClose(values(headCache.get('c')![part]), values(plainCache.get('c')![part]), 1e-5, `cache ${part}`);
    }
    headCache.dispose();
    plainCache.dispose();
    tf.dispose([x1, x2, ...ys, ...next]);
    dispose();
  });
});

// ---------------------------------------------------------------------------------------------
// Mask
// ---------------------------------------------------------------------------------------------

describe('buildMaskBias', () => {
  /** 1 where the bias is 0 (attend), 0 where it is a large negative (masked). */
  function pattern(t: tf.Tensor): number[][][] {
    const [r, , s, l] = t.shape as [number, number, number, number];
    const d = values(t);
    for (const v of d) assert.ok(v === 0 || (v <= -1e8 && Number.isFinite(v)), `bias values are 0 or a large finite negative, got ${v}`);
    return Array.from({ length: r }, (_, a) => Array.from({ length: s }, (_, i) => Array.from({ length: l }, (_, j) => (d[(a * s + i) * l + j] === 0 ? 1 : 0))));
  }

  test('no cache: lower-triangular causal mask, shared by all rows', () => {
    const m = buildMaskBias(3, 3, 0, undefined)!;
    assert.deepEqual(m.shape, [1, 1, 3, 3]);
    assert.deepEqual(pattern(m), [
      [
        [1, 0, 0],
        [1, 1, 0],
        [1, 1, 1],
      ],
    ]);
    m.dispose();
  });

  test('with a cache the causal mask is aligned to the bottom right', () => {
    const m = buildMaskBias(1, 2, 3, undefined)!;
    assert.deepEqual(m.shape, [1, 1, 2, 5]);
    assert.deepEqual(pattern(m), [
      [
        [1, 1, 1, 1, 0],
        [1, 1, 1, 1, 1],
      ],
    ]);
    m.dispose();
    assert.equal(buildMaskBias(4, 1, 7, undefined), undefined, 'a single new position without padding masks nothing');
  });

  test('padding columns are masked per row; an all-padding query row is fully masked but finite', () => {
    const m = buildMaskBias(2, 3, 0, [
      [0, 0, 1],
      [1, 1, 1],
    ])!;
    assert.deepEqual(m.shape, [2, 1, 3, 3]);
    assert.deepEqual(pattern(m), [
      [
        [0, 0, 0],
        [0, 0, 0],
        [0, 0, 1],
      ],
      [
        [1, 0, 0],
        [1, 1, 0],
        [1, 1, 1],
      ],
    ]);
    m.dispose();
  });

  test('padding plus cache, and one new position with padding still gets a mask', () => {
    const m = buildMaskBias(2, 2, 1, [
      [0, 1, 1],
      [1, 1, 1],
    ])!;
    assert.deepEqual(m.shape, [2, 1, 2, 3]);
    assert.deepEqual(pattern(m), [
      [
        [0, 1, 0],
        [0, 1, 1],
      ],
      [
        [1, 1, 0],
        [1, 1, 1],
      ],
    ]);
    m.dispose();
    const d = buildMaskBias(2, 1, 3, [
      [0, 0, 1, 1],
      [1, 1, 1, 1],
    ])!;
    assert.deepEqual(d.shape, [2, 1, 1, 4]);
    assert.deepEqual(pattern(d), [[[0, 0, 1, 1]], [[1, 1, 1, 1]]]);
    d.dispose();
  });
});
