import { ValidationFailedError } from '../../../core/errors/domain-error';
import { parseSetMemoryValueBody } from './memory.dto';

function fieldsOf(body: unknown): unknown {
  try {
    parseSetMemoryValueBody(body);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationFailedError);
    return (error as ValidationFailedError).details.fields;
  }
  throw new Error('expected a validation error');
}

describe('parseSetMemoryValueBody', () => {
  it.each([null, false, 0, '', 'text', [1], { a: { constructor: 1 } }])(
    'keeps the value %p exactly',
    (value) => expect(parseSetMemoryValueBody({ value })).toEqual({ value }),
  );

  it('requires value, naming the field', () => {
    expect(fieldsOf({})).toEqual([{ field: 'value', errors: [expect.stringMatching(/required/)] }]);
    expect(fieldsOf(undefined)).toEqual([{ field: 'value', errors: [expect.any(String)] }]);
  });

  it('names every unknown field, and a missing value with them', () => {
    expect(fieldsOf({ valeu: 1, extra: 2 })).toEqual([
      { field: 'value', errors: [expect.any(String)] },
      { field: 'valeu', errors: ['property valeu should not exist'] },
      { field: 'extra', errors: ['property extra should not exist'] },
    ]);
  });

  it.each([[[1, 2]], ['text'], [7]])('refuses a body that is not an object: %p', (body) =>
    expect(fieldsOf(body)).toEqual([{ field: 'body', errors: [expect.any(String)] }]),
  );
});
