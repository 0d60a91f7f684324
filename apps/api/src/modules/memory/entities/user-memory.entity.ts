import { Column, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** One remembered fact about a user; (user_id, key) is unique and the id survives updates. */
@Entity({ name: 'user_memory' })
export class UserMemoryEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: number;

  @Column({ type: 'varchar', length: 128 })
  userId!: string;

  @Column({ type: 'varchar', length: 128 })
  key!: string;

  /** Any JSON value (checked by memoryValueProblem on the way in). */
  @Column({ type: 'jsonb' })
  value!: unknown;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
