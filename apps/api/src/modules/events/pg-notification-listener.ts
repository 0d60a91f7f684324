import { Logger } from '@nestjs/common';
import { Client } from 'pg';

/**
 * A dedicated connection that LISTENs on one channel and reconnects with backoff when it is
 * lost. `onWake` is also called after each (re)connect, since notifications may have been
 * missed while it was down.
 */
export class PgNotificationListener {
  private readonly logger = new Logger('EventsListener');
  private client?: Client;
  private closed = false;
  private retryDelayMs = 500;
  private retryTimer?: NodeJS.Timeout;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    /** Called with the notification's payload, or with none after a (re)connect. */
    private readonly onWake: (payload?: string) => void,
  ) {}

  async start(): Promise<void> {
    await this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new Client({ connectionString: this.url, application_name: 'promptdev-events' });
    // 'error' and 'end' may both fire for one loss: handle it once.
    let handled = false;
    const lost = (error?: Error) => {
      if (handled) return;
      handled = true;
      this.lost(client, error);
    };
    client.on('notification', (notification) => this.onWake(notification.payload));
    client.on('error', (error) => lost(error));
    client.on('end', () => lost());
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
      this.client = client;
      this.retryDelayMs = 500;
      this.onWake();
    } catch (error) {
      lost(error as Error);
    }
  }

  private lost(client: Client, error?: Error): void {
    if (this.closed) return;
    if (this.client === client) this.client = undefined;
    client.removeAllListeners();
    client.end().catch(() => undefined);
    this.logger.warn(
      `event listener connection lost${error ? `: ${error.message}` : ''}; reconnecting`,
    );
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), this.retryDelayMs);
    this.retryTimer.unref();
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, 30000);
  }
}
