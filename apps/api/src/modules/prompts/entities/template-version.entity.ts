import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { TemplateConfig } from '../template-config';

/** One immutable version of a template: versions are only ever added, never changed. */
@Entity({ name: 'prompt_version_history' })
export class TemplateVersionEntity {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'BY DEFAULT' })
  id!: number;

  @Column({ name: 'template_id', type: 'integer' })
  templateId!: number;

  @Column({ type: 'integer' })
  version!: number;

  @Column({ type: 'text' })
  content!: string;

  @Column({ type: 'jsonb' })
  config!: TemplateConfig;

  @Column({ name: 'change_description', type: 'text', nullable: true })
  changeDescription!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'created_by', type: 'varchar', length: 128 })
  createdBy!: string;

  @Column({ name: 'rolled_back_from', type: 'integer', nullable: true })
  rolledBackFrom!: number | null;
}
