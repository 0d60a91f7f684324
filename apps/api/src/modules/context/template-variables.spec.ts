import {
  buildTemplateVariables,
  sampleTemplateVariables,
  TemplateVariablesInput,
} from './template-variables';

const now = new Date('2025-06-01T12:00:00.000Z');

function conversation(count: number): TemplateVariablesInput['history'] {
  return Array.from({ length: count }, (_, index) => ({
    role: index % 2 === 0 ? 'user' : 'assistant',
    content: `message ${index + 1}`,
    created_at: new Date(now.getTime() - (count - index) * 1000),
  }));
}

function input(overrides: Partial<TemplateVariablesInput> = {}): TemplateVariablesInput {
  return {
    userId: 'user-1',
    message: 'Hello there',
    memory: {},
    history: [],
    userMode: 'active',
    now,
    ...overrides,
  };
}

describe('buildTemplateVariables', () => {
  it('provides the built-in variables', () => {
    const variables = buildTemplateVariables(input({ userMode: 'learning' }));
    expect({ ...variables }).toEqual({
      user_context: '',
      conversation_history: '',
      user_id: 'user-1',
      message: 'Hello there',
      now: '2025-06-01T12:00:00.000Z',
      history: [],
      memory: {},
      user_mode: 'learning',
    });
  });

  it('writes memory as key: value lines, JSON-encoding non-strings and hiding __ keys', () => {
    const memory = {
      name: 'Alex',
      age: 31,
      likes: ['tea', 'chess'],
      profile: { city: 'Lyon' },
      active: true,
      nothing: null,
      __summary_state: 'internal',
    };
    const variables = buildTemplateVariables(input({ memory }));
    expect(variables.user_context).toBe(
      [
        'name: Alex',
        'age: 31',
        'likes: ["tea","chess"]',
        'profile: {"city":"Lyon"}',
        'active: true',
        'nothing: null',
      ].join('\n'),
    );
    expect(variables.memory).toBe(memory);
  });

  it('makes each memory key a variable, except __ keys; built-ins win on a clash', () => {
    const memory = JSON.parse(
      '{"name": "Alex", "message": "from memory", "user_id": "spoofed", "__proto__": {"x": 1}, "__hidden": 1}',
    ) as Record<string, unknown>;
    const variables = buildTemplateVariables(input({ memory }));
    expect(variables.name).toBe('Alex');
    expect(variables.message).toBe('Hello there');
    expect(variables.user_id).toBe('user-1');
    expect(Object.keys(variables)).not.toContain('__hidden');
    expect(Object.getPrototypeOf(variables)).toBeNull();
  });

  it('keeps the last N messages (default 10) as lines and as a list', () => {
    const variables = buildTemplateVariables(input({ history: conversation(12) }));
    const lines = (variables.conversation_history as string).split('\n');
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe('user: message 3');
    expect(lines[9]).toBe('assistant: message 12');
    const history = variables.history as Array<Record<string, unknown>>;
    expect(history).toHaveLength(10);
    expect(history[9]).toEqual({
      role: 'assistant',
      content: 'message 12',
      created_at: '2025-06-01T11:59:59.000Z',
    });
  });

  it('honours the history limit, including 0', () => {
    expect(
      buildTemplateVariables(input({ history: conversation(5), historyLimit: 2 }))
        .conversation_history,
    ).toBe('assistant: message 4\nuser: message 5');
    const none = buildTemplateVariables(input({ history: conversation(5), historyLimit: 0 }));
    expect(none.conversation_history).toBe('');
    expect(none.history).toEqual([]);
  });

  it('offers a sample context for validation and previews', () => {
    const sample = sampleTemplateVariables(now);
    expect(sample).toMatchObject({ user_id: 'preview-user', name: 'Alex', user_mode: 'active' });
    expect(sample.conversation_history).toContain('user: ');
  });
});
