import { EventEmitter } from 'node:events';
import { RecordedRequest, RequestLog, RequestOutcome } from './request-log';
import { Failure, parseSettings, StubSettings } from './stub-settings';

export const REQUEST_LOG_CAPACITY = 1000;

/**
 * The stub's mutable state: settings, failure queue, loading window and recorded requests.
 * The HTTP control routes and in-process tests drive the same object.
 */
export class StubControl {
  private settings!: StubSettings;
  private loadingUntil = 0;
  private nextRequestId = 1;
  private readonly log = new RequestLog(REQUEST_LOG_CAPACITY);
  private readonly changes = new EventEmitter();

  /** `startup` is what omitted fields of `configure()` and `reset()` go back to. */
  constructor(private readonly startup: StubSettings) {
    this.apply(startup);
  }

  get current(): Readonly<StubSettings> {
    return this.settings;
  }

  /** Replaces the settings (same body as `POST /_stub/control`); throws SettingsError. */
  configure(input: unknown): StubSettings {
    this.apply(parseSettings(input, this.startup));
    return this.describe();
  }

  /** Startup settings without failures or loading, and no recorded requests. */
  reset(): StubSettings {
    this.apply(parseSettings({}, this.startup));
    this.log.clear();
    return this.describe();
  }

  /** The settings now in force; `loading_ms` is the time left, `count`s are calls left. */
  describe(): StubSettings {
    return {
      ...this.settings,
      loading_ms: Math.max(0, this.loadingUntil - Date.now()),
      failures: this.settings.failures.map((failure) => ({ ...failure })),
    };
  }

  isLoading(): boolean {
    return this.loadingUntil !== 0 && Date.now() < this.loadingUntil;
  }

  /** The failure for the next completion call, if one is queued; counts it down. */
  takeFailure(): Failure | undefined {
    const failure = this.settings.failures[0];
    if (failure === undefined) return undefined;
    failure.count -= 1;
    if (failure.count === 0) this.settings.failures.shift();
    return failure;
  }

  record(request: Omit<RecordedRequest, 'id' | 'outcome'>): RecordedRequest {
    const entry: RecordedRequest = { id: this.nextRequestId++, ...request, outcome: 'pending' };
    this.log.add(entry);
    this.changes.emit('change', entry);
    return entry;
  }

  settle(entry: RecordedRequest, outcome: RequestOutcome): void {
    entry.outcome = outcome;
    this.changes.emit('change', entry);
  }

  requests(): RecordedRequest[] {
    return this.log.list();
  }

  clearRequests(): void {
    this.log.clear();
  }

  /** Resolves with the first recorded request (now or later) that matches. */
  waitForRequest(
    matches: (request: RecordedRequest) => boolean,
    timeoutMs = 5000,
  ): Promise<RecordedRequest> {
    const found = this.log.list().find(matches);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const onChange = (entry: RecordedRequest) => {
        if (!matches(entry)) return;
        clearTimeout(timer);
        this.changes.off('change', onChange);
        resolve(entry);
      };
      const timer = setTimeout(() => {
        this.changes.off('change', onChange);
        reject(new Error(`no matching request recorded within ${timeoutMs} ms`));
      }, timeoutMs);
      this.changes.on('change', onChange);
    });
  }

  private apply(settings: StubSettings): void {
    this.settings = { ...settings, failures: settings.failures.map((failure) => ({ ...failure })) };
    this.loadingUntil = settings.loading_ms > 0 ? Date.now() + settings.loading_ms : 0;
  }
}
