import type { NewMessage } from '../../src/modules/memory/conversation-store.service';
import type { TestApp } from '../setup/test-app';

let sequence = 0;

/** A user id no other test uses, so tests sharing a database never see each other's rows. */
export function aUserId(label = 'user'): string {
  sequence += 1;
  return `${label}-${process.pid}-${sequence}`;
}

/** One memory value of every JSON kind, keyed by a valid memory key. */
export function jsonValuesOfEveryKind(): Record<string, unknown> {
  return {
    text: 'teal',
    empty_text: '',
    unicode: 'Zoë 🌊 日本語 — «ok» \u202e\u200d👩‍👩‍👧',
    escapes: 'line\nbreak\ttab "quoted" back\\slash {{ user_id }}',
    integer: 42,
    negative_float: -3.25,
    big_number: 1.7976931348623157e308,
    zero: 0,
    yes: true,
    no: false,
    nothing: null,
    empty_object: {},
    empty_array: [],
    nested: { profile: { name: 'Mia', pets: [{ kind: 'cat', age: 3 }], notes: null } },
    mixed_array: [1, 'two', null, false, { three: [3] }, []],
    javascript_member_names: { constructor: 'kept', prototype: ['kept'], toString: 1 },
  };
}

/** A message as the chat pipeline would store it; each call has distinct content. */
export function aMessage(userId: string, overrides: Partial<NewMessage> = {}): NewMessage {
  sequence += 1;
  return {
    userId,
    role: 'user',
    content: `message ${sequence}`,
    source: 'user',
    ...overrides,
  };
}

/** An operator's note: the AI sees it, the end user does not. */
export function anOperatorNote(userId: string, overrides: Partial<NewMessage> = {}): NewMessage {
  return aMessage(userId, {
    role: 'system',
    source: 'operator',
    operator: 'ann',
    content: '[Operator: ann] be kind',
    visibleToUser: false,
    ...overrides,
  });
}

/** Everything the memory module stores, to prove a rejected request changed nothing. */
export async function storedMemoryRows(api: TestApp): Promise<Record<string, unknown[]>> {
  return {
    memory: await api.sql('SELECT * FROM user_memory ORDER BY id'),
    state: await api.sql('SELECT * FROM user_state ORDER BY user_id'),
    messages: await api.sql('SELECT * FROM conversation_history ORDER BY id'),
  };
}
