import { Injectable } from '@nestjs/common';
import { EventsService } from '../events/events.service';

/**
 * Calls back when a user is halted (on any instance, through its event). One subscription for
 * every open stream, keyed by user: an event costs one lookup, not one call per stream.
 */
@Injectable()
export class HaltWatch {
  private readonly watchers = new Map<string, Set<() => void>>();

  constructor(events: EventsService) {
    events.subscribe((event) => {
      if (event.type !== 'user.state_changed' || event.data.halted !== true) return;
      const watching = event.user_id === null ? undefined : this.watchers.get(event.user_id);
      for (const onHalt of [...(watching ?? [])]) onHalt();
    });
  }

  /** Returns the function that stops watching. */
  watch(userId: string, onHalt: () => void): () => void {
    let watching = this.watchers.get(userId);
    if (!watching) this.watchers.set(userId, (watching = new Set()));
    watching.add(onHalt);
    return () => {
      watching.delete(onHalt);
      if (watching.size === 0 && this.watchers.get(userId) === watching)
        this.watchers.delete(userId);
    };
  }
}
