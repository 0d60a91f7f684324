import { accessFor, isMutation } from './access-policy';

describe('accessFor', () => {
  it.each([
    ['GET', '/health', 'public'],
    ['GET', '/health/ready', 'public'],
    ['POST', '/auth/login', 'public'],
    ['GET', '/auth/login', 'staff'],
    ['GET', '/auth/me', 'session'],
    ['POST', '/auth/logout', 'session'],
    ['POST', '/chat', 'chat'],
    ['GET', '/chat/events', 'chat'],
    ['DELETE', '/chat/history/{user_id}', 'chat'],
    ['POST', '/chat/tokens', 'chat_tokens'],
    ['GET', '/chatter', 'staff'],
    ['GET', '/metrics', 'metrics'],
    ['GET', '/admin/templates', 'staff'],
    ['PUT', '/admin/operators/:operator_id/role', 'admin'],
    ['DELETE', '/admin/api-keys/{api_key_id}', 'admin'],
    ['GET', '/admin/operators-report', 'staff'],
    ['GET', '/anything/new', 'staff'],
  ])('%s %s is %s', (method, path, level) => {
    expect(accessFor(method, path)).toBe(level);
  });

  it('counts everything but reads as a mutation', () => {
    expect(['GET', 'HEAD', 'OPTIONS'].map(isMutation)).toEqual([false, false, false]);
    expect(['POST', 'PUT', 'PATCH', 'DELETE'].map(isMutation)).toEqual([true, true, true, true]);
  });
});
