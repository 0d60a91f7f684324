import { isDatabaseUnavailable } from './database-errors';

const pgError = (code: string, severity = 'ERROR', message = 'x') =>
  Object.assign(new Error(message), { code, severity });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['a connection exception', pgError('08006')],
    ['an admin shutdown', pgError('57P01', 'FATAL')],
    ['too many connections', pgError('53300', 'FATAL')],
    ['a database refusing connections', pgError('55000', 'FATAL')],
    ['a refused TCP connection', pgError('ECONNREFUSED')],
    ['a pool connect timeout', new Error('timeout exceeded when trying to connect')],
    [
      'a wrapped driver error',
      Object.assign(new Error('query failed'), { driverError: pgError('57P01', 'FATAL') }),
    ],
  ])('recognises %s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', pgError('23505')],
    ['a syntax error', pgError('42601')],
    ['a 55000 raised by a query', pgError('55000')],
    ['a plain error', new Error('boom')],
    ['not an error', 'down'],
  ])('does not mistake %s for an outage', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
