// What other modules get from memory: plain shapes, so none of them depends on its entities.

export type MessageRole = 'user' | 'assistant' | 'system';
export type MessageSource = 'user' | 'llm' | 'operator';

/** One stored message; a user's messages are ordered by id. */
export interface ConversationMessage {
  id: number;
  userId: string;
  role: MessageRole;
  content: string;
  source: MessageSource;
  templateName: string | null;
  templateVersion: number | null;
  operator: string | null;
  visibleToUser: boolean;
  metadata: Record<string, unknown>;
  createdAt: Date;
}

/** A user the product has seen: their mode (set by operators) and their activity. */
export interface UserState {
  userId: string;
  mode: string;
  reason: string | null;
  operator: string | null;
  updatedAt: Date;
  firstSeen: Date;
  lastActivity: Date;
  messageCount: number;
}
