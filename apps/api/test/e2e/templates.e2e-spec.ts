import {
  addVersions,
  aTemplateBody,
  aTemplateName,
  createTemplate,
  storedTemplateRows,
} from '../factories/templates';
import { expectError, HttpResult, startTestApp, TestApp } from '../setup/test-app';

const SLOW_CONTENT =
  '{% for i in range(0, 10000) %}{% for j in range(0, 10000) %}{% for k in range(0, 10000) %}{% endfor %}{% endfor %}{% endfor %}';

describe('templates over HTTP', () => {
  let api: TestApp;
  /** The first template created: the default. */
  let first: { id: number; name: string };

  beforeAll(async () => {
    api = await startTestApp();
    first = await createTemplate(api, { name: aTemplateName('first') });
  });
  afterAll(() => api.close());

  const fieldNames = (error: { details: { fields: Array<{ field: string }> } }): string[] =>
    error.details.fields.map((problem) => problem.field).sort();

  /** Sends a request that must fail with the error shape and leave every stored row as it was. */
  async function rejected(
    status: number,
    code: string,
    request: () => Promise<HttpResult>,
  ): Promise<any> {
    const before = await storedTemplateRows(api);
    const error = expectError(await request(), status, code);
    expect(await storedTemplateRows(api)).toEqual(before);
    return error;
  }

  const defaults = () =>
    api.sql<{ id: number }>('SELECT id FROM system_prompt WHERE is_default ORDER BY id');

  describe('POST /admin/templates', () => {
    it('creates version 1 and returns the template (201)', async () => {
      const body = aTemplateBody({ config: { temperature: 0.7, my_flag: 'kept' } });
      const result = await api.http('POST', '/admin/templates', body);
      expect(result.status).toBe(201);
      expect(result.body).toEqual({
        id: expect.any(Number),
        name: body.name,
        version: 1,
        content: body.content,
        config: { temperature: 0.7, my_flag: 'kept' },
        is_active: true,
        is_default: false,
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        created_by: 'alice',
        updated_at: result.body.created_at,
        updated_by: 'alice',
      });
      const [version] = await api.sql(
        'SELECT version, content, config, change_description, created_by FROM prompt_version_history WHERE template_id = $1',
        [result.body.id],
      );
      expect(version).toEqual({
        version: 1,
        content: body.content,
        config: { temperature: 0.7, my_flag: 'kept' },
        change_description: 'Initial version',
        created_by: 'alice',
      });
    });

    it('made the first template created the default, and only that one', async () => {
      expect(await defaults()).toEqual([{ id: first.id }]);
      const result = await api.http('GET', `/admin/templates/${encodeURIComponent(first.name)}`);
      expect(result.body.is_default).toBe(true);
    });

    it('trims the name and created_by, and keeps inner spaces', async () => {
      const name = aTemplateName('Warm Nova v1.2');
      const result = await api.http(
        'POST',
        '/admin/templates',
        aTemplateBody({ name: `  ${name} `, created_by: ' carol ' }),
      );
      expect(result.status).toBe(201);
      expect(result.body).toMatchObject({ name, created_by: 'carol', config: {} });
    });

    it('answers a duplicate name with 409 template_exists', async () => {
      const error = await rejected(409, 'template_exists', () =>
        api.http('POST', '/admin/templates', aTemplateBody({ name: ` ${first.name} ` })),
      );
      expect(error.details).toEqual({ name: first.name });
    });

    it('names every missing, empty, wrong or unknown field in one 422', async () => {
      const missing = await rejected(422, 'validation_failed', () =>
        api.http('POST', '/admin/templates', {}),
      );
      expect(fieldNames(missing)).toEqual(['content', 'created_by', 'name']);
      expect(missing.details.fields).toContainEqual({
        field: 'name',
        errors: ['name is required'],
      });

      const empty = await rejected(422, 'validation_failed', () =>
        api.http('POST', '/admin/templates', { name: '  ', content: '', created_by: '' }),
      );
      expect(fieldNames(empty)).toEqual(['content', 'created_by', 'name']);
      expect(empty.details.fields).toContainEqual({
        field: 'content',
        errors: ['content must not be empty'],
      });

      const wrong = await rejected(422, 'validation_failed', () =>
        api.http('POST', '/admin/templates', {
          name: 'bad/name',
          content: 42,
          created_by: 'x'.repeat(129),
          config: ['not', 'an', 'object'],
          owner: 'unknown field',
        }),
      );
      expect(fieldNames(wrong)).toEqual(['config', 'content', 'created_by', 'name', 'owner']);
      expect(wrong.details.fields).toContainEqual({
        field: 'name',
        errors: ['name may only contain letters, digits, spaces, "_", "." and "-"'],
      });

      const tooLong = await rejected(422, 'validation_failed', () =>
        api.http('POST', '/admin/templates', aTemplateBody({ name: 'n'.repeat(101) })),
      );
      expect(fieldNames(tooLong)).toEqual(['name']);
    });

    it('checks the known config keys and names them as config.<key>', async () => {
      const error = await rejected(422, 'validation_failed', () =>
        api.http(
          'POST',
          '/admin/templates',
          aTemplateBody({
            config: {
              history_limit: 1.5,
              temperature: 3,
              max_tokens: 0,
              top_p: -0.1,
              stop: ['a', 'b', 'c', 'd', 'e'],
              model: '',
              guardrail_config: 7,
              anything_else: { is: 'fine' },
            },
          }),
        ),
      );
      expect(fieldNames(error)).toEqual([
        'config.guardrail_config',
        'config.history_limit',
        'config.max_tokens',
        'config.model',
        'config.stop',
        'config.temperature',
        'config.top_p',
      ]);
    });

    it('rejects content that does not compile with 422 template_invalid and its position', async () => {
      const error = await rejected(422, 'template_invalid', () =>
        api.http(
          'POST',
          '/admin/templates',
          aTemplateBody({ content: 'Hello\n\n{{ user_id | }}' }),
        ),
      );
      expect(error.details).toMatchObject({
        line: 3,
        column: 14,
        reason: 'expected symbol, got variable-end',
      });
      expect(error.message).toContain('line 3, column 14');
    });

    it('rejects content that loads other templates or fails to render', async () => {
      const include = await rejected(422, 'template_invalid', () =>
        api.http(
          'POST',
          '/admin/templates',
          aTemplateBody({ content: 'Hi\n{% include "/etc/passwd" %}' }),
        ),
      );
      expect(include.details).toMatchObject({ line: 2, column: 4 });
      const call = await rejected(422, 'template_invalid', () =>
        api.http('POST', '/admin/templates', aTemplateBody({ content: '{{ nothing.here() }}' })),
      );
      expect(call.details.reason).toContain('Unable to call');
    });

    it('rejects content that runs past its render budget, without blocking the server', async () => {
      const slow = rejected(422, 'template_invalid', () =>
        api.http('POST', '/admin/templates', aTemplateBody({ content: SLOW_CONTENT })),
      );
      const started = performance.now();
      expect((await api.http('GET', '/health')).status).toBe(200);
      expect(performance.now() - started).toBeLessThan(1000);
      const error = await slow;
      expect(error.details).toMatchObject({
        kind: 'budget',
        budget: 'loop_iterations',
        line: 1,
        reason: "the template's loops run more than 10000 iterations",
      });
    });

    it('answers malformed JSON with 400 malformed_json', async () => {
      await rejected(400, 'malformed_json', () =>
        api.http('POST', '/admin/templates', '{"name": "x", ', {
          'content-type': 'application/json',
        }),
      );
    });

    it('lets exactly one of many concurrent creates of one name win', async () => {
      const name = aTemplateName('race');
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          api.http('POST', '/admin/templates', aTemplateBody({ name })),
        ),
      );
      expect(results.filter((result) => result.status === 201)).toHaveLength(1);
      for (const result of results.filter((each) => each.status !== 201)) {
        expectError(result, 409, 'template_exists');
      }
      expect(await api.sql('SELECT id FROM system_prompt WHERE name = $1', [name])).toHaveLength(1);
    });
  });

  describe('GET /admin/templates', () => {
    it('lists active templates with the summary fields and the total count', async () => {
      const result = await api.http('GET', '/admin/templates');
      expect(result.status).toBe(200);
      const [active] = await api.sql<{ count: number }>(
        'SELECT COUNT(*)::int AS count FROM system_prompt WHERE is_active',
      );
      expect(result.body.count).toBe(active!.count);
      expect(result.body.templates).toHaveLength(active!.count);
      expect(result.body.next_cursor).toBeNull();
      expect(result.body.templates[0]).toEqual({
        id: first.id,
        name: first.name,
        version: expect.any(Number),
        is_active: true,
        is_default: true,
        created_at: expect.any(String),
        created_by: 'alice',
        updated_at: expect.any(String),
        updated_by: expect.any(String),
      });
    });

    it('hides inactive templates unless include_inactive=true', async () => {
      const hidden = await createTemplate(api);
      expect((await api.http('POST', `/admin/templates/${hidden.id}/deactivate`)).status).toBe(200);
      const visible = await api.http('GET', '/admin/templates');
      expect(visible.body.templates.map((t: { id: number }) => t.id)).not.toContain(hidden.id);
      const all = await api.http('GET', '/admin/templates?include_inactive=true');
      expect(all.body.templates.map((t: { id: number }) => t.id)).toContain(hidden.id);
      expect(all.body.count).toBe(
        visible.body.count +
          (await api.sql('SELECT 1 FROM system_prompt WHERE NOT is_active')).length,
      );
    });

    it('pages with limit and cursor while count stays the total', async () => {
      const total = (await api.http('GET', '/admin/templates?include_inactive=true')).body
        .count as number;
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const page: HttpResult = await api.http(
          'GET',
          `/admin/templates?include_inactive=true&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(page.status).toBe(200);
        expect(page.body.count).toBe(total);
        expect(page.body.templates.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.templates.map((t: { id: number }) => t.id));
        cursor = page.body.next_cursor;
      } while (cursor);
      expect(seen).toHaveLength(total);
      expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    });

    it('rejects bad query parameters with 422 naming them', async () => {
      for (const [query, field] of [
        ['limit=0', 'limit'],
        ['limit=201', 'limit'],
        ['limit=abc', 'limit'],
        ['include_inactive=yes', 'include_inactive'],
        ['cursor=abc', 'cursor'],
        ['sort=name', 'sort'],
      ]) {
        const error = await rejected(422, 'validation_failed', () =>
          api.http('GET', `/admin/templates?${query}`),
        );
        expect(fieldNames(error)).toEqual([field]);
      }
    });
  });

  describe('GET /admin/templates/{name}', () => {
    it('returns the template with its current content and config', async () => {
      const name = aTemplateName('Night Owl');
      const created = await createTemplate(api, { name, config: { temperature: 0.2 } });
      await addVersions(api, created.id, 1, { temperature: 0.9 });
      const result = await api.http('GET', `/admin/templates/${encodeURIComponent(name)}`);
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({
        id: created.id,
        name,
        version: 2,
        content: expect.stringMatching(/^Revision \d+/),
        config: { temperature: 0.9 },
        is_active: true,
        is_default: false,
        created_by: 'alice',
        updated_by: 'bob',
      });
    });

    it('answers an unknown name with 404 template_not_found', async () => {
      const error = expectError(
        await api.http('GET', '/admin/templates/no-such-template'),
        404,
        'template_not_found',
      );
      expect(error.details).toEqual({ name: 'no-such-template' });
    });
  });

  describe('PUT /admin/templates/{template_id}', () => {
    it('adds a version and keeps the previous config when none is given', async () => {
      const created = await createTemplate(api, { config: { temperature: 0.4, history_limit: 5 } });
      const result = await api.http('PUT', `/admin/templates/${created.id}`, {
        content: 'Second {{ name }}',
        updated_by: ' bob ',
        change_description: 'Use the name',
      });
      expect(result.status).toBe(200);
      expect(result.body).toEqual({ template_id: created.id, new_version: 2 });
      const history = await api.http('GET', `/admin/templates/${created.id}/history`);
      expect(history.body.versions[0]).toMatchObject({
        version: 2,
        content: 'Second {{ name }}',
        config: { temperature: 0.4, history_limit: 5 },
        change_description: 'Use the name',
        created_by: 'bob',
        rolled_back_from: null,
      });
      // The old version is untouched.
      expect(history.body.versions[1]).toMatchObject({ version: 1, content: created.content });
    });

    it('replaces the config when one is given', async () => {
      const created = await createTemplate(api, { config: { temperature: 0.4 } });
      await api.http('PUT', `/admin/templates/${created.id}`, {
        content: 'x',
        updated_by: 'bob',
        config: { max_tokens: 100 },
      });
      const current = await api.http('GET', `/admin/templates/${encodeURIComponent(created.name)}`);
      expect(current.body.config).toEqual({ max_tokens: 100 });
    });

    it('answers an unknown id with 404 and a bad id with 422 naming template_id', async () => {
      const body = { content: 'x', updated_by: 'bob' };
      await rejected(404, 'template_not_found', () =>
        api.http('PUT', '/admin/templates/999999', body),
      );
      for (const id of ['abc', '0', '-1', '1.5', '1e3', '99999999999']) {
        const error = await rejected(422, 'validation_failed', () =>
          api.http('PUT', `/admin/templates/${id}`, body),
        );
        expect(fieldNames(error)).toEqual(['template_id']);
      }
    });

    it('rejects bad bodies and content without storing anything', async () => {
      const path = `/admin/templates/${first.id}`;
      const missing = await rejected(422, 'validation_failed', () => api.http('PUT', path, {}));
      expect(fieldNames(missing)).toEqual(['content', 'updated_by']);
      const empty = await rejected(422, 'validation_failed', () =>
        api.http('PUT', path, { content: '   ', updated_by: '', change_description: '' }),
      );
      expect(fieldNames(empty)).toEqual(['change_description', 'content', 'updated_by']);
      const unknown = await rejected(422, 'validation_failed', () =>
        api.http('PUT', path, { content: 'x', updated_by: 'bob', version: 3 }),
      );
      expect(fieldNames(unknown)).toEqual(['version']);
      const config = await rejected(422, 'validation_failed', () =>
        api.http('PUT', path, { content: 'x', updated_by: 'bob', config: { top_p: 2 } }),
      );
      expect(fieldNames(config)).toEqual(['config.top_p']);
      const invalid = await rejected(422, 'template_invalid', () =>
        api.http('PUT', path, { content: '{% if x %}unclosed', updated_by: 'bob' }),
      );
      expect(invalid.details).toMatchObject({ line: 1, column: 19 });
      await rejected(400, 'malformed_json', () =>
        api.http('PUT', path, '{"content": x}', { 'content-type': 'application/json' }),
      );
    });
  });

  describe('GET /admin/templates/{template_id}/history', () => {
    it('lists every version newest first', async () => {
      const created = await createTemplate(api);
      await addVersions(api, created.id, 2);
      const result = await api.http('GET', `/admin/templates/${created.id}/history`);
      expect(result.status).toBe(200);
      expect(result.body.template_id).toBe(created.id);
      expect(result.body.name).toBe(created.name);
      expect(result.body.versions.map((v: { version: number }) => v.version)).toEqual([3, 2, 1]);
      expect(Object.keys(result.body.versions[0]).sort()).toEqual([
        'change_description',
        'config',
        'content',
        'created_at',
        'created_by',
        'rolled_back_from',
        'version',
      ]);
    });

    it('answers 404 for an unknown id and 422 for a bad one', async () => {
      expectError(
        await api.http('GET', '/admin/templates/999999/history'),
        404,
        'template_not_found',
      );
      const error = expectError(
        await api.http('GET', '/admin/templates/x/history'),
        422,
        'validation_failed',
      );
      expect(fieldNames(error)).toEqual(['template_id']);
    });
  });

  describe('POST /admin/templates/{template_id}/rollback/{version}', () => {
    it('adds a version with the content and config of the chosen one', async () => {
      const created = await createTemplate(api, { config: { temperature: 0.1 } });
      await addVersions(api, created.id, 2, { temperature: 1.5 });
      const result = await api.http(
        'POST',
        `/admin/templates/${created.id}/rollback/1?updated_by=dana`,
      );
      expect(result.status).toBe(200);
      expect(result.body).toEqual({ template_id: created.id, rolled_back_to: 1, new_version: 4 });
      const history = await api.http('GET', `/admin/templates/${created.id}/history`);
      expect(history.body.versions[0]).toMatchObject({
        version: 4,
        content: created.content,
        config: { temperature: 0.1 },
        change_description: 'Rollback to version 1',
        created_by: 'dana',
        rolled_back_from: 1,
      });
      const current = await api.http('GET', `/admin/templates/${encodeURIComponent(created.name)}`);
      expect(current.body).toMatchObject({
        version: 4,
        content: created.content,
        updated_by: 'dana',
      });
    });

    it('records "system" when no updated_by is given', async () => {
      const created = await createTemplate(api);
      await addVersions(api, created.id, 1);
      await api.http('POST', `/admin/templates/${created.id}/rollback/1`);
      const history = await api.http('GET', `/admin/templates/${created.id}/history`);
      expect(history.body.versions[0].created_by).toBe('system');
    });

    it('answers unknown versions and templates with 404, bad ones with 422', async () => {
      const error = await rejected(404, 'version_not_found', () =>
        api.http('POST', `/admin/templates/${first.id}/rollback/999`),
      );
      expect(error.details).toEqual({ template_id: first.id, version: 999 });
      await rejected(404, 'template_not_found', () =>
        api.http('POST', '/admin/templates/999999/rollback/1'),
      );
      const bad = await rejected(422, 'validation_failed', () =>
        api.http('POST', `/admin/templates/${first.id}/rollback/latest`),
      );
      expect(fieldNames(bad)).toEqual(['version']);
      const actor = await rejected(422, 'validation_failed', () =>
        api.http('POST', `/admin/templates/${first.id}/rollback/1?updated_by=&extra=1`),
      );
      expect(fieldNames(actor)).toEqual(['extra', 'updated_by']);
    });
  });

  describe('activate, deactivate and default', () => {
    it('deactivates and activates a template, returning its summary and a message', async () => {
      const created = await createTemplate(api);
      const off = await api.http(
        'POST',
        `/admin/templates/${created.id}/deactivate?updated_by=erin`,
      );
      expect(off.status).toBe(200);
      expect(off.body).toMatchObject({
        id: created.id,
        name: created.name,
        version: 1,
        is_active: false,
        is_default: false,
        updated_by: 'erin',
        message: `Template "${created.name}" deactivated`,
      });
      // Still readable by name for operators.
      expect(
        (await api.http('GET', `/admin/templates/${encodeURIComponent(created.name)}`)).body
          .is_active,
      ).toBe(false);
      const again = await api.http('POST', `/admin/templates/${created.id}/deactivate`);
      expect(again.body.is_active).toBe(false);
      const on = await api.http('POST', `/admin/templates/${created.id}/activate`);
      expect(on.status).toBe(200);
      expect(on.body).toMatchObject({
        is_active: true,
        message: `Template "${created.name}" activated`,
      });
    });

    it('refuses to deactivate the default template (409 template_is_default)', async () => {
      const [current] = await defaults();
      const error = await rejected(409, 'template_is_default', () =>
        api.http('POST', `/admin/templates/${current!.id}/deactivate`),
      );
      expect(error.message).toContain('make another template the default first');
    });

    it('moves the default so exactly one template is the default', async () => {
      const created = await createTemplate(api);
      const result = await api.http(
        'POST',
        `/admin/templates/${created.id}/default?updated_by=erin`,
      );
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({ id: created.id, is_default: true, is_active: true });
      expect(await defaults()).toEqual([{ id: created.id }]);
      // The previous default can now be deactivated; setting the default twice is harmless.
      expect((await api.http('POST', `/admin/templates/${first.id}/deactivate`)).status).toBe(200);
      expect((await api.http('POST', `/admin/templates/${created.id}/default`)).status).toBe(200);
      expect(await defaults()).toEqual([{ id: created.id }]);
      await api.http('POST', `/admin/templates/${first.id}/activate`);
      await api.http('POST', `/admin/templates/${first.id}/default`);
      expect(await defaults()).toEqual([{ id: first.id }]);
    });

    it('refuses to make an inactive template the default (409 template_inactive)', async () => {
      const created = await createTemplate(api);
      await api.http('POST', `/admin/templates/${created.id}/deactivate`);
      await rejected(409, 'template_inactive', () =>
        api.http('POST', `/admin/templates/${created.id}/default`),
      );
    });

    it('answers unknown and bad ids with 404 and 422', async () => {
      for (const action of ['activate', 'deactivate', 'default']) {
        await rejected(404, 'template_not_found', () =>
          api.http('POST', `/admin/templates/999999/${action}`),
        );
        const error = await rejected(422, 'validation_failed', () =>
          api.http('POST', `/admin/templates/first/${action}`),
        );
        expect(fieldNames(error)).toEqual(['template_id']);
      }
    });
  });

  describe('GET /admin/templates/{template_id}/diff', () => {
    it('compares the previous and the current version by default', async () => {
      const created = await createTemplate(api, {
        content: 'Line one\nLine two\n',
        config: { temperature: 0.5 },
      });
      await api.http('PUT', `/admin/templates/${created.id}`, {
        content: 'Line one\nLine 2\n',
        updated_by: 'bob',
        config: { temperature: 0.9 },
      });
      const result = await api.http('GET', `/admin/templates/${created.id}/diff`);
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({
        template_id: created.id,
        name: created.name,
        from: 1,
        to: 2,
        changes: [
          { type: 'unchanged', value: 'Line one\n' },
          { type: 'removed', value: 'Line two\n' },
          { type: 'added', value: 'Line 2\n' },
        ],
        config_changed: true,
        from_config: { temperature: 0.5 },
        to_config: { temperature: 0.9 },
      });
      expect(result.body.diff).toContain(`--- ${created.name}@v1`);
      expect(result.body.diff).toContain('-Line two\n+Line 2');
    });

    it('compares chosen versions', async () => {
      const created = await createTemplate(api);
      await addVersions(api, created.id, 2);
      const result = await api.http('GET', `/admin/templates/${created.id}/diff?from=3&to=1`);
      expect(result.body).toMatchObject({ from: 3, to: 1, config_changed: false });
      const same = await api.http('GET', `/admin/templates/${created.id}/diff?from=2&to=2`);
      expect(
        same.body.changes.every((change: { type: string }) => change.type === 'unchanged'),
      ).toBe(true);
    });

    it('answers unknown versions with 404 and bad ones with 422', async () => {
      expectError(
        await api.http('GET', `/admin/templates/${first.id}/diff?from=1&to=999`),
        404,
        'version_not_found',
      );
      expectError(await api.http('GET', '/admin/templates/999999/diff'), 404, 'template_not_found');
      const error = expectError(
        await api.http('GET', `/admin/templates/${first.id}/diff?from=a&to=0`),
        422,
        'validation_failed',
      );
      expect(fieldNames(error)).toEqual(['from', 'to']);
    });
  });

  describe('POST /admin/templates/{template_id}/preview', () => {
    it('renders the current version over a sample context and stores nothing', async () => {
      const created = await createTemplate(api, {
        content: 'Hi {{ name }} ({{ user_id }}). You said: {{ message }}\n{{ user_context }}',
      });
      const before = await storedTemplateRows(api);
      const result = await api.http('POST', `/admin/templates/${created.id}/preview`, {
        variables: { name: 'Sam', user_id: 'user-42' },
        message: 'Hello',
      });
      expect(result.status).toBe(200);
      expect(result.body).toEqual({
        rendered: expect.stringMatching(/^Hi Sam \(user-42\)\. You said: Hello\nname: Alex\n/),
        template_name: created.name,
        version: 1,
        variables_used: ['name', 'user_id', 'message', 'user_context'],
        render_time_ms: expect.any(Number),
        messages: [
          { role: 'system', content: result.body.rendered },
          ...result.body.messages.slice(1, -1),
          { role: 'user', content: 'Hello' },
        ],
        llm: null,
      });
      // The sample history goes along as messages: this template does not show it.
      expect(result.body.messages.length).toBeGreaterThan(2);
      expect(await storedTemplateRows(api)).toEqual(before);
    });

    it('works without a body, and for an earlier version', async () => {
      const created = await createTemplate(api, { content: 'First {{ user_mode }}' });
      await addVersions(api, created.id, 1);
      const bare = await api.http('POST', `/admin/templates/${created.id}/preview`);
      expect(bare.status).toBe(200);
      expect(bare.body.version).toBe(2);
      const earlier = await api.http('POST', `/admin/templates/${created.id}/preview`, {
        version: 1,
      });
      expect(earlier.body).toMatchObject({ rendered: 'First active', version: 1 });
    });

    it('previews unsaved content, validated as on save', async () => {
      const before = await storedTemplateRows(api);
      const result = await api.http('POST', `/admin/templates/${first.id}/preview`, {
        content: 'Draft for {{ user_id }}',
      });
      expect(result.body).toMatchObject({ rendered: 'Draft for preview-user', version: null });
      expect(await storedTemplateRows(api)).toEqual(before);
      const error = await rejected(422, 'template_invalid', () =>
        api.http('POST', `/admin/templates/${first.id}/preview`, { content: 'Draft {{ oops' }),
      );
      expect(error.details).toMatchObject({ line: 1 });
    });

    it('answers errors with the documented codes', async () => {
      await rejected(404, 'template_not_found', () =>
        api.http('POST', '/admin/templates/999999/preview', {}),
      );
      await rejected(404, 'version_not_found', () =>
        api.http('POST', `/admin/templates/${first.id}/preview`, { version: 999 }),
      );
      const error = await rejected(422, 'validation_failed', () =>
        api.http('POST', `/admin/templates/${first.id}/preview`, {
          variables: 'text',
          user_id: 'has space',
          version: 0,
          content: '',
          extra: true,
        }),
      );
      expect(fieldNames(error)).toEqual(['content', 'extra', 'user_id', 'variables', 'version']);
      await rejected(400, 'malformed_json', () =>
        api.http('POST', `/admin/templates/${first.id}/preview`, '{', {
          'content-type': 'application/json',
        }),
      );
    });
  });

  describe('templates cannot run code on the server', () => {
    const payload = 'range.constructor("return process.version")()';

    it('rejects a code payload on save, or saves one that renders as nothing', async () => {
      const error = await rejected(422, 'template_invalid', () =>
        api.http('POST', '/admin/templates', aTemplateBody({ content: `Before {{ ${payload} }}` })),
      );
      expect(error.details.reason).toBe(
        'Unable to call `range["constructor"]`, which is undefined or falsey',
      );
      const saved = await createTemplate(api, {
        content: 'Before {{ range.constructor }}{{ "".__proto__ }}{{ constructor }} after',
      });
      const preview = await api.http('POST', `/admin/templates/${saved.id}/preview`);
      expect(preview.body.rendered).toBe('Before  after');
    });

    it.each([
      `{{ ${payload} }}`,
      '{{ cycler.constructor("return process.version")() }}',
      '{% set k = "constr" ~ "uctor" %}{{ joiner[k]("return process.version")() }}',
      '{{ constructor.getOwnPropertyDescriptor(constructor.getPrototypeOf(range), "constructor").value("return process.version")() }}',
      '{{ "".__proto__.constructor.constructor("return process.version")() }}',
    ])('previews %s without executing it', async (content) => {
      const result = await api.http('POST', `/admin/templates/${first.id}/preview`, { content });
      expect([200, 422]).toContain(result.status);
      expect(result.text).not.toContain(process.version);
    });

    it('treats variables holding template syntax as data', async () => {
      const result = await api.http('POST', `/admin/templates/${first.id}/preview`, {
        content: '{{ message }}|{{ user_id }}|{{ note }}',
        message: `{{ ${payload} }}`,
        user_id: 'u-1',
        variables: { note: `{% set x = ${payload} %}{{ x }}` },
      });
      expect(result.body.rendered).toBe(`{{ ${payload} }}|u-1|{% set x = ${payload} %}{{ x }}`);
    });
  });

  it('documents every route with an operationId and its errors', async () => {
    const document = (await api.http('GET', '/docs-json')).body;
    const operations = [
      ['/admin/templates', 'get', 'listTemplates'],
      ['/admin/templates', 'post', 'createTemplate'],
      ['/admin/templates/{name}', 'get', 'getTemplate'],
      ['/admin/templates/{template_id}', 'put', 'updateTemplate'],
      ['/admin/templates/{template_id}/history', 'get', 'getTemplateHistory'],
      ['/admin/templates/{template_id}/rollback/{version}', 'post', 'rollbackTemplate'],
      ['/admin/templates/{template_id}/activate', 'post', 'activateTemplate'],
      ['/admin/templates/{template_id}/deactivate', 'post', 'deactivateTemplate'],
      ['/admin/templates/{template_id}/default', 'post', 'setDefaultTemplate'],
      ['/admin/templates/{template_id}/diff', 'get', 'diffTemplateVersions'],
      ['/admin/templates/{template_id}/preview', 'post', 'previewTemplate'],
    ] as const;
    for (const [path, method, operationId] of operations) {
      const operation = document.paths[path]?.[method];
      expect({ path, operationId: operation?.operationId }).toEqual({ path, operationId });
      expect(operation.tags).toEqual(['templates']);
      const errors = Object.entries(operation.responses).filter(
        ([status]) => Number(status) >= 400,
      );
      expect(errors.length).toBeGreaterThan(0);
      for (const [, response] of errors) {
        expect((response as any).content['application/json'].schema.$ref).toBe(
          '#/components/schemas/ErrorResponseDto',
        );
      }
    }
  });
});
