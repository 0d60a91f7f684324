import { errorMessage, fieldErrors } from './api';

const validation = (message: string, fields: unknown) => ({
  statusCode: 422,
  code: 'validation_failed',
  message,
  detail: message,
  details: { fields },
  requestId: 'r1',
});

describe('errorMessage', () => {
  it('does not repeat field reasons the message already quotes', () => {
    const error = validation('Validation failed: rules[0].pattern uses backreferences', {
      'rules[0].pattern': ['rules[0].pattern uses backreferences'],
    });
    expect(errorMessage(error)).toBe('Validation failed: rules[0].pattern uses backreferences');
  });

  it('adds the field reasons the message leaves out', () => {
    const error = validation('Validation failed', [
      { field: 'password', errors: ['must be at least 12 characters'] },
    ]);
    expect(errorMessage(error)).toBe(
      'Validation failed (password: must be at least 12 characters)',
    );
    expect(fieldErrors(error)).toEqual({ password: 'must be at least 12 characters' });
  });
});
