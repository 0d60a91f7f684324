import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { GuardrailRule } from '../guardrail-rules';

/** A named list of rules applied around the LLM call; deactivating it is the soft delete. */
@Entity({ name: 'guardrail_configs' })
export class GuardrailConfigEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  /** Checked by parseGuardrailRules before every write. */
  @Column({ type: 'jsonb' })
  rules!: GuardrailRule[];

  @Column({ type: 'text' })
  fallbackMessage!: string;

  @Column({ type: 'boolean', default: true })
  isActive!: boolean;

  /** Seeded by the migration (unrestricted, research_safe, clinical); editable, not deletable. */
  @Column({ type: 'boolean', default: false })
  isPreset!: boolean;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'varchar', length: 128 })
  createdBy!: string;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ type: 'varchar', length: 128 })
  updatedBy!: string;
}
