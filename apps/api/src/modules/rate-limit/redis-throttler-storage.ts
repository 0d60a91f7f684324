import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import { Redis } from 'ioredis';
import { redact } from '../../core/config/app-config';

// One round trip, atomic across instances: count the hit in a fixed window, or report the block.
// KEYS: hits, block. ARGV: window ms, limit, block ms. Returns hits, window left ms, block left ms.
const INCREMENT_SCRIPT = `
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then
  return {tonumber(redis.call('GET', KEYS[1]) or '0'), redis.call('PTTL', KEYS[1]), blocked}
end
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local windowLeft = redis.call('PTTL', KEYS[1])
if hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  redis.call('DEL', KEYS[1])
  return {hits, windowLeft, tonumber(ARGV[3])}
end
return {hits, windowLeft, 0}
`;

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

const COMMAND_TIMEOUT_MS = 500;
const FIRST_CONNECT_WAIT_MS = 2000;

/**
 * Rate-limit counters in Redis, shared by every instance. When Redis cannot be reached the
 * limits keep working per instance (in memory) rather than failing requests or dropping limits;
 * each change of state is logged once.
 */
export class RedisThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private readonly local = new ThrottlerStorageService();
  private reachable = true;

  private constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    redis.on('ready', () => this.markReachable(true));
    // Without a listener ioredis prints every reconnect failure itself.
    redis.on('error', (error: Error) => this.markReachable(false, error));
  }

  /** Waits briefly for the first connection so the first requests already share counters. */
  static async connect(url: string, prefix: string): Promise<RedisThrottlerStorage> {
    const redis = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: FIRST_CONNECT_WAIT_MS,
      lazyConnect: true,
    });
    const storage = new RedisThrottlerStorage(redis, prefix);
    await Promise.race([
      redis.connect().catch(() => undefined),
      new Promise((resolve) => setTimeout(resolve, FIRST_CONNECT_WAIT_MS).unref()),
    ]);
    if (redis.status !== 'ready') {
      storage.markReachable(false, new Error(`not reachable at ${redact(url)}`));
    }
    return storage;
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    try {
      const [hits, windowLeftMs, blockLeftMs] = (await this.redis.eval(
        INCREMENT_SCRIPT,
        2,
        `${this.prefix}${key}`,
        `${this.prefix}${key}:blocked`,
        ttl,
        limit,
        blockDuration,
      )) as [number, number, number];
      this.markReachable(true);
      return {
        totalHits: hits,
        timeToExpire: Math.max(0, Math.ceil(windowLeftMs / 1000)),
        isBlocked: blockLeftMs > 0,
        timeToBlockExpire: Math.max(0, Math.ceil(blockLeftMs / 1000)),
      };
    } catch (error) {
      this.markReachable(false, error);
      return this.local.increment(key, ttl, limit, blockDuration, throttlerName);
    }
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
    this.local.onApplicationShutdown();
  }

  private markReachable(reachable: boolean, error?: unknown): void {
    if (reachable === this.reachable) return;
    this.reachable = reachable;
    if (reachable) {
      this.logger.log('Redis reachable again: rate limits are shared between instances');
    } else {
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.warn(
        `Redis unavailable (${reason}): rate limits count per instance until it is back`,
      );
    }
  }
}
