import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { TemplateVersionEntity } from './entities/template-version.entity';
import { TemplateEntity } from './entities/template.entity';
import { TemplateNotFoundError, VersionNotFoundError } from './prompts.errors';

/** Reads a template or one of its versions, inside the caller's transaction when there is one. */
@Injectable()
export class TemplateLookup {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  async findTemplate(templateId: number): Promise<TemplateEntity> {
    const template = await this.txHost.tx.findOneBy(TemplateEntity, { id: templateId });
    if (!template) throw new TemplateNotFoundError({ templateId });
    return template;
  }

  async findVersion(template: TemplateEntity, version: number): Promise<TemplateVersionEntity> {
    const row = await this.txHost.tx.findOneBy(TemplateVersionEntity, {
      templateId: template.id,
      version,
    });
    if (!row) throw new VersionNotFoundError(template.id, version);
    return row;
  }
}
