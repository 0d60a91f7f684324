import { ValidationFailedError } from '../../../core/errors/domain-error';
import { resolveStateChange } from './user-state.dto';

describe('resolveStateChange', () => {
  it('takes the query', () => {
    expect(resolveStateChange({ mode: 'learning', reason: 'why', operator: 'ann' })).toEqual({
      mode: 'learning',
      reason: 'why',
      operator: 'ann',
    });
  });

  it('takes the body when the query is silent, field by field', () => {
    expect(resolveStateChange({ mode: 'halted' }, { operator: 'ann', reason: 'spam' })).toEqual({
      mode: 'halted',
      reason: 'spam',
      operator: 'ann',
    });
  });

  it('accepts the same value in both places', () => {
    expect(resolveStateChange({ mode: 'active' }, { mode: 'active' }).mode).toBe('active');
  });

  it.each([
    [{}, {}, ['mode']],
    [{ mode: 'active' }, { mode: 'halted' }, ['mode']],
    [{ reason: 'a' }, { reason: 'b' }, ['mode', 'reason']],
  ])('refuses %p + %p naming %p', (query, body, fields) => {
    let error: unknown;
    try {
      resolveStateChange(query, body);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationFailedError);
    const problems = (error as ValidationFailedError).details.fields as Array<{ field: string }>;
    expect(problems.map((problem) => problem.field)).toEqual(fields);
  });
});
