import {
  NoTemplateError,
  TemplateExistsError,
  TemplateInactiveError,
  TemplateNotFoundError,
} from '../../src/modules/prompts/prompts.errors';
import { EventsService } from '../../src/modules/events/events.service';
import { PromptsService } from '../../src/modules/prompts/prompts.service';
import { TemplateResolver } from '../../src/modules/prompts/template-resolver.service';
import { aTemplateName } from '../factories/templates';
import { startTestApp, TestApp } from '../setup/test-app';

describe('PromptsService against PostgreSQL', () => {
  let api: TestApp;
  let prompts: PromptsService;
  let resolver: TemplateResolver;

  beforeAll(async () => {
    api = await startTestApp();
    prompts = api.app.get(PromptsService);
    resolver = api.app.get(TemplateResolver);
  });
  afterAll(() => api.close());

  const create = (name = aTemplateName(), content = 'Hello {{ user_id }}') =>
    prompts.createTemplate({ name, content, createdBy: 'alice' });
  const defaultIds = async () =>
    (await api.sql<{ id: number }>('SELECT id FROM system_prompt WHERE is_default')).map(
      (row) => row.id,
    );

  // Runs first: the database starts without templates.
  it('has no template to chat with before one exists (503 no_template)', async () => {
    await expect(resolver.resolveForChat()).rejects.toBeInstanceOf(NoTemplateError);
    await expect(resolver.resolveForChat()).rejects.toMatchObject({
      status: 503,
      code: 'no_template',
    });
  });

  it('makes exactly one of several concurrent first templates the default', async () => {
    const created = await Promise.all(Array.from({ length: 8 }, () => create()));
    const ids = await defaultIds();
    expect(ids).toHaveLength(1);
    expect(
      created.filter((each) => each.template.isDefault).map((each) => each.template.id),
    ).toEqual(ids);
  });

  it('numbers 50 concurrent updates of one template 2..51, without gaps or duplicates', async () => {
    const { template } = await create();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        prompts.updateTemplate(template.id, { content: `Revision ${index}`, updatedBy: 'bob' }),
      ),
    );
    expect(results.map((result) => result.newVersion).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 50 }, (_, index) => index + 2),
    );
    const versions = await api.sql<{ version: number }>(
      'SELECT version FROM prompt_version_history WHERE template_id = $1 ORDER BY version',
      [template.id],
    );
    expect(versions.map((row) => row.version)).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
    const [row] = await api.sql('SELECT current_version FROM system_prompt WHERE id = $1', [
      template.id,
    ]);
    expect(row).toEqual({ current_version: 51 });
  });

  it('keeps versions contiguous when updates and rollbacks race', async () => {
    const { template } = await create();
    await prompts.updateTemplate(template.id, { content: 'Second', updatedBy: 'bob' });
    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        index % 2 === 0
          ? prompts.rollbackTemplate(template.id, 1, 'carol')
          : prompts.updateTemplate(template.id, { content: `Race ${index}`, updatedBy: 'bob' }),
      ),
    );
    const versions = await api.sql<{ version: number }>(
      'SELECT version FROM prompt_version_history WHERE template_id = $1 ORDER BY version',
      [template.id],
    );
    expect(versions.map((row) => row.version)).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
  });

  it('lets exactly one of 20 concurrent creates of one name win; the rest get template_exists', async () => {
    const name = aTemplateName('duplicate');
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => create(name)));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') {
        expect(outcome.reason).toBeInstanceOf(TemplateExistsError);
        expect(outcome.reason).toMatchObject({ status: 409, code: 'template_exists' });
      }
    }
    expect(await api.sql('SELECT id FROM system_prompt WHERE name = $1', [name])).toHaveLength(1);
    // No version was left behind by the losers.
    const [orphans] = await api.sql<{ count: number }>(
      `SELECT COUNT(*)::int AS count FROM prompt_version_history v
        WHERE NOT EXISTS (SELECT 1 FROM system_prompt t WHERE t.id = v.template_id)`,
    );
    expect(orphans!.count).toBe(0);
  });

  it('keeps exactly one default while defaults switch concurrently', async () => {
    const templates = await Promise.all(Array.from({ length: 6 }, () => create()));
    const ids = templates.map((each) => each.template.id);
    await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        prompts.setDefault(ids[index % ids.length]!, 'erin'),
      ),
    );
    const current = await defaultIds();
    expect(current).toHaveLength(1);
    expect(ids).toContain(current[0]);
    const resolved = await resolver.resolveForChat();
    expect(resolved.id).toBe(current[0]);
  });

  describe('resolveForChat', () => {
    it('returns the current version of the named template, or of the default', async () => {
      const { template } = await create(aTemplateName('chat'), 'Version one');
      await prompts.updateTemplate(template.id, {
        content: 'Version two',
        updatedBy: 'bob',
        config: { temperature: 0.3, history_limit: 4 },
      });
      expect(await resolver.resolveForChat(template.name)).toEqual({
        id: template.id,
        name: template.name,
        version: 2,
        content: 'Version two',
        config: { temperature: 0.3, history_limit: 4 },
      });
      await prompts.setDefault(template.id);
      expect((await resolver.resolveForChat()).id).toBe(template.id);
    });

    it('answers unknown names with 404 and inactive templates with 409', async () => {
      await expect(resolver.resolveForChat('no-such-template')).rejects.toBeInstanceOf(
        TemplateNotFoundError,
      );
      const { template } = await create();
      await prompts.setActive(template.id, false);
      await expect(resolver.resolveForChat(template.name)).rejects.toBeInstanceOf(
        TemplateInactiveError,
      );
      await expect(resolver.resolveForChat(template.name)).rejects.toMatchObject({
        status: 409,
        code: 'template_inactive',
      });
    });

    it('serves from the cache until a change on this instance or invalidateCache()', async () => {
      const { template } = await create(aTemplateName('cached'), 'Cached one');
      // Its own template.changed event also drops the cache: let it arrive first.
      await api.app.get(EventsService).settle();
      expect((await resolver.resolveForChat(template.name)).content).toBe('Cached one');

      // A change made behind the service's back (as another instance would) is not seen...
      await api.sql('UPDATE prompt_version_history SET content = $1 WHERE template_id = $2', [
        'Changed elsewhere',
        template.id,
      ]);
      expect((await resolver.resolveForChat(template.name)).content).toBe('Cached one');
      // ...until the cache is invalidated, as the events module will do.
      resolver.invalidateCache();
      expect((await resolver.resolveForChat(template.name)).content).toBe('Changed elsewhere');

      // Changes through the service invalidate at once.
      await prompts.updateTemplate(template.id, { content: 'Updated here', updatedBy: 'bob' });
      expect(await resolver.resolveForChat(template.name)).toMatchObject({
        version: 2,
        content: 'Updated here',
      });
      await prompts.setActive(template.id, false);
      await expect(resolver.resolveForChat(template.name)).rejects.toBeInstanceOf(
        TemplateInactiveError,
      );
    });
  });
});
