/** The task layer: synthetic task generators and splits, task files, real dataset loaders, scoring. */
export {
  type Domain,
  type TaskItem,
  type GeneratedTask,
  type TaskGenerator,
  DOMAINS,
  DIFFICULTIES,
  MIN_DIFFICULTY,
  MAX_DIFFICULTY,
  CHOICE_LETTERS,
  TASK_CHARACTERS,
  MAX_QUESTION_CHARS,
  MAX_TARGET_CHARS,
  ANSWER_MARKER,
  promptText,
  targetText,
  trainingText,
  isDomain,
  foreignCharacters,
} from './task.js';
export { generate as generateMathTask } from './generators/math.js';
export { generate as generateCodeTask } from './generators/code.js';
export { generate as generateChoiceTask } from './generators/choice.js';
export {
  type SplitName,
  type SplitSizes,
  type DomainSplits,
  SPLIT_NAMES,
  DEFAULT_TASK_SEED,
  DEFAULT_SPLIT_SIZES,
  generatorFor,
  difficultyCounts,
  taskId,
  buildDomainSplits,
  buildTaskSplits,
} from './splits.js';
export { DataLineError } from './json-lines.js';
export { parseTaskItem, serializeTaskItem, formatTaskJsonl, writeTaskJsonl, readTaskJsonl } from './jsonl.js';
export {
  type TaskFileEntry,
  type TaskManifest,
  type TaskSplitsSummary,
  type GenerateTaskSplitsOptions,
  TASK_GENERATOR_VERSION,
  generateTaskSplits,
} from './generate-splits.js';
export {
  type AnswerScore,
  SVAMP_TOLERANCE,
  parseNumber,
  extractFinalAnswer,
  answersMatch,
  scoreSynthetic,
  parseReferenceAnswer,
  extractLastNumber,
  extractLastNumberText,
  scoreGsm8k,
  scoreSvamp,
  extractChoiceLetter,
  scoreCommonsenseQa,
  scoreRealItem,
} from './scoring.js';
export {
  type RealDatasetName,
  type RealTaskItem,
  loadGsm8k,
  loadSvamp,
  loadCommonsenseQa,
  formatChoiceQuestion,
} from './real-datasets.js';
