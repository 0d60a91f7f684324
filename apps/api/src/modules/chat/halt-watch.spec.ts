import type { EventsService } from '../events/events.service';
import type { LiveEvent } from '../events/events.types';
import { HaltWatch } from './halt-watch';

/** The one subscription HaltWatch makes, driven by the test. */
function fakeEvents() {
  const subscribers: Array<(event: LiveEvent) => void> = [];
  let id = 0;
  const events = {
    subscribe: (listener: (event: LiveEvent) => void) => {
      subscribers.push(listener);
      return () => undefined;
    },
  } as unknown as EventsService;
  const emit = (type: LiveEvent['type'], userId: string | null, data: Record<string, unknown>) => {
    id += 1;
    const event: LiveEvent = { id, type, user_id: userId, data, created_at: '' };
    subscribers.forEach((subscriber) => subscriber(event));
  };
  return { events, emit, subscribers };
}

const watchersOf = (watch: HaltWatch) =>
  (watch as unknown as { watchers: Map<string, Set<() => void>> }).watchers;

describe('HaltWatch', () => {
  it('subscribes once and calls every watcher of the halted user, and no one else', () => {
    const { events, emit, subscribers } = fakeEvents();
    const watch = new HaltWatch(events);
    const calls: string[] = [];
    watch.watch('a', () => calls.push('a1'));
    watch.watch('a', () => calls.push('a2'));
    watch.watch('b', () => calls.push('b1'));
    expect(subscribers).toHaveLength(1);

    emit('user.state_changed', 'a', { mode: 'halted', halted: true });
    expect(calls.sort()).toEqual(['a1', 'a2']);
  });

  it('calls no one for state changes that are not halts, or other events', () => {
    const { events, emit } = fakeEvents();
    const watch = new HaltWatch(events);
    const onHalt = jest.fn();
    watch.watch('a', onHalt);

    emit('user.state_changed', 'a', { mode: 'learning', halted: false });
    emit('user.state_changed', 'a', { mode: 'active' });
    emit('intervention.created', 'a', { halted: true });
    emit('user.state_changed', null, { halted: true });
    expect(onHalt).not.toHaveBeenCalled();
  });

  it('stops calling after unwatch, forgets the user, and can watch again', () => {
    const { events, emit } = fakeEvents();
    const watch = new HaltWatch(events);
    const first = jest.fn();
    const second = jest.fn();
    const stopFirst = watch.watch('a', first);
    const stopSecond = watch.watch('a', second);

    stopFirst();
    emit('user.state_changed', 'a', { halted: true });
    expect(first).not.toHaveBeenCalled();
    expect(second).toHaveBeenCalledTimes(1);

    stopSecond();
    expect(watchersOf(watch).has('a')).toBe(false);
    emit('user.state_changed', 'a', { halted: true });
    expect(second).toHaveBeenCalledTimes(1);
    // A stale stop function must not remove a later watcher of the same user.
    stopFirst();

    const again = jest.fn();
    watch.watch('a', again);
    stopSecond();
    emit('user.state_changed', 'a', { halted: true });
    expect(again).toHaveBeenCalledTimes(1);
    expect(watchersOf(watch).get('a')?.size).toBe(1);
  });

  it('lets a watcher unwatch itself while being called', () => {
    const { events, emit } = fakeEvents();
    const watch = new HaltWatch(events);
    const other = jest.fn();
    const stop = watch.watch('a', () => stop());
    watch.watch('a', other);
    emit('user.state_changed', 'a', { halted: true });
    expect(other).toHaveBeenCalledTimes(1);
    expect(watchersOf(watch).get('a')?.size).toBe(1);
  });
});
