import { EntityManager } from 'typeorm';
import { TemplateVersionEntity } from './entities/template-version.entity';
import { TemplateEntity } from './entities/template.entity';
import { TemplateNotFoundError, VersionNotFoundError } from './prompts.errors';

export async function findTemplate(
  manager: EntityManager,
  templateId: number,
): Promise<TemplateEntity> {
  const template = await manager.findOneBy(TemplateEntity, { id: templateId });
  if (!template) throw new TemplateNotFoundError({ templateId });
  return template;
}

export async function findVersion(
  manager: EntityManager,
  template: TemplateEntity,
  version: number,
): Promise<TemplateVersionEntity> {
  const row = await manager.findOneBy(TemplateVersionEntity, { templateId: template.id, version });
  if (!row) throw new VersionNotFoundError(template.id, version);
  return row;
}
