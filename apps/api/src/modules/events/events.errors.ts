import { ServiceUnavailableError } from '../../core/errors/domain-error';

/** The events table could not be read (e.g. for a Last-Event-ID replay). */
export class EventsUnavailableError extends ServiceUnavailableError {
  constructor() {
    super('events_unavailable', 'Missed events could not be read: reconnect to try again');
  }
}
