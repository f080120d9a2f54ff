/**
 * `lto`: the command line of latent-thinking. Each command prints JSON (or text with --text) on
 * stdout; diagnostics go to stderr. Exit codes: 0 success, 1 failure, 2 usage error.
 */
import { parseArgs } from 'node:util';
import { initBackend, describeBackend, parseBackendChoice } from '../tensor/backend.js';
import { checkFixture } from '../model/fixture-check.js';
import { RecurrentDepthModel } from '../model/recurrent-depth-model.js';
import { parameterCount } from '../model/config.js';
import { generate } from '../model/generate.js';
import { loadTokenizer } from '../model/tokenizer/load-tokenizer.js';
import { encodeChat } from '../model/tokenizer/chat-template.js';
import { EXIT_CRITERIA, type ExitCriterion } from '../model/early-exit.js';
import { UsageError, noiseOption, numberOption } from './options.js';
import { runTrain, TRAIN_USAGE } from './train-command.js';
import { runEval, EVAL_USAGE } from './eval-command.js';
import { runAnalyze, ANALYZE_USAGE } from './analyze-command.js';
import { runOptimize, OPTIMIZE_USAGE } from './optimize-command.js';
import { runKernelCommand, KERNEL_USAGE } from './kernel-command.js';

const USAGE = `lto — latent-thinking command line

Usage:
  lto backend                         show which tensor backend is used and why
  lto info DIR                        summarise the checkpoint in DIR (config, parameters)
  lto check-fixture DIR               recompute DIR/expected.safetensors with the checkpoint in DIR;
                                      prints per-tensor max abs errors; exit 0 only if all < 1e-3
                                      and generated tokens match
  lto generate DIR --prompt TEXT      generate with the checkpoint and tokenizer in DIR
      [--chat] [--steps N] [--max-new-tokens N] [--runs N] [--seed S] [--init-scale X] [--noise X] [--noise-type T]
      [--temperature T] [--top-k K] [--top-p P] [--early-exit CRITERION --threshold X]
${TRAIN_USAGE}
${EVAL_USAGE}
${ANALYZE_USAGE}
${OPTIMIZE_USAGE}
${KERNEL_USAGE}

Options for every command:
  --backend auto|node-gpu|node|wasm|cpu   (default: $LTO_BACKEND, else auto)
  -h, --help
`;

function oneDir(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw new UsageError(`lto ${command} expects one folder argument, got ${positionals.length}`);
  return positionals[0]!;
}

