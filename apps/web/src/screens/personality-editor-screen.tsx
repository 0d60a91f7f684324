import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Grid,
  Group,
  Stack,
  Tabs,
  Text,
  TextInput,
  Title,
  Tooltip,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import {
  activateTemplateMutation,
  createTemplateMutation,
  deactivateTemplateMutation,
  getTemplateOptions,
  setDefaultTemplateMutation,
  type TemplateDto,
  updateTemplateMutation,
} from '@promptdev/api-client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { errorMessage, fieldErrors, isApiError } from '../shared/api';
import { useSession } from '../shared/session';
import { ErrorState, LoadingState } from '../shared/states';
import { HistoryPanel } from '../personalities/history-panel';
import { type ModelConfig, ModelConfigFields } from '../personalities/model-config';
import { PreviewPanel } from '../personalities/preview-panel';
import { TEMPLATE_VARIABLES, type TemplateProblem } from '../personalities/template-variables';
import { TemplateBadges } from './personalities-screen';

const TemplateEditor = lazy(() => import('../personalities/template-editor'));

const STARTER = `You are a warm, curious companion talking with {{ user_id }}.

What you know about them:
{{ user_context }}

Recent conversation:
{{ conversation_history }}`;

/** A 422 template_invalid names the line; show it in the editor. */
function problemOf(error: unknown): TemplateProblem | null {
  if (!isApiError(error) || error.code !== 'template_invalid') return null;
  const line = Number(error.details?.line);
  if (!Number.isFinite(line) || line < 1) return null;
  const column = Number(error.details?.column);
  return { line, column: Number.isFinite(column) ? column : null, message: error.message };
}

function VariableHints({
  onInsert,
  disabled,
}: {
  onInsert: (name: string) => void;
  disabled?: boolean;
}) {
  return (
    <Group gap={6}>
      <Text size="xs" c="dimmed">
        Variables:
      </Text>
      {TEMPLATE_VARIABLES.map((variable) => (
        <Tooltip key={variable.name} label={variable.hint}>
          <Badge
            component="button"
            type="button"
            variant="outline"
            style={{ cursor: disabled ? 'default' : 'pointer', textTransform: 'none' }}
            onClick={() => !disabled && onInsert(variable.name)}
          >
            {`{{ ${variable.name} }}`}
          </Badge>
        </Tooltip>
      ))}
    </Group>
  );
}

function Editor({ template }: { template?: TemplateDto }) {
  const { canEdit, operator } = useSession();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [content, setContent] = useState(template?.content ?? STARTER);
  const [config, setConfig] = useState<ModelConfig>((template?.config as ModelConfig) ?? {});
  const [description, setDescription] = useState('');
  const refresh = () => queryClient.invalidateQueries();

  const create = useMutation({
    ...createTemplateMutation(),
    onSuccess: (created) => {
      notifications.show({ color: 'teal', message: `Created ${created.name} v1` });
      void refresh();
      void navigate(`/personalities/${encodeURIComponent(created.name)}`, { replace: true });
    },
  });
  const update = useMutation({
    ...updateTemplateMutation(),
    onSuccess: (result) => {
      notifications.show({ color: 'teal', message: `Saved as v${result.new_version}` });
      setDescription('');
      void refresh();
    },
  });
  const saving = create.isPending || update.isPending;
  const saveError = template ? update.error : create.error;
  const problem = problemOf(saveError);
  const dirty =
    !template ||
    content !== template.content ||
    JSON.stringify(config) !== JSON.stringify(template.config);

  const save = () => {
    if (template) {
      update.mutate({
        path: { template_id: template.id },
        body: {
          content,
          config,
          updated_by: operator.username,
          ...(description ? { change_description: description } : {}),
        },
      });
    } else {
      create.mutate({ body: { name, content, config, created_by: operator.username } });
    }
  };

  return (
    <Grid>
      <Grid.Col span={{ base: 12, lg: template ? 7 : 12 }}>
        <Stack>
          {!template && (
            <TextInput
              label="Name"
              required
              description="letters, digits, dashes; used by integrators as template_name"
              value={name}
              onChange={(event) => setName(event.currentTarget.value)}
              error={fieldErrors(create.error).name}
            />
          )}
          <VariableHints
            disabled={!canEdit}
            onInsert={(variable) => setContent((current) => `${current}{{ ${variable} }}`)}
          />
          <Suspense fallback={<LoadingState label="Loading editor" />}>
            <TemplateEditor
              label="Template content"
              value={content}
              onChange={setContent}
              problem={problem}
              readOnly={!canEdit}
            />
          </Suspense>
          {saveError && (
            <Alert color="red" role="alert" title={problem ? `Line ${problem.line}` : 'Not saved'}>
              {errorMessage(saveError)}
            </Alert>
          )}
          <Card withBorder>
            <Text fw={600} mb="xs">
              Model config
            </Text>
            <ModelConfigFields value={config} onChange={setConfig} readOnly={!canEdit} />
          </Card>
          {canEdit && (
            <Group align="end">
              {template && (
                <TextInput
                  style={{ flex: 1 }}
                  label="What changed"
                  placeholder="optional, shown in the history"
                  value={description}
                  onChange={(event) => setDescription(event.currentTarget.value)}
                />
              )}
              <Button onClick={save} loading={saving} disabled={!dirty || (!template && !name)}>
                {template ? 'Save new version' : 'Create personality'}
              </Button>
            </Group>
          )}
        </Stack>
      </Grid.Col>
      {template && (
        <Grid.Col span={{ base: 12, lg: 5 }}>
          {canEdit ? (
            <PreviewPanel templateId={template.id} content={content} />
          ) : (
            // The preview renders on the server with POST, which the API keeps for operators.
            <Alert color="gray" variant="light" title="Live preview">
              Rendering previews is for operators and admins; you have read access.
            </Alert>
          )}
        </Grid.Col>
      )}
    </Grid>
  );
}

