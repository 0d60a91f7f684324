import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { CheckStage } from '../guardrail-engine';
import type { RuleAction, RuleType } from '../guardrail-rules';

/** One rule firing on one message. Kept when its config or message is deleted. */
@Entity({ name: 'guardrail_events' })
export class GuardrailEventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: number;

  @Column({ type: 'varchar', length: 128 })
  userId!: string;

  @Column({ type: 'varchar', length: 100 })
  configName!: string;

  @Column({ type: 'integer' })
  ruleIndex!: number;

  @Column({ type: 'varchar', length: 32 })
  ruleType!: RuleType;

  @Column({ type: 'varchar', length: 16 })
  action!: RuleAction;

  @Column({ type: 'varchar', length: 16 })
  stage!: CheckStage;

  /** At most 200 characters, personal data masked. */
  @Column({ type: 'varchar', length: 200 })
  excerpt!: string;

  /** The conversation_history message, while it exists. */
  @Column({ type: 'bigint', nullable: true })
  messageId!: number | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  requestId!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
