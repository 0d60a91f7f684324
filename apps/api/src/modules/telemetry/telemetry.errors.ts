import { ConflictError, NotFoundError } from '../../core/errors/domain-error';

/** Another run (on this or another instance) holds the aggregation lock. */
export class AggregationRunningError extends ConflictError {
  constructor() {
    super(
      'aggregation_running',
      'An aggregation is already running; it writes the same rollups, so retry once it is done',
    );
  }
}

export class UserNotFoundError extends NotFoundError {
  constructor(userId: string) {
    super('user_not_found', `User ${userId} has never been seen`, { user_id: userId });
  }
}
