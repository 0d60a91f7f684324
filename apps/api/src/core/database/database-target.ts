/** Where the API's data lives, decided once at boot. */
export interface DatabaseTarget {
  url: string;
  kind: 'embedded' | 'external';
  poolSize: number;
  connectTimeoutMs: number;
}