function StatusActions({ template }: { template: TemplateDto }) {
  const { canEdit, operator } = useSession();
  const queryClient = useQueryClient();
  const options = {
    onSuccess: (result: { message: string }) => {
      notifications.show({ color: 'teal', message: result.message });
      void queryClient.invalidateQueries();
    },
    onError: (error: unknown) => notifications.show({ color: 'red', message: errorMessage(error) }),
  };
  const activate = useMutation({ ...activateTemplateMutation(), ...options });
  const deactivate = useMutation({ ...deactivateTemplateMutation(), ...options });
  const makeDefault = useMutation({ ...setDefaultTemplateMutation(), ...options });
  if (!canEdit) return null;
  const path = { template_id: template.id };
  return (
    <Group gap="xs">
      {template.is_active ? (
        <Button
          variant="default"
          size="xs"
          loading={deactivate.isPending}
          disabled={template.is_default}
          onClick={() => deactivate.mutate({ path })}
        >
          Deactivate
        </Button>
      ) : (
        <Button
          variant="default"
          size="xs"
          loading={activate.isPending}
          onClick={() => activate.mutate({ path })}
        >
          Activate
        </Button>
      )}
      {!template.is_default && (
        <Button
          size="xs"
          variant="light"
          loading={makeDefault.isPending}
          disabled={!template.is_active}
          onClick={() => makeDefault.mutate({ path, query: { updated_by: operator.username } })}
        >
          Make default
        </Button>
      )}
    </Group>
  );
}

export default function PersonalityEditorScreen() {
  const { name } = useParams();
  const template = useQuery({
    ...getTemplateOptions({ path: { name: name ?? '' } }),
    enabled: !!name,
  });
  const [tab, setTab] = useState<string | null>('edit');
  const back = (
    <Anchor component={Link} to="/personalities" size="sm">
      ← Personalities
    </Anchor>
  );
  if (!name)
    return (
      <Stack>
        {back}
        <Title order={2}>New personality</Title>
        <Editor />
      </Stack>
    );
  if (template.isPending) return <LoadingState />;
  if (template.isError)
    return (
      <Stack>
        {back}
        <ErrorState error={template.error} onRetry={() => void template.refetch()} />
      </Stack>
    );
  const data = template.data;
  return (
    <Stack>
      {back}
      <Group justify="space-between">
        <Group gap="sm">
          <Title order={2}>{data.name}</Title>
          <Badge variant="default">v{data.version}</Badge>
          <TemplateBadges active={data.is_active} isDefault={data.is_default} />
        </Group>
        <StatusActions template={data} />
      </Group>
      <Tabs value={tab} onChange={setTab} keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="edit">Edit</Tabs.Tab>
          <Tabs.Tab value="history">History</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="edit" pt="md">
          <Editor key={`${data.id}:${data.version}`} template={data} />
        </Tabs.Panel>
        <Tabs.Panel value="history" pt="md">
          <HistoryPanel template={data} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
