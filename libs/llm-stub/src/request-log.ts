/**
 * `pending` until the exchange ends; `aborted` when the client went away first;
 * `failed:<mode>` for an injected failure, `failed:loading`, `failed:invalid_request`,
 * `failed:not_found`.
 */
export type RequestOutcome = 'pending' | 'ok' | 'aborted' | `failed:${string}`;

export interface RecordedRequest {
  id: number;
  method: string;
  path: string;
  /** Parsed JSON, or the raw text when it was not JSON. */
  body: unknown;
  headers: {
    'content-type': string | null;
    authorization: boolean;
    'x-request-id': string | null;
  };
  received_at: string;
  outcome: RequestOutcome;
}

/** The last `capacity` requests, oldest first. */
export class RequestLog {
  private entries: RecordedRequest[] = [];
  private oldest = 0;

  constructor(private readonly capacity: number) {}

  add(entry: RecordedRequest): void {
    if (this.entries.length < this.capacity) {
      this.entries.push(entry);
      return;
    }
    this.entries[this.oldest] = entry;
    this.oldest = (this.oldest + 1) % this.capacity;
  }

  list(): RecordedRequest[] {
    return this.entries.slice(this.oldest).concat(this.entries.slice(0, this.oldest));
  }

  clear(): void {
    this.entries = [];
    this.oldest = 0;
  }
}