async function run(argv: string[]): Promise<number> {
  // The kernel commands have their own options and need no tensor backend.
  if (argv[0] === 'kernel') return runKernelCommand(argv.slice(1));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      backend: { type: 'string' },
      prompt: { type: 'string' },
      chat: { type: 'boolean' },
      steps: { type: 'string' },
      'max-new-tokens': { type: 'string' },
      runs: { type: 'string' },
      seed: { type: 'string' },
      'init-scale': { type: 'string' },
      noise: { type: 'string' },
      'noise-type': { type: 'string' },
      temperature: { type: 'string' },
      'ranking-weight': { type: 'string' },
      'top-k': { type: 'string' },
      'top-p': { type: 'string' },
      'early-exit': { type: 'string' },
      threshold: { type: 'string' },
      out: { type: 'string' },
      tasks: { type: 'string' },
      'no-resume': { type: 'boolean' },
      standard: { type: 'boolean' },
      model: { type: 'string' },
      split: { type: 'string' },
      domain: { type: 'string' },
      json: { type: 'boolean' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      width: { type: 'string' },
      heads: { type: 'string' },
      core: { type: 'string' },
      intermediate: { type: 'string' },
      recurrence: { type: 'string' },
      backprop: { type: 'string' },
      'curriculum-start': { type: 'string' },
      'curriculum-every': { type: 'string' },
      'checkpoint-every': { type: 'string' },
      limit: { type: 'string' },
      sets: { type: 'string' },
      from: { type: 'string', multiple: true },
      lrm: { type: 'string' },
      'lrm-input': { type: 'string' },
      'early-prefix': { type: 'string' },
      'token-checkpoints': { type: 'string' },
      betas: { type: 'string' },
      depths: { type: 'string' },
      'no-cross-domain': { type: 'boolean' },
      'prefix-lrm': { type: 'boolean' },
      'train-questions': { type: 'string' },
      'train-runs': { type: 'string' },
      'validation-questions': { type: 'string' },
      'test-questions': { type: 'string' },
      epochs: { type: 'string' },
      record: { type: 'string' },
      workers: { type: 'string' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  const backend = await initBackend(values.backend === undefined ? undefined : parseBackendChoice(values.backend, '--backend'));
  process.stderr.write(`backend: ${describeBackend(backend)}\n`);

  switch (command) {
    case 'backend':
      print({ backend: backend.name, tfjs_backend: backend.tfjsBackend, reason: backend.reason, skipped: backend.skipped });
      return 0;
    case 'check-fixture': {
      const report = await checkFixture(oneDir(rest, command));
      print(report);
      return report.pass ? 0 : 1;
    }
    case 'info': {
      const dir = oneDir(rest, command);
      const model = await RecurrentDepthModel.load(dir);
      const c = model.config;
      print({
        source: dir,
        backend: backend.name,
        width: c.nEmbd,
        heads: c.nHeads,
        blocks: { prelude: c.nPrelude, core: c.nCore, coda: c.nCoda },
        intermediate_size: c.intermediateSize,
        vocab_size: c.vocabSize,
        mean_recurrence: c.meanRecurrence,
        test_time_steps: c.testTimeSteps,
        test_time_init_scale: c.testTimeInitScale,
        parameters: parameterCount(c),
        weight_bytes_float32: model.weightBytes,
      });
      model.dispose();
      return 0;
    }
    case 'generate': {
      const dir = oneDir(rest, command);
      if (values.prompt === undefined) throw new UsageError('lto generate needs --prompt TEXT');
      const criterion = values['early-exit'];
      if (criterion !== undefined && !EXIT_CRITERIA.includes(criterion as ExitCriterion)) {
        throw new UsageError(`--early-exit expects one of ${EXIT_CRITERIA.join(', ')}, got "${criterion}"`);
      }
      const tokenizer = await loadTokenizer(dir);
      const model = await RecurrentDepthModel.load(dir);
      try {
        // Every id the model can emit must decode, and every id the tokenizer makes must embed.
        const { vocabSize, paddedVocabSize } = model.config;
        if (tokenizer.vocabSize < vocabSize || tokenizer.vocabSize > paddedVocabSize) {
          throw new Error(`${dir}: the tokenizer has ${tokenizer.vocabSize} tokens; config.json needs between vocab_size ${vocabSize} and padded_vocab_size ${paddedVocabSize}`);
        }
        const prompt = values.chat ? encodeChat(tokenizer, [{ role: 'user', content: values.prompt }]) : tokenizer.encode(values.prompt, { addSpecialTokens: true });
        const temperature = numberOption(values.temperature, 'temperature', false);
        const topK = numberOption(values['top-k'], 'top-k', true);
        const topP = numberOption(values['top-p'], 'top-p', false);
        const sampled = temperature !== undefined || topK !== undefined || topP !== undefined;
        const result = generate(model, [prompt], {
          maxNewTokens: numberOption(values['max-new-tokens'], 'max-new-tokens', true) ?? 64,
          steps: numberOption(values.steps, 'steps', true),
          runs: numberOption(values.runs, 'runs', true),
          seed: numberOption(values.seed, 'seed', true),
          initScale: numberOption(values['init-scale'], 'init-scale', false),
          noise: noiseOption(values.noise, values['noise-type'], model.config.testTimeNoise),
          decoding: sampled ? { temperature, topK, topP } : 'greedy',
          stopTokens: tokenizer.specialTokens.eos,
          recordLatents: false,
          earlyExit: criterion === undefined ? undefined : { criterion: criterion as ExitCriterion, threshold: numberOption(values.threshold, 'threshold', false) ?? (criterion === 'kl' ? 5e-4 : 0.03) },
        });
        print({
          prompt_tokens: prompt.length,
          runs: result.sequences.map((s) => ({
            run: s.run,
            text: tokenizer.decode(s.tokens, { skipSpecialTokens: true }),
            tokens: s.tokens.length,
            stop_reason: s.stopReason,
            mean_steps: s.stepsUsed.reduce((a, b) => a + b, 0) / s.stepsUsed.length,
          })),
        });
      } finally {
        model.dispose();
      }
      return 0;
    }
    case 'train': {
      if (rest.length > 0) throw new UsageError('lto train takes no positional arguments (use --out DIR)');
      const numbers = Object.fromEntries(
        ['steps', 'batch', 'seed', 'width', 'heads', 'core', 'intermediate', 'recurrence', 'backprop', 'curriculum-start', 'curriculum-every', 'checkpoint-every'].map((k) => [k, numberOption(values[k as keyof typeof values] as string | undefined, k, true)]),
      );
      numbers['lr'] = numberOption(values.lr, 'lr', false);
      return runTrain({ out: values.out, tasks: values.tasks, resume: !values['no-resume'], standard: values.standard, numbers });
    }
    case 'eval': {
      if (rest.length > 0) throw new UsageError('lto eval takes no positional arguments (use --model DIR)');
      const numbers = Object.fromEntries(['steps', 'runs', 'limit', 'seed', 'workers'].map((k) => [k, numberOption(values[k as keyof typeof values] as string | undefined, k, true)]));
      numbers['init-scale'] = numberOption(values['init-scale'], 'init-scale', false);
      numbers['noise'] = numberOption(values.noise, 'noise', false);
      numbers['temperature'] = numberOption(values.temperature, 'temperature', false);
      return runEval({ model: values.model, split: values.split, domain: values.domain, tasks: values.tasks, noiseType: values['noise-type'], numbers });
    }
    case 'analyze': {
      if (rest.length > 0) throw new UsageError('lto analyze takes no positional arguments (use --model DIR or --from DIR)');
      const numbers = Object.fromEntries(['steps', 'runs', 'limit', 'seed', 'workers'].map((k) => [k, numberOption(values[k as keyof typeof values] as string | undefined, k, true)]));
      numbers['init-scale'] = numberOption(values['init-scale'], 'init-scale', false);
      return runAnalyze({ model: values.model, split: values.split, domain: values.domain, tasks: values.tasks, sets: values.sets, noise: values.noise, noiseType: values['noise-type'], from: values.from, numbers });
    }
    case 'optimize': {
      if (rest.length > 0) throw new UsageError('lto optimize takes no positional arguments (use --model DIR)');
      const numbers = Object.fromEntries(['runs', 'steps', 'seed', 'train-questions', 'train-runs', 'validation-questions', 'test-questions', 'max-new-tokens', 'epochs', 'workers'].map((k) => [k, numberOption(values[k as keyof typeof values] as string | undefined, k, true)]));
      numbers['noise'] = numberOption(values.noise, 'noise', false);
      numbers['init-scale'] = numberOption(values['init-scale'], 'init-scale', false);
      numbers['lr'] = numberOption(values.lr, 'lr', false);
      numbers['temperature'] = numberOption(values.temperature, 'temperature', false);
      numbers['ranking-weight'] = numberOption(values['ranking-weight'], 'ranking-weight', false);
      return runOptimize({ record: values.record, model: values.model, sets: values.sets, tasks: values.tasks, domain: values.domain, noiseType: values['noise-type'], lrm: values.lrm, lrmInput: values['lrm-input'], earlyPrefix: values['early-prefix'], betas: values.betas, tokenCheckpoints: values['token-checkpoints'], depths: values.depths, crossDomain: !values['no-cross-domain'], prefixLrm: values['prefix-lrm'] === true, numbers });
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Entry point used by bin/lto.js; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`lto: ${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    process.stderr.write(`lto: ${(e as Error).message}\n`);
    return 1;
  }
}
