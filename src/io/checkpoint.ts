/**
 * A checkpoint (one safetensors file, or shards plus `model.safetensors.index.json`) seen as one
 * source of named tensors.
 *
 * Headers are read when the source is opened, so names, shapes and the index can be checked up
 * front and `entry()` can stay synchronous; tensor data is read only when asked for. Each shard
 * file is opened once and its handle shared by all of its tensors.
 */
import { promises as fsp } from 'node:fs';
import { dirname, join } from 'node:path';
import { SafetensorsFile } from './safetensors.js';
import { TensorEntry, describe, findDuplicateJsonKey, missingTensorMessage, quote } from './safetensors-header.js';

export interface TensorSource {
  /** Human-readable origin, used in error messages (e.g. the file or index path). */
  readonly description: string;
  /** Tensor names, sorted. */
  names(): string[];
  has(name: string): boolean;
  /** The tensor's entry plus the path of the file holding it. */
  entry(name: string): TensorEntry & { readonly file: string };
  readFloat32(name: string): Promise<Float32Array>;
  readInt32(name: string): Promise<Int32Array>;
  close(): Promise<void>;
}

export const INDEX_FILE = 'model.safetensors.index.json';
export const SINGLE_FILE = 'model.safetensors';
/** The parity fixtures keep reference activations beside the weights; they are not weights. */
const NOT_WEIGHTS = 'expected.safetensors';

/**
 * Opens the checkpoint at `path`: a folder (with an index, a `model.safetensors`, or exactly one
 * other `*.safetensors` file), a single `.safetensors` file, or an index file.
 */
export async function openCheckpointTensors(path: string): Promise<TensorSource> {
  let stat;
  try {
    stat = await fsp.stat(path);
  } catch {
    throw new Error(`checkpoint ${path} does not exist`);
  }
  if (stat.isFile()) {
    if (path.endsWith('.index.json')) return openSharded(path);
    return SingleFileSource.open(path);
  }
  if (!stat.isDirectory()) throw new Error(`checkpoint ${path} is neither a file nor a folder`);

  const indexPath = join(path, INDEX_FILE);
  if (await isFile(indexPath)) return openSharded(indexPath);
  const singlePath = join(path, SINGLE_FILE);
  if (await isFile(singlePath)) return SingleFileSource.open(singlePath);

  // stat (not the directory entry's type) so that symlinked files count: the Hugging Face cache
  // stores checkpoint files as symlinks to blobs.
  const candidates: string[] = [];
  for (const name of (await fsp.readdir(path)).sort()) {
    if (name.endsWith('.safetensors') && name !== NOT_WEIGHTS && (await isFile(join(path, name)))) candidates.push(name);
  }
  if (candidates.length === 1) return SingleFileSource.open(join(path, candidates[0]!));
  const lookedFor = `${INDEX_FILE}, ${SINGLE_FILE}, or a single other *.safetensors file (not ${NOT_WEIGHTS})`;
  if (candidates.length === 0) throw new Error(`no checkpoint in ${path}: looked for ${lookedFor}; found none`);
  const shown = candidates.slice(0, 8).join(', ') + (candidates.length > 8 ? ', …' : '');
  throw new Error(`ambiguous checkpoint in ${path}: looked for ${lookedFor}; found ${candidates.length} files (${shown}). Add ${INDEX_FILE} or pass one file's path`);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await fsp.stat(path)).isFile();
  } catch {
    return false;
  }
}

class SingleFileSource implements TensorSource {
  readonly description: string;

  private constructor(private readonly file: SafetensorsFile) {
    this.description = file.path;
  }

  static async open(path: string): Promise<SingleFileSource> {
    return new SingleFileSource(await SafetensorsFile.open(path));
  }

  names(): string[] {
    return this.file.names();
  }

  has(name: string): boolean {
    return this.file.has(name);
  }

  entry(name: string): TensorEntry & { readonly file: string } {
    return { ...this.file.entry(name), file: this.file.path };
  }

  readFloat32(name: string): Promise<Float32Array> {
    return this.file.readFloat32(name);
  }

