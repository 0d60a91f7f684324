/** The injection token of the DatabaseTarget the app runs on. */
export const DATABASE_TARGET = 'DATABASE_TARGET';

/** Where the API's data lives, decided once at boot. */
export interface DatabaseTarget {
  url: string;
  kind: 'embedded' | 'external';
  poolSize: number;
  connectTimeoutMs: number;
  /** How long a statement may wait for a free pooled connection (a burst queues there). */
  poolWaitMs: number;
}
