import { EventsService } from '../../src/modules/events/events.service';
import { ConversationStore } from '../../src/modules/memory/conversation-store.service';
import { GuardrailEngine } from '../../src/modules/guardrails/guardrail-engine';
import { parseGuardrailRules } from '../../src/modules/guardrails/guardrail-rules';
import {
  GuardrailNotFoundError,
  InvalidEventCursorError,
} from '../../src/modules/guardrails/guardrails.errors';
import { GuardrailsService } from '../../src/modules/guardrails/guardrails.service';
import { aConfigName, aGuardrailEvent, PRESET_NAMES } from '../factories/guardrails';
import { aMessage, aUserId } from '../factories/memory';
import { startTestApp, TestApp } from '../setup/test-app';

describe('guardrails module against PostgreSQL', () => {
  let api: TestApp;
  let guardrails: GuardrailsService;

  beforeAll(async () => {
    api = await startTestApp();
    guardrails = api.app.get(GuardrailsService);
  });
  afterAll(() => api.close());

  const termRule = (term: string) => ({
    type: 'blocked_terms',
    terms: [term],
    stage: 'both',
    action: 'redact',
  });

  describe('presets', () => {
    it('are stored in the form the validator produces, and usable by the engine', async () => {
      const presets = await guardrails.presets();
      expect(presets.map((preset) => preset.name)).toEqual(PRESET_NAMES);
      const engine = api.app.get(GuardrailEngine);
      for (const preset of presets) {
        expect(parseGuardrailRules(preset.rules)).toEqual(preset.rules);
        const config = await guardrails.resolveForChat(preset.name);
        expect(engine.checkInput(config!, 'hello').text).toBe('hello');
      }
      const clinical = await guardrails.resolveForChat('clinical');
      expect(api.app.get(GuardrailEngine).systemInstructions(clinical!)).toEqual([
        expect.stringMatching(/not a clinician/),
        expect.stringMatching(/crisis line/),
      ]);
    });
  });

  describe('resolveForChat', () => {
    it('is null when no config is named', async () => {
      expect(await guardrails.resolveForChat(undefined)).toBeNull();
    });

    it('returns the active config, cached, and reloads after every change', async () => {
      const created = await guardrails.create({ name: aConfigName(), rules: [termRule('one')] });
      // Its own guardrail_config.changed event also drops the cache: let it arrive first.
      await api.app.get(EventsService).settle();
      const first = await guardrails.resolveForChat(created.name);
      expect(first).toEqual({
        id: created.id,
        name: created.name,
        rules: created.rules,
        fallbackMessage: "I'm sorry, I can't help with that.",
      });
      expect(Object.isFrozen(first)).toBe(true);
      expect(await guardrails.resolveForChat(created.name)).toBe(first);

      await guardrails.update(created.id, { rules: [termRule('two')] });
      const updated = await guardrails.resolveForChat(created.name);
      expect(updated?.rules).toEqual([expect.objectContaining({ terms: ['two'] })]);

      await guardrails.update(created.id, { isActive: false });
      await expect(guardrails.resolveForChat(created.name)).rejects.toBeInstanceOf(
        GuardrailNotFoundError,
      );
      await guardrails.update(created.id, { isActive: true });
      expect(await guardrails.resolveForChat(created.name)).not.toBeNull();
      await guardrails.remove(created.id, { soft: true });
      await expect(guardrails.resolveForChat(created.name)).rejects.toMatchObject({
        status: 404,
        code: 'guardrail_not_found',
        details: { name: created.name },
      });
    });

    it('serves the cache until invalidate(), for changes made elsewhere', async () => {
      const created = await guardrails.create({ name: aConfigName(), rules: [] });
      // Its own guardrail_config.changed event also drops the cache: let it arrive first.
      await api.app.get(EventsService).settle();
      await guardrails.resolveForChat(created.name);
      await api.sql(`UPDATE guardrail_configs SET fallback_message = 'changed' WHERE id = $1`, [
        created.id,
      ]);
      expect((await guardrails.resolveForChat(created.name))?.fallbackMessage).not.toBe('changed');
      guardrails.invalidate();
      expect((await guardrails.resolveForChat(created.name))?.fallbackMessage).toBe('changed');
    });

    it('answers 404 guardrail_not_found for an unknown name, and does not cache it', async () => {
      const name = aConfigName('later');
      await expect(guardrails.resolveForChat(name)).rejects.toBeInstanceOf(GuardrailNotFoundError);
      await guardrails.create({ name, rules: [] });
      expect((await guardrails.resolveForChat(name))?.name).toBe(name);
    });
  });

  describe('create', () => {
    it('gives exactly one of many concurrent creates of a name a 201, the rest 409', async () => {
      const name = aConfigName('race');
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, index) =>
          api.http('POST', '/admin/guardrails', {
            name,
            rules: [termRule(`t${index}`)],
          }),
        ),
      );
      const statuses = results.map((result) => result.status).sort();
      expect(statuses).toEqual([201, ...Array.from({ length: 11 }, () => 409)]);
      for (const result of results.filter((r) => r.status === 409)) {
        expect(result.body.code).toBe('guardrail_exists');
      }
      const rows = await api.sql('SELECT id FROM guardrail_configs WHERE name = $1', [name]);
      expect(rows).toEqual([{ id: results.find((r) => r.status === 201)!.body.id }]);
    });

    it('rejects malformed rules before touching the database', async () => {
      const name = aConfigName();
      await expect(
        guardrails.create({ name, rules: [{ type: 'regex', pattern: '(a)\\1', stage: 'x' }] }),
      ).rejects.toMatchObject({
        code: 'validation_failed',
        details: {
          fields: [
            { field: 'rules[0].pattern', errors: [expect.any(String)] },
            { field: 'rules[0].stage', errors: [expect.any(String)] },
            { field: 'rules[0].action', errors: [expect.any(String)] },
          ],
        },
      });
      expect(await api.sql('SELECT id FROM guardrail_configs WHERE name = $1', [name])).toEqual([]);
    });
  });

  describe('recordFirings and listEvents', () => {
    it('stores firings in one go and returns them with ids, in the order given', async () => {
      const userId = aUserId();
      const events = [
        aGuardrailEvent(userId, { request_id: 'req-1', rule_type: 'regex', action: 'block' }),
        aGuardrailEvent(userId, { stage: 'output', action: 'redact' }),
      ];
      const stored = await guardrails.recordFirings(events);
      expect(stored.map((event) => event.id)).toEqual([expect.any(Number), stored[0]!.id + 1]);
      expect(stored[0]).toMatchObject({
        userId,
        configName: 'clinical',
        ruleType: 'regex',
        action: 'block',
        stage: 'input',
        requestId: 'req-1',
        messageId: null,
        createdAt: expect.any(Date),
      });
      expect(await guardrails.recordFirings([])).toEqual([]);
      const page = await guardrails.listEvents({ userId, limit: 10 });
      expect(page.events.map((event) => event.id)).toEqual(stored.map((e) => e.id).reverse());
      expect(page.nextCursor).toBeNull();
    });

    it('keeps excerpts storable: at most 200 characters, no NUL or lone surrogates', async () => {
      const userId = aUserId();
      const [stored] = await guardrails.recordFirings([
        aGuardrailEvent(userId, { excerpt: `nul\u0000 lone\ud800 ${'x'.repeat(300)}` }),
      ]);
      const [row] = await api.sql('SELECT excerpt FROM guardrail_events WHERE id = $1', [
        stored!.id,
      ]);
      expect(row.excerpt).toHaveLength(200);
      expect(row.excerpt.startsWith('nul\ufffd lone\ufffd x')).toBe(true);
      const [pair] = await guardrails.recordFirings([
        aGuardrailEvent(userId, { excerpt: `${'x'.repeat(199)}😀` }),
      ]);
      expect(pair!.excerpt).toBe('x'.repeat(199));
    });

    it('links the message and forgets it when the message is deleted', async () => {
      const userId = aUserId();
      const conversations = api.app.get(ConversationStore);
      const message = await conversations.append(aMessage(userId));
      const [stored] = await guardrails.recordFirings([
        aGuardrailEvent(userId, { message_id: message.id }),
      ]);
      expect(stored!.messageId).toBe(message.id);
      await conversations.deleteForUser(userId);
      const { events } = await guardrails.listEvents({ userId, limit: 5 });
      expect(events.map((event) => [event.id, event.messageId])).toEqual([[stored!.id, null]]);
    });

    it('pages every event of a user exactly once, newest first', async () => {
      const userId = aUserId();
      const stored = await guardrails.recordFirings(
        Array.from({ length: 7 }, (_, index) => aGuardrailEvent(userId, { rule_index: index })),
      );
      await guardrails.recordFirings([aGuardrailEvent(aUserId('other'))]);
      const seen: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await guardrails.listEvents({ userId, limit: 3, cursor });
        expect(page.events.length).toBeLessThanOrEqual(3);
        seen.push(...page.events.map((event) => event.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(stored.map((event) => event.id).reverse());
    });

    it('lists events of all users without a user filter', async () => {
      const [a, b] = [aUserId('a'), aUserId('b')];
      await guardrails.recordFirings([aGuardrailEvent(a), aGuardrailEvent(b)]);
      const { events } = await guardrails.listEvents({ limit: 2 });
      expect(events.map((event) => event.userId)).toEqual([b, a]);
    });

    it('refuses a cursor it did not hand out', async () => {
      await expect(guardrails.listEvents({ limit: 5, cursor: 'bogus' })).rejects.toBeInstanceOf(
        InvalidEventCursorError,
      );
    });
  });

  describe('an end-to-end check with a stored config', () => {
    it('redacts, flags and records a turn the way the chat pipeline will', async () => {
      const config = await guardrails.create({
        name: aConfigName(),
        rules: [
          { type: 'pii', kinds: ['email'], stage: 'input', action: 'redact' },
          { type: 'blocked_terms', terms: ['darn'], stage: 'both', action: 'flag' },
        ],
      });
      const active = await guardrails.resolveForChat(config.name);
      const engine = api.app.get(GuardrailEngine);
      const userId = aUserId();
      const input = engine.checkInput(active!, 'darn, write to mia@example.com');
      expect(input.text).toBe('darn, write to [REDACTED]');
      await guardrails.recordFirings(
        input.firings.map((firing) => ({ ...firing, user_id: userId, config_name: active!.name })),
      );
      const { events } = await guardrails.listEvents({ userId, limit: 10 });
      expect(events.map((event) => [event.ruleIndex, event.ruleType, event.excerpt])).toEqual([
        [1, 'blocked_terms', 'darn, write to [email]'],
        [0, 'pii', 'darn, write to [email]'],
      ]);
    });
  });
});
