import { Foundation1764100000000 } from './1764100000000-foundation';
import { ConversationOrder1764100002000 } from './1764100002000-conversation-order';
import { ChatPipeline1764200000000 } from './1764200000000-chat-pipeline';
import { Guardrails1764300000000 } from './1764300000000-guardrails';
import { MetricsAggregated1764400000000 } from './1764400000000-metrics-aggregated';
import { Events1764500000000 } from './1764500000000-events';
import { Auth1764610000000 } from './1764610000000-auth';
import { ChatIdempotency1764650000000 } from './1764650000000-chat-idempotency';
import { AuditLog1764700000000 } from './1764700000000-audit-log';
import { DropUnusedIndexes1764800000000 } from './1764800000000-drop-unused-indexes';

/** Every migration, oldest first. Add new ones at the end. */
export const allMigrations = [
  Foundation1764100000000,
  ConversationOrder1764100002000,
  ChatPipeline1764200000000,
  Guardrails1764300000000,
  MetricsAggregated1764400000000,
  Events1764500000000,
  Auth1764610000000,
  ChatIdempotency1764650000000,
  AuditLog1764700000000,
  DropUnusedIndexes1764800000000,
];
