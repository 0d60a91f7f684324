import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { notifyUnauthorized } from './api';
import { subscribeSse } from './sse';

/** Which cached queries an event makes stale (by the generated client's operation ids). */
const STALE_AFTER: Record<string, string[]> = {
  'message.created': [
    'listUsers',
    'getConversation',
    'getStatsOverview',
    'getStatsTimeseries',
    'listLlmRequests',
  ],
  'user.state_changed': ['listUsers', 'getConversation', 'listInterventions', 'getStatsOverview'],
  'intervention.created': ['listInterventions', 'getConversation'],
  'template.changed': ['listTemplates', 'getTemplate', 'getTemplateHistory'],
  'guardrail.fired': ['listGuardrailEvents', 'getConversation'],
  'guardrail_config.changed': ['listGuardrailConfigs', 'getGuardrailConfigById'],
};

function operationOf(queryKey: readonly unknown[]): string | undefined {
  const first = queryKey[0];
  return typeof first === 'object' && first !== null && '_id' in first
    ? String(first._id)
    : undefined;
}

/** Follows the operator event stream and refreshes what each event changes. */
export function useLiveEvents(): { connected: boolean } {
  const queryClient = useQueryClient();
  const [connected, setConnected] = useState(false);
  useEffect(
    () =>
      subscribeSse('/admin/events', {
        onStatus: setConnected,
        onFatal: (error) => {
          setConnected(false);
          if (error.status === 401) notifyUnauthorized();
        },
        onMessage: (message) => {
          const stale = STALE_AFTER[message.event];
          if (!stale) return;
          void queryClient.invalidateQueries({
            predicate: (query) => stale.includes(operationOf(query.queryKey) ?? ''),
          });
        },
      }),
    [queryClient],
  );
  return { connected };
}
