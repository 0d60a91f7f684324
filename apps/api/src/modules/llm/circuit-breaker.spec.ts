import { CircuitBreaker } from './circuit-breaker';

describe('CircuitBreaker', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('stays closed below the failure threshold and resets on success', () => {
    const breaker = new CircuitBreaker(3, 1000, clock);
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.tryAcquire()).toBe(0);
    breaker.recordSuccess();
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', consecutive_failures: 2 });
  });

  it('opens after consecutive failures and fails fast with the wait time', () => {
    const breaker = new CircuitBreaker(2, 1000, clock);
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.snapshot().state).toBe('open');
    now += 400;
    expect(breaker.tryAcquire()).toBe(600);
  });

  it('lets exactly one probe through when half-open; success closes it', () => {
    const breaker = new CircuitBreaker(1, 1000, clock);
    breaker.recordFailure();
    now += 1000;
    expect(breaker.snapshot().state).toBe('half_open');
    expect(breaker.tryAcquire()).toBe(0);
    expect(breaker.tryAcquire()).toBeGreaterThan(0);
    breaker.recordSuccess();
    expect(breaker.tryAcquire()).toBe(0);
    expect(breaker.snapshot()).toMatchObject({
      state: 'closed',
      consecutive_failures: 0,
      opened_at: null,
    });
  });

  it('reopens when the probe fails', () => {
    const breaker = new CircuitBreaker(5, 1000, clock);
    for (let i = 0; i < 5; i += 1) breaker.recordFailure();
    now += 1000;
    expect(breaker.tryAcquire()).toBe(0);
    breaker.recordFailure();
    expect(breaker.snapshot().state).toBe('open');
    expect(breaker.tryAcquire()).toBe(1000);
  });

  it('frees the probe slot when a call ends without a verdict', () => {
    const breaker = new CircuitBreaker(1, 1000, clock);
    breaker.recordFailure();
    now += 1000;
    expect(breaker.tryAcquire()).toBe(0);
    breaker.release();
    expect(breaker.tryAcquire()).toBe(0);
  });
});
