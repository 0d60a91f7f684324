import { RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';
import moduleBoundaries from '../../eslint-rules/module-boundaries.cjs';

const modules = '/repo/apps/api/src/modules';
const tester = new RuleTester({ languageOptions: { parser: tseslint.parser } });
const options = [{ tables: { user_state: 'memory', conversation_history: 'memory' } }];

tester.run('module-boundaries', moduleBoundaries, {
  valid: [
    {
      name: 'a module imports its own entities',
      filename: `${modules}/memory/user-state.service.ts`,
      code: "import { UserStateEntity } from './entities/user-state.entity';",
    },
    {
      name: 'a DTO imports its own module entities',
      filename: `${modules}/memory/dto/user-state.dto.ts`,
      code: "import type { UserStateEntity } from '../entities/user-state.entity';",
    },
    {
      name: "another module's service, mode constants and plain types",
      filename: `${modules}/interventions/interventions.service.ts`,
      code: [
        "import { UserStateService } from '../memory/user-state.service';",
        "import { HALTED_MODE } from '../memory/user-mode';",
        "import type { UserState } from '../memory/memory.types';",
      ].join('\n'),
    },
    {
      name: 'chat imports its own files',
      filename: `${modules}/chat/chat.controller.ts`,
      code: "import { ChatService } from './chat.service';",
    },
    {
      name: 'core and packages',
      filename: `${modules}/telemetry/stats.service.ts`,
      code: "import { Repository } from 'typeorm';\nimport { x } from '../../core/http/pagination';",
    },
    {
      name: 'a module names its own tables in SQL',
      filename: `${modules}/memory/user-state.service.ts`,
      options,
      code: 'const sql = `SELECT count(*) FROM user_state u JOIN conversation_history m ON true`;',
    },
    {
      name: 'table names outside SQL (labels, template variables) are not SQL',
      filename: `${modules}/retention/retention.service.ts`,
      options,
      code: "const targets = [{ table: 'conversation_history' }, '{{ conversation_history }}'];",
    },
    {
      name: 'files outside the modules are not checked',
      filename: '/repo/apps/api/test/factories/telemetry.ts',
      code: "import { LlmRequestEntity } from '../../src/modules/telemetry/entities/llm-request.entity';",
    },
  ],
  invalid: [
    {
      name: "a service imports another module's entity",
      filename: `${modules}/interventions/interventions.service.ts`,
      code: "import { UserStateEntity } from '../memory/entities/user-state.entity';",
      errors: [{ messageId: 'entities', data: { source: 'interventions', target: 'memory' } }],
    },
    {
      name: 'a type-only import from a DTO folder',
      filename: `${modules}/interventions/dto/monitor.dto.ts`,
      code: "import type { ConversationMessageEntity } from '../../memory/entities/conversation-message.entity';",
      errors: [{ messageId: 'entities' }],
    },
    {
      name: "a re-export of another module's entity",
      filename: `${modules}/telemetry/index.ts`,
      code: "export { UserStateEntity } from '../memory/entities/user-state.entity';",
      errors: [{ messageId: 'entities' }],
    },
    {
      name: "another module's repository",
      filename: `${modules}/events/events.service.ts`,
      code: "import { MessageRepository } from '../memory/message.repository';",
      errors: [{ messageId: 'repository', data: { source: 'events', target: 'memory' } }],
    },
    {
      name: 'another module imports chat',
      filename: `${modules}/interventions/interventions.service.ts`,
      code: "import { ChatService } from '../chat/chat.service';",
      errors: [{ messageId: 'chat', data: { source: 'interventions', target: 'chat' } }],
    },
    {
      name: "another module's table in a SQL template",
      filename: `${modules}/telemetry/stats.service.ts`,
      options,
      code: 'const sql = `SELECT (SELECT count(*) FROM user_state WHERE mode = $1), count(*) FROM llm_requests`;',
      errors: [
        {
          messageId: 'table',
          data: { source: 'telemetry', target: 'memory', table: 'user_state' },
        },
      ],
    },
    {
      name: "another module's table in a string, joined, counted once",
      filename: `${modules}/events/events.service.ts`,
      options,
      code: "const sql = 'SELECT e.id FROM events e LEFT JOIN conversation_history m ON m.id = 1 LEFT JOIN conversation_history n ON true';",
      errors: [
        {
          messageId: 'table',
          data: { source: 'events', target: 'memory', table: 'conversation_history' },
        },
      ],
    },
    {
      name: 'a dynamic import of chat',
      filename: `${modules}/events/events.service.ts`,
      code: "void import('../chat/chat.service');",
      errors: [{ messageId: 'chat' }],
    },
  ],
});
