import type { EventType, LiveEvent } from './events.types';

/** Operators see every event, narrowed to the types and the user they asked for. */
export function operatorSees(filter: {
  types?: EventType[];
  userId?: string;
}): (event: LiveEvent) => boolean {
  const types = filter.types ? new Set<string>(filter.types) : undefined;
  return (event) =>
    (!types || types.has(event.type)) && (!filter.userId || event.user_id === filter.userId);
}

/** An end user's chat client sees operator messages shown to them and their own state. */
export function chatClientSees(userId: string): (event: LiveEvent) => boolean {
  return (event) => {
    if (event.user_id !== userId) return false;
    if (event.type === 'user.state_changed') return true;
    return (
      event.type === 'message.created' &&
      event.data.source === 'operator' &&
      event.data.visible_to_user === true
    );
  };
}
