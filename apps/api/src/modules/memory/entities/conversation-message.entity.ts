import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { ConversationMessage, MessageRole, MessageSource } from '../memory.types';

export type { MessageRole, MessageSource };

/** One stored message; a user's messages are ordered by id, the order they were stored in. */
@Entity({ name: 'conversation_history' })
export class ConversationMessageEntity implements ConversationMessage {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: number;

  @Column({ type: 'varchar', length: 128 })
  userId!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: MessageRole;

  @Column({ type: 'text' })
  content!: string;

  @Column({ type: 'varchar', length: 16 })
  source!: MessageSource;

  @Column({ type: 'varchar', length: 100, nullable: true })
  templateName!: string | null;

  @Column({ type: 'integer', nullable: true })
  templateVersion!: number | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  operator!: string | null;

  @Column({ type: 'boolean', default: true })
  visibleToUser!: boolean;

  /** Flags such as `interrupted`, `blocked`, `excluded_from_prompt`, plus the request id. */
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  metadata!: Record<string, unknown>;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
