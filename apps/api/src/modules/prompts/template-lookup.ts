import { EntityManager } from 'typeorm';
import { PromptVersionEntity } from './entities/prompt-version.entity';
import { SystemPromptEntity } from './entities/system-prompt.entity';
import { TemplateNotFoundError, VersionNotFoundError } from './prompts.errors';

export async function findTemplate(
  manager: EntityManager,
  templateId: number,
): Promise<SystemPromptEntity> {
  const template = await manager.findOneBy(SystemPromptEntity, { id: templateId });
  if (!template) throw new TemplateNotFoundError({ templateId });
  return template;
}

export async function findVersion(
  manager: EntityManager,
  template: SystemPromptEntity,
  version: number,
): Promise<PromptVersionEntity> {
  const row = await manager.findOneBy(PromptVersionEntity, { templateId: template.id, version });
  if (!row) throw new VersionNotFoundError(template.id, version);
  return row;
}
