import { GuardrailsService } from '../../src/modules/guardrails/guardrails.service';
import {
  aConfigName,
  aGuardrailConfig,
  aGuardrailEvent,
  PRESET_NAMES,
  rulesOfEveryType,
  storedGuardrailRows,
  storedRulesOfEveryType,
} from '../factories/guardrails';
import { aUserId } from '../factories/memory';
import { expectError, HttpResult, startTestApp, TestApp } from '../setup/test-app';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('guardrails over HTTP', () => {
  let api: TestApp;
  /** A config of our own, so "nothing changed" has something to lose. */
  let seeded: { id: number; name: string };

  beforeAll(async () => {
    api = await startTestApp();
    const created = await create(aGuardrailConfig({ rules: rulesOfEveryType() }));
    expect(created.status).toBe(201);
    seeded = created.body;
    await api.app.get(GuardrailsService).recordFirings([aGuardrailEvent(aUserId('seeded'))]);
  });
  afterAll(() => api.close());

  const create = (body: unknown) => api.http('POST', '/admin/guardrails', body);
  const update = (id: number | string, body: unknown) =>
    api.http('PUT', `/admin/guardrails/${id}`, body);
  const byName = (name: string) => api.http('GET', `/admin/guardrails/${encodeURIComponent(name)}`);
  const byId = (id: number | string) => api.http('GET', `/admin/guardrails/id/${id}`);
  const remove = (id: number | string, query = '') =>
    api.http('DELETE', `/admin/guardrails/${id}${query}`);
  const fieldNames = (error: { details: { fields: Array<{ field: string }> } }): string[] =>
    error.details.fields.map((problem) => problem.field);
  const messages = (error: { details: { fields: Array<{ errors: string[] }> } }): string[] =>
    error.details.fields.flatMap((problem) => problem.errors);

  /** Sends a request that must fail with the error shape and leave every stored row as it was. */
  async function rejected(
    status: number,
    code: string,
    request: () => Promise<HttpResult>,
  ): Promise<any> {
    const before = await storedGuardrailRows(api);
    const error = expectError(await request(), status, code);
    expect(await storedGuardrailRows(api)).toEqual(before);
    return error;
  }

  async function createConfig(overrides: Record<string, unknown> = {}) {
    const result = await create(aGuardrailConfig(overrides));
    expect(result.status).toBe(201);
    return result.body as { id: number; name: string; [key: string]: unknown };
  }

  describe('presets', () => {
    it('are there after migration, listed by GET /admin/guardrails/presets', async () => {
      const result = await api.http('GET', '/admin/guardrails/presets');
      expect(result.status).toBe(200);
      expect(result.body.presets).toEqual(PRESET_NAMES);
      expect(result.body.configs.map((config: { name: string }) => config.name)).toEqual(
        PRESET_NAMES,
      );
      for (const config of result.body.configs) {
        expect(config).toMatchObject({ is_preset: true, is_active: true, created_by: 'system' });
      }
      const [unrestricted, researchSafe, clinical] = result.body.configs;
      expect(unrestricted.rules).toEqual([]);
      for (const preset of [researchSafe, clinical]) {
        expect(preset.rules[0]).toMatchObject({ type: 'system_instruction', priority: 100 });
        expect(preset.rules.at(-1)).toEqual({
          type: 'pii',
          priority: 0,
          kinds: ['email', 'phone', 'credit_card', 'ip'],
          stage: 'input',
          action: 'flag',
        });
      }
      expect(clinical.rules[1].content).toMatch(/self-harm/);
    });

    it('are in the config list, and each can be read by name', async () => {
      const list = await api.http('GET', '/admin/guardrails');
      const presets = list.body.configs.filter(
        (config: { is_preset: boolean }) => config.is_preset,
      );
      expect(presets.map((config: { name: string }) => config.name)).toEqual(PRESET_NAMES);
      for (const preset of presets) expect((await byName(preset.name)).body).toEqual(preset);
    });

    it('can be edited and deactivated, but not deleted', async () => {
      const clinical = (await byName('clinical')).body;
      const edited = await update(clinical.id, { fallback_message: 'Let us talk about it.' });
      expect(edited.status).toBe(200);
      expect(edited.body.config).toMatchObject({
        is_preset: true,
        fallback_message: 'Let us talk about it.',
      });

      const error = await rejected(409, 'guardrail_is_preset', () =>
        remove(clinical.id, '?soft=false'),
      );
      expect(error.details).toEqual({ name: 'clinical' });

      expect((await remove(clinical.id)).body.message).toBe('Config deactivated');
      const presets = await api.http('GET', '/admin/guardrails/presets');
      expect(presets.body.presets).toEqual(PRESET_NAMES);
      expect(presets.body.configs[2]).toMatchObject({ name: 'clinical', is_active: false });

      const restored = await update(clinical.id, {
        is_active: true,
        fallback_message: clinical.fallback_message,
      });
      expect(restored.body.config).toMatchObject({ is_active: true });
    });
  });

  describe('GET /admin/guardrails', () => {
    it('lists active configs oldest first, counted', async () => {
      const result = await api.http('GET', '/admin/guardrails');
      expect(result.status).toBe(200);
      expect(result.body.count).toBe(result.body.configs.length);
      const ids = result.body.configs.map((config: { id: number }) => config.id);
      expect(ids).toEqual([...ids].sort((left, right) => left - right));
      expect(ids).toContain(seeded.id);
      for (const config of result.body.configs) expect(config.is_active).toBe(true);
    });

    it('includes inactive configs only with include_inactive=true', async () => {
      const inactive = await createConfig({ is_active: false });
      const names = async (query: string) =>
        (await api.http('GET', `/admin/guardrails${query}`)).body.configs.map(
          (config: { name: string }) => config.name,
        );
      expect(await names('')).not.toContain(inactive.name);
      expect(await names('?include_inactive=false')).not.toContain(inactive.name);
      expect(await names('?include_inactive=true')).toContain(inactive.name);
      const all = await api.http('GET', '/admin/guardrails?include_inactive=true');
      expect(all.body.count).toBe(all.body.configs.length);
    });

    it('rejects a bad include_inactive and unknown parameters', async () => {
      for (const query of ['?include_inactive=yes', '?include_inactive=1', '?limit=5']) {
        const error = await rejected(422, 'validation_failed', () =>
          api.http('GET', `/admin/guardrails${query}`),
        );
        expect(fieldNames(error)).toEqual([query.includes('limit') ? 'limit' : 'include_inactive']);
      }
    });
  });

  describe('POST /admin/guardrails', () => {
    it('creates a config with every rule type and answers 201 with it, defaults filled', async () => {
      const name = aConfigName('full');
      const result = await create({
        name,
        description: 'All the rules',
        rules: rulesOfEveryType(),
        fallback_message: 'Not that, sorry.',
        created_by: '  alice  ',
      });
      expect(result.status).toBe(201);
      expect(result.body).toEqual({
        id: expect.any(Number),
        name,
        description: 'All the rules',
        rules: storedRulesOfEveryType(),
        fallback_message: 'Not that, sorry.',
        is_active: true,
        is_preset: false,
        created_at: expect.stringMatching(ISO_TIME),
        created_by: 'alice',
        updated_at: expect.stringMatching(ISO_TIME),
        updated_by: 'alice',
      });
      expect((await byName(name)).body).toEqual(result.body);
      expect((await byId(result.body.id)).body).toEqual(result.body);
      const [row] = await api.sql('SELECT rules FROM guardrail_configs WHERE id = $1', [
        result.body.id,
      ]);
      expect(row.rules).toEqual(storedRulesOfEveryType());
    });

    it('needs only a name and rules (possibly none)', async () => {
      const name = aConfigName('minimal');
      const result = await create({ name, rules: [] });
      expect(result.status).toBe(201);
      expect(result.body).toMatchObject({
        name,
        description: null,
        rules: [],
        fallback_message: "I'm sorry, I can't help with that.",
        is_active: true,
        created_by: 'system',
      });
    });

    it('accepts every name character and the longest name', async () => {
      for (const name of [`A.b_c-9-${process.pid}`, `_${aConfigName()}`.padEnd(100, 'x')]) {
        expect((await create({ name, rules: [] })).status).toBe(201);
        expect((await byName(name)).body.name).toBe(name);
      }
    });

    it('answers 409 guardrail_exists for a taken name, active or not', async () => {
      const inactive = await createConfig({ is_active: false });
      for (const name of [seeded.name, inactive.name, 'clinical']) {
        const error = await rejected(409, 'guardrail_exists', () => create({ name, rules: [] }));
        expect(error.details).toEqual({ name });
      }
    });

    it('requires name and rules, naming each', async () => {
      const error = await rejected(422, 'validation_failed', () => create({}));
      expect(fieldNames(error).sort()).toEqual(['name', 'rules']);
      expect(messages(error)).toContain('rules is required (an array of rules, possibly empty)');
      const noBody = await rejected(422, 'validation_failed', () =>
        api.http('POST', '/admin/guardrails'),
      );
      expect(fieldNames(noBody).sort()).toEqual(['name', 'rules']);
    });

    it('rejects bad names', async () => {
      const names = [
        'has space',
        'ünï',
        'a/b',
        '.hidden',
        '-dash',
        '',
        'x'.repeat(101),
        'presets',
        'events',
        7,
      ];
      for (const name of names) {
        const error = await rejected(422, 'validation_failed', () => create({ name, rules: [] }));
        expect(fieldNames(error)).toEqual(['name']);
      }
    });

    it('rejects bad optional fields and unknown fields, naming each', async () => {
      const cases: Array<[Record<string, unknown>, string[]]> = [
        [{ description: '' }, ['description']],
        [{ description: 'x'.repeat(1001) }, ['description']],
        [{ description: 'nul \u0000' }, ['description']],
        [{ fallback_message: '   ' }, ['fallback_message']],
        [{ fallback_message: 'x'.repeat(2001) }, ['fallback_message']],
        [{ is_active: 'yes' }, ['is_active']],
        [{ created_by: '' }, ['created_by']],
        [{ is_preset: true }, ['is_preset']],
        [{ id: 5, extra: 1 }, ['id', 'extra']],
      ];
      for (const [overrides, fields] of cases) {
        const error = await rejected(422, 'validation_failed', () =>
          create(aGuardrailConfig(overrides)),
        );
        expect(fieldNames(error)).toEqual(fields);
      }
    });

    it('rejects malformed rules with 422 naming the rule index and field', async () => {
      const good = { type: 'blocked_terms', terms: ['x'], stage: 'both', action: 'flag' };
      const cases: Array<[unknown, string[]]> = [
        ['not a list', ['rules']],
        [{ type: 'regex' }, ['rules']],
        [[good, 'text'], ['rules[1]']],
        [[good, good, { type: 'profanity_filter' }], ['rules[2].type']],
        [[good, { ...good, shout: true }], ['rules[1].shout']],
        // Names of JavaScript object members are fields like any other.
        [[{ ...good, constructor: 1 }], ['rules[0].constructor']],
        [
          [
            { ...good, toString: 'x' },
            { ...good, prototype: {} },
          ],
          ['rules[0].toString', 'rules[1].prototype'],
        ],
        [
          [{ type: 'regex', pattern: '(unclosed', stage: 'input', action: 'block' }],
          ['rules[0].pattern'],
        ],
        [
          [{ type: 'regex', pattern: 'x', flags: 'g', stage: 'input', action: 'block' }],
          ['rules[0].flags'],
        ],
        [
          [{ type: 'pii', kinds: ['email', 'ssn'], stage: 'input', action: 'block' }],
          ['rules[0].kinds[1]'],
        ],
        [
          [{ type: 'max_length', max_chars: 0, stage: 'sideways' }],
          ['rules[0].max_chars', 'rules[0].stage'],
        ],
        [[{ type: 'system_instruction', content: '' }], ['rules[0].content']],
        [
          [
            { ...good, terms: [] },
            { ...good, action: 'delete' },
          ],
          ['rules[0].terms', 'rules[1].action'],
        ],
        [Array.from({ length: 101 }, () => good), ['rules']],
      ];
      for (const [rules, fields] of cases) {
        const error = await rejected(422, 'validation_failed', () =>
          create(aGuardrailConfig({ rules })),
        );
        expect(fieldNames(error)).toEqual(fields);
        for (const [index, field] of fields.entries()) {
          expect(messages(error)[index]).toMatch(
            new RegExp(`^${field.replace(/[[\]]/g, '\\$&')} `),
          );
        }
      }
    });

    it('rejects regexes RE2 cannot run in linear time, saying why', async () => {
      for (const [pattern, reason] of [
        ['(a)\\1', /^rules\[0\]\.pattern uses backreferences /],
        ['secret(?=\\W)', /^rules\[0\]\.pattern uses lookahead /],
        ['(?<!\\w)secret', /^rules\[0\]\.pattern uses lookbehind /],
        ['\\d{1,1000}\\d{1,1000}\\d{1,1000}x', /^rules\[0\]\.pattern is too large: /],
      ] as const) {
        const error = await rejected(422, 'validation_failed', () =>
          create(
            aGuardrailConfig({
              rules: [{ type: 'regex', pattern, stage: 'input', action: 'block' }],
            }),
          ),
        );
        expect(fieldNames(error)).toEqual(['rules[0].pattern']);
        expect(messages(error)[0]).toMatch(reason);
      }
    });

    it('accepts patterns that only a backtracking engine would choke on', async () => {
      for (const pattern of ['(a+)+$', '(a|aa)+', '(\\w+\\s?)+$', '.*x.*y']) {
        const config = await createConfig({
          rules: [{ type: 'regex', pattern, stage: 'input', action: 'block' }],
        });
        expect(config.rules).toEqual([expect.objectContaining({ pattern })]);
      }
    });

    it('deactivates and reactivates with is_active', async () => {
      const config = await createConfig();
      expect((await update(config.id, { is_active: false })).body.config.is_active).toBe(false);
      expect((await update(config.id, { is_active: true })).body.config.is_active).toBe(true);
    });

    it('rejects malformed rules naming the field, and keeps the old rules', async () => {
      const error = await rejected(422, 'validation_failed', () =>
        update(seeded.id, {
          rules: [
            { type: 'system_instruction', content: 'ok' },
            { type: 'regex', pattern: '(a|a)*', stage: 'both', action: 'flag' },
          ],
        }),
      );
      expect(fieldNames(error)).toEqual(['rules[1].pattern']);
      const nullRules = await rejected(422, 'validation_failed', () =>
        update(seeded.id, { rules: null }),
      );
      expect(fieldNames(nullRules)).toEqual(['rules']);
    });

    it('rejects an empty change, a name change and unknown fields', async () => {
      const cases: Array<[unknown, string[]]> = [
        [{}, ['body']],
        [{ updated_by: 'bob' }, ['body']],
        [{ name: 'renamed' }, ['name']],
        [{ is_preset: true, description: 'x' }, ['is_preset']],
        [{ description: '' }, ['description']],
        [{ is_active: 'false' }, ['is_active']],
        [{ fallback_message: null }, ['fallback_message']],
        [{ is_active: null }, ['is_active']],
        [{ description: 'x', updated_by: null }, ['updated_by']],
      ];
      for (const [body, fields] of cases) {
        const error = await rejected(422, 'validation_failed', () => update(seeded.id, body));
        expect(fieldNames(error)).toEqual(fields);
      }
    });

    it('answers 404 for an unknown id, 422 for a bad one, 400 for malformed JSON', async () => {
      await rejected(404, 'guardrail_not_found', () => update(2_000_000_000, { description: 'x' }));
      const error = await rejected(422, 'validation_failed', () =>
        update('abc', { description: 'x' }),
      );
      expect(fieldNames(error)).toEqual(['config_id']);
      await rejected(400, 'malformed_json', () => update(seeded.id, '{"description": '));
    });
  });

  describe('DELETE /admin/guardrails/{config_id}', () => {
    it('deactivates by default (soft): still readable, listed only with include_inactive', async () => {
      const config = await createConfig();
      const result = await remove(config.id);
      expect(result.status).toBe(200);
      expect(result.body).toEqual({
        message: 'Config deactivated',
        config_id: config.id,
        name: config.name,
      });
      expect((await byId(config.id)).body.is_active).toBe(false);
      const active = await api.http('GET', '/admin/guardrails');
      expect(active.body.configs.map((c: { id: number }) => c.id)).not.toContain(config.id);
      const all = await api.http('GET', '/admin/guardrails?include_inactive=true');
      expect(all.body.configs.map((c: { id: number }) => c.id)).toContain(config.id);
      // Deactivating twice is fine; the name stays taken.
      expect((await remove(config.id, '?soft=true')).body.message).toBe('Config deactivated');
      await rejected(409, 'guardrail_exists', () => create({ name: config.name, rules: [] }));
    });

    it('deletes with soft=false, keeping recorded events; the name is free again', async () => {
      const config = await createConfig();
      const userId = aUserId();
      await api.app
        .get(GuardrailsService)
        .recordFirings([aGuardrailEvent(userId, { config_name: config.name })]);
      const result = await remove(config.id, '?soft=false');
      expect(result.status).toBe(200);
      expect(result.body).toEqual({
        message: 'Config deleted',
        config_id: config.id,
        name: config.name,
      });
      await rejected(404, 'guardrail_not_found', () => byId(config.id));
      await rejected(404, 'guardrail_not_found', () => byName(config.name));
      await rejected(404, 'guardrail_not_found', () => remove(config.id, '?soft=false'));
      const events = await api.http('GET', `/admin/guardrails/events?user_id=${userId}`);
      expect(events.body.events.map((event: { config_name: string }) => event.config_name)).toEqual(
        [config.name],
      );
      expect((await create({ name: config.name, rules: [] })).status).toBe(201);
    });

    it('answers 404 for an unknown id and 422 for a bad id or soft', async () => {
      await rejected(404, 'guardrail_not_found', () => remove(2_000_000_000));
      expect(fieldNames(await rejected(422, 'validation_failed', () => remove('x')))).toEqual([
        'config_id',
      ]);
      for (const query of ['?soft=maybe', '?soft=', '?soft=0', '?hard=true']) {
        const error = await rejected(422, 'validation_failed', () => remove(seeded.id, query));
        expect(fieldNames(error)).toEqual([query.startsWith('?hard') ? 'hard' : 'soft']);
      }
    });
  });

  describe('GET /admin/guardrails/events', () => {
    it('pages events newest first, each exactly once, optionally for one user', async () => {
      const userId = aUserId('events');
      const other = aUserId('other');
      const service = api.app.get(GuardrailsService);
      const stored = await service.recordFirings(
        Array.from({ length: 5 }, (_, index) =>
          aGuardrailEvent(index === 2 ? other : userId, { rule_index: index, message_id: null }),
        ),
      );

      const seen: any[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `?user_id=${userId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const page = await api.http('GET', `/admin/guardrails/events${query}`);
        expect(page.status).toBe(200);
        expect(page.body.count).toBe(page.body.events.length);
        expect(page.body.count).toBeLessThanOrEqual(2);
        seen.push(...page.body.events);
        cursor = page.body.next_cursor;
      } while (cursor);
      expect(seen.map((event) => event.rule_index)).toEqual([4, 3, 1, 0]);
      expect(seen[0]).toEqual({
        id: stored[4]!.id,
        user_id: userId,
        config_name: 'clinical',
        rule_index: 4,
        rule_type: 'pii',
        action: 'flag',
        stage: 'input',
        excerpt: expect.stringMatching(/^reach me at \[email\]/),
        message_id: null,
        request_id: null,
        created_at: expect.stringMatching(ISO_TIME),
      });

      const all = await api.http('GET', '/admin/guardrails/events?limit=200');
      const ids = all.body.events.map((event: { id: number }) => event.id);
      expect(ids).toEqual([...ids].sort((left, right) => right - left));
      expect(ids).toEqual(expect.arrayContaining(stored.map((event) => event.id)));
      const defaultPage = await api.http('GET', '/admin/guardrails/events');
      expect(defaultPage.body.count).toBeLessThanOrEqual(50);
    });

    it('is empty with a null cursor for a user without events', async () => {
      const result = await api.http('GET', `/admin/guardrails/events?user_id=${aUserId()}`);
      expect(result.body).toEqual({ count: 0, events: [], next_cursor: null });
    });

    it('is a route, not a config named events', async () => {
      const result = await api.http('GET', '/admin/guardrails/events?limit=1');
      expect(Object.keys(result.body).sort()).toEqual(['count', 'events', 'next_cursor']);
    });

    it('rejects bad parameters, naming each', async () => {
      const cases: Array<[string, string[]]> = [
        ['?limit=0', ['limit']],
        ['?limit=201', ['limit']],
        ['?limit=ten', ['limit']],
        ['?cursor=nope!', ['cursor']],
        [`?cursor=${Buffer.from('["m",5]').toString('base64url')}`, ['cursor']],
        ['?user_id=bad%20id', ['user_id']],
        ['?since=yesterday', ['since']],
      ];
      for (const [query, fields] of cases) {
        const error = await rejected(422, 'validation_failed', () =>
          api.http('GET', `/admin/guardrails/events${query}`),
        );
        expect(fieldNames(error)).toEqual(fields);
      }
    });
  });

  it('documents every route in the OpenAPI document under the guardrails tag', async () => {
    const document = (await api.http('GET', '/docs-json')).body;
    const operations = (path: string) =>
      Object.values(
        document.paths[path] as Record<string, { operationId: string; tags: string[] }>,
      );
    const ids = (path: string) => operations(path).map((operation) => operation.operationId);
    expect(ids('/admin/guardrails')).toEqual(['listGuardrailConfigs', 'createGuardrailConfig']);
    expect(ids('/admin/guardrails/presets')).toEqual(['listGuardrailPresets']);
    expect(ids('/admin/guardrails/events')).toEqual(['listGuardrailEvents']);
    expect(ids('/admin/guardrails/id/{config_id}')).toEqual(['getGuardrailConfigById']);
    expect(ids('/admin/guardrails/{name}')).toEqual(['getGuardrailConfig']);
    expect(ids('/admin/guardrails/{config_id}')).toEqual([
      'updateGuardrailConfig',
      'deleteGuardrailConfig',
    ]);
    for (const path of Object.keys(document.paths).filter((p) =>
      p.startsWith('/admin/guardrails'),
    )) {
      for (const operation of operations(path)) expect(operation.tags).toEqual(['guardrails']);
    }
    expect(document.tags.map((tag: { name: string }) => tag.name)).toContain('guardrails');
    const schemas = document.components.schemas;
    expect(schemas.CreateGuardrailConfigDto.required).toEqual(['name', 'rules']);
    expect(schemas.CreateGuardrailConfigDto.properties.rules.items.discriminator.propertyName).toBe(
      'type',
    );
    for (const rule of [
      'SystemInstructionRuleDto',
      'BlockedTermsRuleDto',
      'RegexRuleDto',
      'PiiRuleDto',
      'MaxLengthRuleDto',
    ]) {
      expect(schemas[rule]).toBeDefined();
    }
  });
});
