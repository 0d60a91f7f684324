import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { UserState } from '../memory.types';
import { ACTIVE_MODE } from '../user-mode';

/** A user the product has seen: their mode (set by operators) and their activity. */
@Entity({ name: 'user_state' })
export class UserStateEntity implements UserState {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  userId!: string;

  @Column({ type: 'varchar', length: 32, default: ACTIVE_MODE })
  mode!: string;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  operator!: string | null;

  @Column({ type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ type: 'timestamptz' })
  firstSeen!: Date;

  @Column({ type: 'timestamptz' })
  lastActivity!: Date;

  @Column({ type: 'integer', default: 0 })
  messageCount!: number;
}
