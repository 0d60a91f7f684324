import { chatClientSees, operatorSees } from './event-audiences';
import type { LiveEvent } from './events.types';

function event(overrides: Partial<LiveEvent>): LiveEvent {
  return {
    id: 1,
    type: 'message.created',
    user_id: 'user-1',
    data: {},
    created_at: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

describe('operatorSees', () => {
  it('passes everything without a filter, and narrows by type and user', () => {
    const template = event({ type: 'template.changed', user_id: null });
    expect(operatorSees({})(template)).toBe(true);
    expect(operatorSees({ types: ['message.created'] })(template)).toBe(false);
    expect(operatorSees({ userId: 'user-1' })(event({}))).toBe(true);
    expect(operatorSees({ userId: 'user-2' })(event({}))).toBe(false);
  });
});

describe('chatClientSees', () => {
  const sees = chatClientSees('user-1');

  it("shows the user's state and operator messages visible to them", () => {
    expect(sees(event({ type: 'user.state_changed' }))).toBe(true);
    expect(sees(event({ data: { source: 'operator', visible_to_user: true } }))).toBe(true);
  });

  it("hides other users' events, their own requests' messages and hidden operator notes", () => {
    expect(sees(event({ type: 'user.state_changed', user_id: 'user-2' }))).toBe(false);
    expect(sees(event({ data: { source: 'llm', visible_to_user: true } }))).toBe(false);
    expect(sees(event({ data: { source: 'operator', visible_to_user: false } }))).toBe(false);
    expect(sees(event({ type: 'intervention.created' }))).toBe(false);
  });
});
