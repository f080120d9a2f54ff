/**
 * A fingerprint of a checkpoint folder, recorded with everything computed from the model (e.g.
 * trajectory sets) so that results can be traced to, and refused for, a different model. It is the
 * sha256 of config.json and of every *.safetensors file: whole files up to 256 MB (the embedded
 * model is a few MB; reference activations and optimizer state are not the model and are left
 * out); beyond that the file size, header and the first and last 4 MB, which tells
 * apart any two trainings in practice while reading 8 MB instead of many GB per shard.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';

const WHOLE_FILE_LIMIT = 256 << 20;
const SAMPLE_BYTES = 4 << 20;

async function hashFile(hash: ReturnType<typeof createHash>, path: string): Promise<void> {
  const handle = await fsp.open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    hash.update(`${path.split('/').pop()}\0${size}\0`);
    const ranges: [number, number][] = size <= WHOLE_FILE_LIMIT ? [[0, size]] : [[0, SAMPLE_BYTES], [size - SAMPLE_BYTES, SAMPLE_BYTES]];
    const buffer = Buffer.alloc(Math.min(size, 1 << 20) || 1);
    for (const [start, length] of ranges) {
      for (let at = start; at < start + length; ) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, start + length - at), at);
        if (bytesRead === 0) throw new Error(`${path}: short read while fingerprinting`);
        hash.update(buffer.subarray(0, bytesRead));
        at += bytesRead;
      }
    }
  } finally {
    await handle.close();
  }
}

/** `sha256:<hex>` of the checkpoint folder `dir` (config.json and its safetensors files). */
export async function checkpointFingerprint(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const names = (await fsp.readdir(dir)).filter((n) => n === 'config.json' || (n.endsWith('.safetensors') && n !== 'expected.safetensors' && n !== 'optimizer.safetensors') || n === 'model.safetensors.index.json').sort();
  if (!names.includes('config.json')) throw new Error(`${dir}: no config.json to fingerprint`);
  for (const name of names) await hashFile(hash, join(dir, name));
  return `sha256:${hash.digest('hex')}`;
}
