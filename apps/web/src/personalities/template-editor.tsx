import { autocompletion } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { jinja, jinjaCompletionSource } from '@codemirror/lang-jinja';
import { bracketMatching, syntaxHighlighting, defaultHighlightStyle } from '@codemirror/language';
import { type Diagnostic, lintGutter, setDiagnostics } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { EditorView, keymap, lineNumbers, placeholder } from '@codemirror/view';
import { useEffect, useRef } from 'react';
import { TEMPLATE_VARIABLES, type TemplateProblem } from './template-variables';

/** The API's compile error (1-based line and column) as an editor diagnostic. */
function diagnosticsFor(
  editor: EditorView,
  problem: TemplateProblem | null | undefined,
): Diagnostic[] {
  if (!problem) return [];
  const doc = editor.state.doc;
  const line = doc.line(Math.min(Math.max(problem.line, 1), doc.lines));
  const from = Math.min(line.from + Math.max((problem.column ?? 1) - 1, 0), line.to);
  return [{ from, to: line.to, severity: 'error', message: problem.message }];
}

interface Props {
  value: string;
  onChange: (value: string) => void;
  problem?: TemplateProblem | null;
  readOnly?: boolean;
  label: string;
}

/** CodeMirror 6 with Nunjucks (Jinja) highlighting, variable completion and a compile error at its line. */
export default function TemplateEditor({ value, onChange, problem, readOnly, label }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;

  useEffect(() => {
    if (!host.current) return;
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          lineNumbers(),
          history(),
          bracketMatching(),
          syntaxHighlighting(defaultHighlightStyle),
          jinja(),
          autocompletion({
            override: [
              jinjaCompletionSource({
                variables: TEMPLATE_VARIABLES.map((v) => ({
                  label: v.name,
                  detail: v.hint,
                  type: 'variable',
                })),
              }),
            ],
          }),
          keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
          placeholder('You are {{ user_id }}’s companion…'),
          EditorView.lineWrapping,
          EditorState.readOnly.of(readOnly ?? false),
          EditorView.contentAttributes.of({ 'aria-label': label }),
          lintGutter(),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) onChangeRef.current(update.state.doc.toString());
          }),
          EditorView.theme({
            '&': {
              fontSize: '13px',
              border: '1px solid var(--mantine-color-default-border)',
              borderRadius: '8px',
            },
            '.cm-scroller': {
              fontFamily: 'var(--mantine-font-family-monospace)',
              minHeight: '280px',
            },
            '&.cm-focused': { outline: '2px solid var(--mantine-primary-color-filled)' },
          }),
        ],
      }),
    });
    view.current = editor;
    return () => editor.destroy();
    // The editor is created once; later value changes from outside are applied below.
  }, []);

  useEffect(() => {
    const editor = view.current;
    if (editor && editor.state.doc.toString() !== value) {
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: value } });
    }
  }, [value]);

  useEffect(() => {
    const editor = view.current;
    if (editor) editor.dispatch(setDiagnostics(editor.state, diagnosticsFor(editor, problem)));
  }, [problem]);

  return <div ref={host} data-testid="template-editor" />;
}
