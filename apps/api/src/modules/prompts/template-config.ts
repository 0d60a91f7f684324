import { FieldProblem, ValidationFailedError } from '../../core/errors/domain-error';

/** Settings stored with each version; unknown keys are kept for integrators' own use. */
export interface TemplateConfig {
  history_limit?: number;
  temperature?: number;
  max_tokens?: number;
  top_p?: number;
  stop?: string | string[];
  model?: string;
  guardrail_config?: string;
  [key: string]: unknown;
}

type Check = (value: unknown) => string | undefined;

const number =
  (min: number, max: number, integer = false): Check =>
  (value) =>
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!integer || Number.isInteger(value)) &&
    value >= min &&
    value <= max
      ? undefined
      : `must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`;

const text =
  (maxLength: number): Check =>
  (value) =>
    typeof value === 'string' && value.trim().length > 0 && value.length <= maxLength
      ? undefined
      : `must be a non-empty string of at most ${maxLength} characters`;

const KNOWN_KEYS: Record<string, Check> = {
  history_limit: number(0, 100, true),
  temperature: number(0, 2),
  max_tokens: number(1, 32768, true),
  top_p: number(0, 1),
  stop: (value) => {
    const stops = typeof value === 'string' ? [value] : value;
    return Array.isArray(stops) &&
      stops.length <= 4 &&
      stops.every((stop) => typeof stop === 'string' && stop.length > 0 && stop.length <= 100)
      ? undefined
      : 'must be a string or a list of at most 4 strings (1 to 100 characters each)';
  },
  model: text(200),
  guardrail_config: text(100),
};

/** Problems with the known keys of a version config, named like `config.temperature`. */
export function templateConfigProblems(config: Record<string, unknown>): FieldProblem[] {
  return Object.entries(KNOWN_KEYS).flatMap(([key, check]) => {
    if (!Object.prototype.hasOwnProperty.call(config, key)) return [];
    const problem = check(config[key]);
    return problem ? [{ field: `config.${key}`, errors: [`config.${key} ${problem}`] }] : [];
  });
}

export function assertValidTemplateConfig(config: Record<string, unknown>): TemplateConfig {
  const problems = templateConfigProblems(config);
  if (problems.length > 0) throw new ValidationFailedError(problems);
  return config;
}
