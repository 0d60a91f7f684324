import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { StatsBucket, TemplateCount } from '../stats-buckets';

/**
 * One hour or one UTC day of activity, computed from `conversation_history` and
 * `llm_requests`. A rollup is final once computed after its bucket ended; until then readers
 * compute the bucket from the raw rows instead.
 */
@Entity({ name: 'metrics_aggregated' })
export class StatsRollupEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: number;

  @Column({ type: 'varchar', length: 8 })
  bucket!: StatsBucket;

  @Column({ type: 'timestamptz' })
  bucketStart!: Date;

  /** Messages users sent (source `user`). */
  @Column({ type: 'bigint', default: 0 })
  messages!: number;

  /** Every recorded LLM call, whatever its status. */
  @Column({ type: 'bigint', default: 0 })
  llmRequests!: number;

  /** Users whose conversation got a message. */
  @Column({ type: 'bigint', default: 0 })
  activeUsers!: number;

  /** LLM calls with status `error`. */
  @Column({ type: 'bigint', default: 0 })
  errors!: number;

  /** Successful calls behind the latency figures; weights avg_latency_ms when buckets merge. */
  @Column({ type: 'bigint', default: 0 })
  latencySamples!: number;

  @Column({ type: 'double precision', nullable: true })
  avgLatencyMs!: number | null;

  @Column({ type: 'double precision', nullable: true })
  p50LatencyMs!: number | null;

  @Column({ type: 'double precision', nullable: true })
  p95LatencyMs!: number | null;

  @Column({ type: 'double precision', default: 0 })
  errorRatePercent!: number;

  @Column({ type: 'bigint', default: 0 })
  promptTokens!: number;

  @Column({ type: 'bigint', default: 0 })
  completionTokens!: number;

  /** LLM calls per template, most used first (TEMPLATES_PER_BUCKET at most). */
  @Column({ type: 'jsonb', default: () => "'[]'::jsonb" })
  topTemplates!: TemplateCount[];

  @Column({ type: 'timestamptz' })
  computedAt!: Date;
}

/** What a bucket holds, whether read from a rollup or computed from the raw rows. */
export type BucketStats = Omit<StatsRollupEntity, 'id' | 'bucket' | 'computedAt'>;
