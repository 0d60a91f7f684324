import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import {
  MAX_INSTRUCTION_CHARS,
  MAX_LENGTH_LIMIT,
  MAX_PATTERN_CHARS,
  MAX_PRIORITY,
  MAX_RULES,
  MAX_TERM_CHARS,
  MAX_TERMS,
  RULE_ACTIONS,
  RULE_STAGES,
} from '../guardrail-rules';
import { PII_KINDS } from '../pii-detectors';

// Documentation only: rules are checked by parseGuardrailRules, which names each bad field.

const PRIORITY = {
  type: 'integer',
  default: 0,
  minimum: -MAX_PRIORITY,
  maximum: MAX_PRIORITY,
  description: 'Higher runs first; equal priorities keep their order in the list',
  example: 10,
} as const;
const STAGE = {
  enum: RULE_STAGES,
  description: 'Which text it checks: the user message, the reply, or both',
  example: 'both',
} as const;
const ACTION = {
  enum: RULE_ACTIONS,
  description:
    'block: input → 422 guardrail_blocked, output → the fallback message; ' +
    'redact: each match becomes [REDACTED]; flag: only recorded',
  example: 'redact',
} as const;

export class SystemInstructionRuleDto {
  @ApiProperty({ enum: ['system_instruction'] })
  type!: 'system_instruction';

  @ApiPropertyOptional(PRIORITY)
  priority?: number;

  @ApiProperty({
    minLength: 1,
    maxLength: MAX_INSTRUCTION_CHARS,
    description: 'Prepended to the prompt, higher priority first',
    example: 'Stay factual and say when you are unsure.',
  })
  content!: string;
}

export class BlockedTermsRuleDto {
  @ApiProperty({ enum: ['blocked_terms'] })
  type!: 'blocked_terms';

  @ApiPropertyOptional(PRIORITY)
  priority?: number;

  @ApiProperty({
    type: [String],
    minItems: 1,
    maxItems: MAX_TERMS,
    description:
      `Whole words or phrases (1 to ${MAX_TERM_CHARS} characters), any script, case-insensitive; ` +
      'a space matches up to three whitespace characters',
    example: ['darn', 'bad word'],
  })
  terms!: string[];

  @ApiProperty(STAGE)
  stage!: string;

  @ApiProperty(ACTION)
  action!: string;
}

export class RegexRuleDto {
  @ApiProperty({ enum: ['regex'] })
  type!: 'regex';

  @ApiPropertyOptional(PRIORITY)
  priority?: number;

  @ApiProperty({
    minLength: 1,
    maxLength: MAX_PATTERN_CHARS,
    description:
      'Regular expression in JavaScript syntax, run on RE2 (linear time: no pattern can ' +
      'backtrack). Rejected (422) when invalid, when it matches empty text, when it uses what ' +
      'RE2 cannot do (backreferences, lookahead, lookbehind, atomic groups, possessive ' +
      'quantifiers), or when it compiles to more than 2000 RE2 instructions (e.g. \\d{1,1000} ' +
      'three times). In streamed replies matches up to 256 characters are caught.',
    example: '\\border\\s+#?\\d{6,}\\b',
  })
  pattern!: string;

  @ApiPropertyOptional({
    default: '',
    pattern: '^[imsu]*$',
    description:
      'Any of i, m, s, u (matching is always global; RE2 always matches whole code points, so u changes nothing)',
    example: 'i',
  })
  flags?: string;

  @ApiProperty(STAGE)
  stage!: string;

  @ApiProperty(ACTION)
  action!: string;
}

export class PiiRuleDto {
  @ApiProperty({ enum: ['pii'] })
  type!: 'pii';

  @ApiPropertyOptional(PRIORITY)
  priority?: number;

  @ApiProperty({
    enum: PII_KINDS,
    isArray: true,
    minItems: 1,
    uniqueItems: true,
    description:
      'email; phone (international and common national formats, 7 to 15 digits); credit_card ' +
      '(13 to 19 digits passing the Luhn check); ip (IPv4 and IPv6)',
    example: ['email', 'phone'],
  })
  kinds!: string[];

  @ApiProperty(STAGE)
  stage!: string;

  @ApiProperty(ACTION)
  action!: string;
}

export class MaxLengthRuleDto {
  @ApiProperty({ enum: ['max_length'] })
  type!: 'max_length';

  @ApiPropertyOptional(PRIORITY)
  priority?: number;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_LENGTH_LIMIT, example: 2000 })
  max_chars!: number;

  @ApiProperty(STAGE)
  stage!: string;

  @ApiPropertyOptional({
    ...ACTION,
    default: 'block',
    description: 'block (default); redact truncates to max_chars; flag only records',
    example: 'block',
  })
  action?: string;
}

export const RULE_MODELS = [
  SystemInstructionRuleDto,
  BlockedTermsRuleDto,
  RegexRuleDto,
  PiiRuleDto,
  MaxLengthRuleDto,
];

export const RULES_EXAMPLE = [
  {
    type: 'system_instruction',
    priority: 10,
    content: 'Stay factual and say when you are unsure.',
  },
  { type: 'blocked_terms', priority: 0, terms: ['darn'], stage: 'both', action: 'redact' },
  { type: 'pii', priority: 5, kinds: ['email', 'phone'], stage: 'output', action: 'redact' },
  {
    type: 'regex',
    priority: 0,
    pattern: '\\border\\s+#?\\d{6,}\\b',
    flags: 'i',
    stage: 'input',
    action: 'flag',
  },
  { type: 'max_length', priority: 0, max_chars: 4000, stage: 'output', action: 'redact' },
];

/** The `rules` property: a list of rules of any type, told apart by `type`. */
export function rulesProperty(description: string) {
  return {
    type: 'array',
    maxItems: MAX_RULES,
    description,
    items: {
      oneOf: RULE_MODELS.map((model) => ({ $ref: getSchemaPath(model) })),
      discriminator: {
        propertyName: 'type',
        mapping: {
          system_instruction: getSchemaPath(SystemInstructionRuleDto),
          blocked_terms: getSchemaPath(BlockedTermsRuleDto),
          regex: getSchemaPath(RegexRuleDto),
          pii: getSchemaPath(PiiRuleDto),
          max_length: getSchemaPath(MaxLengthRuleDto),
        },
      },
    },
    example: RULES_EXAMPLE,
  } as const;
}
