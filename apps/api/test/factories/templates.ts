import type { TestApp } from '../setup/test-app';

let sequence = 0;

/** A template name no other test uses. */
export function aTemplateName(label = 'persona'): string {
  sequence += 1;
  return `${label}-${process.pid}-${sequence}`;
}

export interface TemplateBody {
  name: string;
  content: string;
  created_by: string;
  config?: Record<string, unknown>;
}

/** A valid POST /admin/templates body; each call has a distinct name and content. */
export function aTemplateBody(overrides: Partial<TemplateBody> = {}): TemplateBody {
  sequence += 1;
  return {
    name: aTemplateName(),
    content: `You are companion #${sequence}. Talk to {{ user_id }}.\n{{ user_context }}`,
    created_by: 'alice',
    ...overrides,
  };
}

export interface CreatedTemplate {
  id: number;
  name: string;
  version: number;
  content: string;
  [field: string]: unknown;
}

/** Creates a template over HTTP and returns the response body. */
export async function createTemplate(
  api: TestApp,
  overrides: Partial<TemplateBody> = {},
): Promise<CreatedTemplate> {
  const result = await api.http<CreatedTemplate>(
    'POST',
    '/admin/templates',
    aTemplateBody(overrides),
  );
  if (result.status !== 201) {
    throw new Error(`creating a template failed: ${result.status} ${result.text}`);
  }
  return result.body;
}

/** Saves `count` more versions of a template, with distinct content. */
export async function addVersions(
  api: TestApp,
  templateId: number,
  count: number,
  config?: Record<string, unknown>,
): Promise<void> {
  for (let index = 0; index < count; index += 1) {
    sequence += 1;
    const result = await api.http('PUT', `/admin/templates/${templateId}`, {
      content: `Revision ${sequence} for {{ user_id }}`,
      updated_by: 'bob',
      ...(config ? { config } : {}),
    });
    if (result.status !== 200) throw new Error(`update failed: ${result.status} ${result.text}`);
  }
}

/** Everything the prompts module stores, to prove a rejected request changed nothing. */
export async function storedTemplateRows(api: TestApp): Promise<Record<string, unknown[]>> {
  return {
    templates: await api.sql('SELECT * FROM system_prompt ORDER BY id'),
    versions: await api.sql('SELECT * FROM prompt_version_history ORDER BY id'),
  };
}
