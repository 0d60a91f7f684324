import { Injectable } from '@nestjs/common';
import type { TurnHistoryMessage } from '../memory/message-statements';
import { ACTIVE_MODE } from '../memory/user-mode';
import { TurnContextService } from '../memory/turn-context.service';
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
  now?: Date;
}

export interface UserContext {
  variables: TemplateVariables;
  /** The history the variables were built from, oldest first. */
  history: TurnHistoryMessage[];
}

/** What a template sees about a user, from their memory, recent history and mode. */
@Injectable()
export class PromptContextService {
  constructor(private readonly turns: TurnContextService) {}

  /** Loads the user's memory, history and mode (one statement), then builds the variables. */
  async forUser(request: UserContextRequest): Promise<UserContext> {
    const historyLimit = request.historyLimit ?? DEFAULT_HISTORY_LIMIT;
    const { state, memory, history } = await this.turns.read(
      request.userId,
      historyLimit,
      request.currentMessageId,
    );
    return this.build({ ...request, historyLimit, memory, history, userMode: state?.mode });
  }

  /** The variables for what the caller already loaded (the chat turn reads it as it stores). */
  build(request: {
    userId: string;
    message: string;
    historyLimit?: number;
    memory: Record<string, unknown>;
    history: TurnHistoryMessage[];
    userMode?: string;
    now?: Date;
  }): UserContext {
    const historyLimit = request.historyLimit ?? DEFAULT_HISTORY_LIMIT;
    const history = historyLimit === 0 ? [] : request.history.slice(-historyLimit);
    const variables = buildTemplateVariables({
      userId: request.userId,
      message: request.message,
      memory: request.memory,
      history: history.map((message) => ({
        role: message.role,
        content: message.content,
        created_at: message.createdAt,
      })),
      userMode: request.userMode ?? ACTIVE_MODE,
      historyLimit,
      now: request.now ?? new Date(),
    });
    return { variables, history };
  }
}
