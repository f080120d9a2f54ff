/**
 * Writes the synthetic task splits and their manifest:
 *
 *   outDir/{math,code,choice}/{train,validation,test}.jsonl
 *   outDir/manifest.json     seed, sizes, generator version, per-file counts, bytes and sha256
 *
 * The committed copy in datasets/tasks/ is this function's output for the defaults; a test
 * regenerates it and compares hashes, so any change to a generator must bump
 * TASK_GENERATOR_VERSION and regenerate the files:
 *
 *   npx tsc -p tsconfig.json && node dist/src/tasks/generate-splits.js [outDir] [--seed N] [--train N] [--eval N]
 */
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { writeTaskJsonl } from './jsonl.js';
import { DEFAULT_SPLIT_SIZES, DEFAULT_TASK_SEED, SPLIT_NAMES, type SplitName, buildDomainSplits } from './splits.js';
import { DIFFICULTIES, DOMAINS, type Domain, MAX_QUESTION_CHARS, MAX_TARGET_CHARS, TASK_CHARACTERS } from './task.js';

/** Bump whenever generated text could change (generators, split logic, serialisation). */
export const TASK_GENERATOR_VERSION = 5;

export interface TaskFileEntry {
  domain: Domain;
  split: SplitName;
  /** Relative to the output folder, with `/` separators. */
  path: string;
  items: number;
  /** Items of difficulty 1..5, in that order. */
  perDifficulty: number[];
  bytes: number;
  sha256: string;
}

export interface TaskManifest {
  generator: 'latent-thinking/tasks';
  version: number;
  seed: number;
  trainPerDomain: number;
  evalPerDomain: number;
  /** The alphabet every task text uses (see TASK_CHARACTERS). */
  characters: string;
  maxQuestionChars: number;
  maxTargetChars: number;
  files: TaskFileEntry[];
}

export interface TaskSplitsSummary {
  outDir: string;
  manifest: TaskManifest;
  /** Bytes of all JSONL files together. */
  totalBytes: number;
}

export interface GenerateTaskSplitsOptions {
  seed?: number;
  /** Train items per domain (default 12000). */
  trainPerDomain?: number;
  /** Validation and test items per domain, each (default 500). */
  evalPerDomain?: number;
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Generates all splits into `outDir` (created if needed) and writes the manifest last. */
export async function generateTaskSplits(outDir: string, opts: GenerateTaskSplitsOptions = {}): Promise<TaskSplitsSummary> {
  const seed = opts.seed ?? DEFAULT_TASK_SEED;
  const trainPerDomain = opts.trainPerDomain ?? DEFAULT_SPLIT_SIZES.train;
  const evalPerDomain = opts.evalPerDomain ?? DEFAULT_SPLIT_SIZES.test;
  const sizes = { train: trainPerDomain, validation: evalPerDomain, test: evalPerDomain };
  const files: TaskFileEntry[] = [];
  let totalBytes = 0;
  for (const domain of DOMAINS) {
    const splits = buildDomainSplits(domain, { seed, sizes });
    await mkdir(join(outDir, domain), { recursive: true });
    for (const split of SPLIT_NAMES) {
      const items = splits[split];
      const path = `${domain}/${split}.jsonl`;
      const text = await writeTaskJsonl(join(outDir, domain, `${split}.jsonl`), items);
      const bytes = Buffer.byteLength(text, 'utf8');
      totalBytes += bytes;
      files.push({
        domain,
        split,
        path,
        items: items.length,
        perDifficulty: DIFFICULTIES.map((d) => items.filter((item) => item.difficulty === d).length),
        bytes,
        sha256: sha256(text),
      });
    }
  }
  const manifest: TaskManifest = {
    generator: 'latent-thinking/tasks',
    version: TASK_GENERATOR_VERSION,
    seed,
    trainPerDomain,
    evalPerDomain,
    characters: TASK_CHARACTERS,
    maxQuestionChars: MAX_QUESTION_CHARS,
    maxTargetChars: MAX_TARGET_CHARS,
    files,
  };
  await writeFileAtomic(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return { outDir, manifest, totalBytes };
}

function parseCount(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || !Number.isSafeInteger(n) || n < 0) {
    throw new Error(`${flag} needs a non-negative integer, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`);
  }
  return n;
}

/** Command line: `generate-splits [outDir] [--seed N] [--train N] [--eval N]`. */
async function main(argv: readonly string[]): Promise<void> {
  // dist/src/tasks -> project root; the committed files live in datasets/tasks.
  let outDir = resolve(__dirname, '../../../datasets/tasks');
  const opts: GenerateTaskSplitsOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--seed') opts.seed = parseCount(arg, argv[++i]);
    else if (arg === '--train') opts.trainPerDomain = parseCount(arg, argv[++i]);
    else if (arg === '--eval') opts.evalPerDomain = parseCount(arg, argv[++i]);
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg} (known: --seed, --train, --eval)`);
    else outDir = resolve(arg);
  }
  const summary = await generateTaskSplits(outDir, opts);
  for (const f of summary.manifest.files) {
    console.log(`${f.path.padEnd(24)} ${String(f.items).padStart(6)} items ${String(f.bytes).padStart(9)} bytes  ${f.sha256.slice(0, 16)}`);
  }
  console.log(`wrote ${summary.manifest.files.length} files (${summary.totalBytes} bytes) and manifest.json to ${outDir}`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  });
}