  readInt32(name: string): Promise<Int32Array> {
    return this.file.readInt32(name);
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

class ShardedSource implements TensorSource {
  constructor(
    readonly description: string,
    /** Tensor name -> the shard holding it, for the tensors listed in the index. */
    private readonly shardOf: ReadonlyMap<string, SafetensorsFile>,
    private readonly shards: readonly SafetensorsFile[],
  ) {}

  names(): string[] {
    return [...this.shardOf.keys()].sort();
  }

  has(name: string): boolean {
    return this.shardOf.has(name);
  }

  private shard(name: string): SafetensorsFile {
    const shard = this.shardOf.get(name);
    if (!shard) throw new Error(missingTensorMessage(this.description, name, this.shardOf.keys()));
    return shard;
  }

  entry(name: string): TensorEntry & { readonly file: string } {
    const shard = this.shard(name);
    return { ...shard.entry(name), file: shard.path };
  }

  readFloat32(name: string): Promise<Float32Array> {
    return this.shard(name).readFloat32(name);
  }

  readInt32(name: string): Promise<Int32Array> {
    return this.shard(name).readInt32(name);
  }

  async close(): Promise<void> {
    await Promise.all(this.shards.map((s) => s.close()));
  }
}

/** Reads and validates an index's weight_map: tensor name -> shard file name. */
async function readWeightMap(indexPath: string, dir: string): Promise<Map<string, string>> {
  const text = await fsp.readFile(indexPath, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${indexPath}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const weightMap = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>)['weight_map'] : undefined;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new Error(`${indexPath}: expected a JSON object with a "weight_map" object (tensor name -> shard file)`);
  }
  const dup = findDuplicateJsonKey(text, 2);
  if (dup && dup.parent === 'weight_map') throw new Error(`${indexPath}: tensor ${quote(dup.key)} is listed twice in weight_map`);

  const map = new Map<string, string>();
  const existing = new Map<string, boolean>();
  for (const [name, shard] of Object.entries(weightMap as Record<string, unknown>)) {
    const where = `${indexPath}: tensor ${quote(name)}`;
    if (typeof shard !== 'string' || shard === '') throw new Error(`${where}: shard must be a file name, got ${describe(shard)}`);
    if (shard.includes('/') || shard.includes('\\') || shard === '.' || shard === '..') {
      throw new Error(`${where}: shard ${quote(shard)} must be a plain file name in the checkpoint folder (no path separators)`);
    }
    let exists = existing.get(shard);
    if (exists === undefined) {
      exists = await isFile(join(dir, shard));
      existing.set(shard, exists);
    }
    if (!exists) throw new Error(`${where}: shard ${quote(shard)} does not exist in ${dir}`);
    map.set(name, shard);
  }
  if (map.size === 0) throw new Error(`${indexPath}: weight_map is empty`);
  return map;
}

async function openSharded(indexPath: string): Promise<TensorSource> {
  const dir = dirname(indexPath);
  const weightMap = await readWeightMap(indexPath, dir);
  const shardNames = [...new Set(weightMap.values())].sort();
  const shards = new Map<string, SafetensorsFile>();
  try {
    for (const shardName of shardNames) shards.set(shardName, await SafetensorsFile.open(join(dir, shardName)));

    // A tensor stored in two shards makes the checkpoint ambiguous whatever the index says.
    const holder = new Map<string, string>();
    for (const [shardName, file] of shards) {
      for (const name of file.names()) {
        const other = holder.get(name);
        if (other !== undefined) throw new Error(`${indexPath}: tensor ${quote(name)} is stored in two shards, ${quote(other)} and ${quote(shardName)}`);
        holder.set(name, shardName);
      }
    }
    const shardOf = new Map<string, SafetensorsFile>();
    for (const [name, shardName] of weightMap) {
      const file = shards.get(shardName)!;
      if (!file.has(name)) {
        throw new Error(
          `${indexPath}: tensor ${quote(name)} is mapped to shard ${quote(shardName)}, which does not hold it` +
            (holder.has(name) ? ` (it is in ${quote(holder.get(name)!)})` : ''),
        );
      }
      shardOf.set(name, file);
    }
    const description = `${indexPath} (${shards.size} shard${shards.size === 1 ? '' : 's'})`;
    return new ShardedSource(description, shardOf, [...shards.values()]);
  } catch (e) {
    await Promise.all([...shards.values()].map((s) => s.close().catch(() => undefined)));
    throw e;
  }
}
