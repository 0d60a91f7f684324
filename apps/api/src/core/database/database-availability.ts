import { Logger } from '@nestjs/common';

/**
 * Tracks whether the database is reachable, so an outage is logged once when it starts and
 * once when it ends, instead of one error with a stack per failed request.
 */
export class DatabaseAvailability {
  private readonly logger = new Logger('Database');
  private down = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    /** Resolves when one trivial query succeeds. */
    private readonly probe: () => Promise<unknown>,
    private readonly probeIntervalMs = 1000,
  ) {}

  get isDown(): boolean {
    return this.down;
  }

  /** A request failed because the database is unreachable. */
  reportUnavailable(error: unknown): void {
    if (this.down || this.closed) return;
    this.down = true;
    const reason = error instanceof Error ? error.message : String(error);
    this.logger.warn(
      { reason: reason.slice(0, 200) },
      'database unavailable: requests answer 503 until it is reachable again',
    );
    this.scheduleProbe();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private scheduleProbe(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.probe().then(
        () => {
          if (this.closed) return;
          this.down = false;
          this.logger.warn('database reachable again');
        },
        () => this.scheduleProbe(),
      );
    }, this.probeIntervalMs);
    this.timer.unref();
  }
}
