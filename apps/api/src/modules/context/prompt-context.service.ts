import { Injectable } from '@nestjs/common';
import { ConversationStore } from '../memory/conversation-store.service';
import { MemoryService } from '../memory/memory.service';
import type { ConversationMessage } from '../memory/memory.types';
import { ACTIVE_MODE } from '../memory/user-mode';
import { UserStateService } from '../memory/user-state.service';
import {
  buildTemplateVariables,
  DEFAULT_HISTORY_LIMIT,
  TemplateVariables,
} from './template-variables';

export interface UserContextRequest {
  userId: string;
  message: string;
  /** Version config `history_limit`. */
  historyLimit?: number;
  /** The message being answered: already stored, but not part of its own history. */
  currentMessageId?: number;
  /** Known already (the chat just read it); loaded when absent. */
  userMode?: string;
  now?: Date;
}

export interface UserContext {
  variables: TemplateVariables;
  /** The history the variables were built from, oldest first. */
  history: ConversationMessage[];
}

/** Loads what a template sees about a real user: memory, recent history and mode. */
@Injectable()
export class PromptContextService {
  constructor(
    private readonly memory: MemoryService,
    private readonly conversations: ConversationStore,
    private readonly userState: UserStateService,
  ) {}

  async forUser(request: UserContextRequest): Promise<UserContext> {
    const historyLimit = request.historyLimit ?? DEFAULT_HISTORY_LIMIT;
    const [memory, recent, userMode] = await Promise.all([
      this.memory.getMemory(request.userId),
      // One extra row, in case the current message is among them.
      this.conversations.recent(request.userId, historyLimit + 1),
      request.userMode ??
        this.userState.get(request.userId).then((state) => state?.mode ?? ACTIVE_MODE),
    ]);
    const history =
      historyLimit === 0
        ? []
        : recent.filter((message) => message.id !== request.currentMessageId).slice(-historyLimit);
    const variables = buildTemplateVariables({
      userId: request.userId,
      message: request.message,
      memory,
      history: history.map((message) => ({
        role: message.role,
        content: message.content,
        created_at: message.createdAt,
      })),
      userMode,
      historyLimit,
      now: request.now ?? new Date(),
    });
    return { variables, history };
  }
}
