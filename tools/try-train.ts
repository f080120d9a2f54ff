import { initBackend } from '../src/tensor/backend.js';
import { train, DEFAULT_TRAINING } from '../src/training/trainer.js';
import { readTaskJsonl } from '../src/tasks/jsonl.js';
(async () => {
  const info = await initBackend();
  console.error(info.name);
  const items = [...(await readTaskJsonl('datasets/tasks/math/train.jsonl')), ...(await readTaskJsonl('datasets/tasks/code/train.jsonl')), ...(await readTaskJsonl('datasets/tasks/choice/train.jsonl'))];
  const steps = Number(process.argv[2] ?? 5);
  await train({ outDir: '/tmp/try-train', train: items, resume: false, config: { ...DEFAULT_TRAINING, steps, checkpointEvery: 1000 }, onProgress: (p) => console.error(JSON.stringify(p)) });
})();
