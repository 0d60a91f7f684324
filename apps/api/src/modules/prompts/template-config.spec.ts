import { ValidationFailedError } from '../../core/errors/domain-error';
import { assertValidTemplateConfig, templateConfigProblems } from './template-config';

describe('template config', () => {
  it('accepts valid known keys and keeps unknown ones', () => {
    const config = {
      history_limit: 0,
      temperature: 2,
      max_tokens: 32768,
      top_p: 0.5,
      stop: ['\nUser:', '###'],
      model: 'qwen2.5-7b',
      guardrail_config: 'research_safe',
      team: { owner: 'growth' },
    };
    expect(assertValidTemplateConfig(config)).toBe(config);
    expect(templateConfigProblems({ stop: 'END' })).toEqual([]);
    expect(templateConfigProblems({})).toEqual([]);
  });

  it.each([
    ['history_limit', 101],
    ['history_limit', 2.5],
    ['history_limit', '10'],
    ['temperature', -0.1],
    ['temperature', Number.NaN],
    ['max_tokens', 0],
    ['max_tokens', 40000],
    ['top_p', 1.01],
    ['stop', ['a', 'b', 'c', 'd', 'e']],
    ['stop', [1]],
    ['stop', ''],
    ['model', ''],
    ['model', 'm'.repeat(201)],
    ['guardrail_config', null],
  ])('rejects %s = %j, naming config.%s', (key, value) => {
    expect(templateConfigProblems({ [key]: value })).toEqual([
      {
        field: `config.${key}`,
        errors: [expect.stringMatching(new RegExp(`^config\\.${key} must`))],
      },
    ]);
  });

  it('reports every bad key at once as a validation failure', () => {
    let caught: unknown;
    try {
      assertValidTemplateConfig({ temperature: 5, top_p: 5 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationFailedError);
    expect((caught as ValidationFailedError).details).toEqual({
      fields: [
        {
          field: 'config.temperature',
          errors: ['config.temperature must be a number from 0 to 2'],
        },
        { field: 'config.top_p', errors: ['config.top_p must be a number from 0 to 1'] },
      ],
    });
  });
});
