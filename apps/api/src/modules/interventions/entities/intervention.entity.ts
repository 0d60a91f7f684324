import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type InterventionKind = 'halt' | 'resume' | 'inject';
export type InjectRole = 'system' | 'assistant';

/** What an operator did to a conversation, and when. */
@Entity({ name: 'interventions' })
export class InterventionEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: number;

  @Column({ type: 'varchar', length: 128 })
  userId!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: InterventionKind;

  @Column({ type: 'varchar', length: 128 })
  operator!: string;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ type: 'text', nullable: true })
  content!: string | null;

  @Column({ type: 'varchar', length: 16, nullable: true })
  role!: InjectRole | null;

  @Column({ type: 'bigint', nullable: true })
  messageId!: number | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
