import { MAX_REPORTED_FIELDS, ValidationFailedError } from './domain-error';

describe('ValidationFailedError', () => {
  it('never echoes more than a few hundred characters per field, nor every field', () => {
    const huge = 'k'.repeat(20_000);
    const fields = Array.from({ length: 50 }, (_, index) => ({
      field: `${huge}${index}`,
      errors: [`property ${huge} should not exist`],
    }));
    const error = new ValidationFailedError(fields);
    expect(JSON.stringify(error.details).length).toBeLessThan(10_000);
    expect(error.message.length).toBeLessThanOrEqual(300);
    expect(error.message).toContain('and 49 more fields');
    expect(error.details.fields).toHaveLength(MAX_REPORTED_FIELDS);
  });
});
