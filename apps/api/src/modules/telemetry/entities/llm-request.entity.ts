import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { LlmRequestStatus } from '../llm-request-status';

export type { LlmRequestStatus };

/** One row per LLM call (or per chat turn that was blocked before reaching the LLM). */
@Entity({ name: 'llm_requests' })
export class LlmRequestEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: number;

  @Column({ type: 'varchar', nullable: true })
  requestId!: string | null;

  @Column({ type: 'varchar' })
  userId!: string;

  @Column({ type: 'varchar', nullable: true })
  templateName!: string | null;

  @Column({ type: 'integer', nullable: true })
  templateVersion!: number | null;

  @Column({ type: 'varchar', nullable: true })
  guardrailConfig!: string | null;

  @Column({ type: 'varchar', nullable: true })
  model!: string | null;

  @Column({ type: 'varchar' })
  api!: string;

  @Column({ type: 'boolean', default: false })
  stream!: boolean;

  @Column({ type: 'integer', nullable: true })
  promptTokens!: number | null;

  @Column({ type: 'integer', nullable: true })
  completionTokens!: number | null;

  @Column({ type: 'integer', nullable: true })
  latencyMs!: number | null;

  @Column({ type: 'integer', nullable: true })
  ttftMs!: number | null;

  @Column({ type: 'integer', default: 1 })
  attempts!: number;

  @Column({ type: 'varchar' })
  status!: LlmRequestStatus;

  @Column({ type: 'varchar', nullable: true })
  errorCode!: string | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
