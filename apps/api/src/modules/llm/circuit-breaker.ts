export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitSnapshot {
  state: CircuitState;
  consecutive_failures: number;
  opened_at: string | null;
  retry_in_ms: number;
}

/**
 * Fails fast while the LLM is down. After `failureThreshold` consecutive failed calls it opens
 * for `resetMs`; then one probe call is let through (half-open): success closes it, failure
 * opens it again.
 */
export class CircuitBreaker {
  private state: CircuitState = 'closed';
  private consecutiveFailures = 0;
  private openedAt = 0;
  private probeInFlight = false;

  constructor(
    private readonly failureThreshold: number,
    private readonly resetMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Returns 0 when a call may proceed, else how long until it may be tried again. */
  tryAcquire(): number {
    if (this.state === 'closed') return 0;
    if (this.state === 'open') {
      const waited = this.now() - this.openedAt;
      if (waited < this.resetMs) return this.resetMs - waited;
      this.state = 'half_open';
    }
    if (this.probeInFlight) return Math.max(1, this.resetMs - (this.now() - this.openedAt));
    this.probeInFlight = true;
    return 0;
  }

  recordSuccess(): void {
    this.state = 'closed';
    this.consecutiveFailures = 0;
    this.probeInFlight = false;
  }

  recordFailure(): void {
    this.consecutiveFailures += 1;
    if (this.state === 'half_open' || this.consecutiveFailures >= this.failureThreshold) {
      this.state = 'open';
      this.openedAt = this.now();
    }
    this.probeInFlight = false;
  }

  /** A call that ended without telling us anything about the LLM (e.g. the client left). */
  release(): void {
    this.probeInFlight = false;
  }

  snapshot(): CircuitSnapshot {
    const retryIn =
      this.state === 'open' ? Math.max(0, this.resetMs - (this.now() - this.openedAt)) : 0;
    return {
      state: this.state === 'open' && retryIn === 0 ? 'half_open' : this.state,
      consecutive_failures: this.consecutiveFailures,
      opened_at: this.state === 'closed' ? null : new Date(this.openedAt).toISOString(),
      retry_in_ms: retryIn,
    };
  }
}
