import { MantineProvider } from '@mantine/core';
import { fireEvent, render, screen } from '@testing-library/react';
import { newRule, type Rule, RuleForm } from './rule-form';

function renderRule(rule: Rule, errors: Record<string, string> = {}, readOnly = false) {
  const onChange = jest.fn<void, [Rule]>();
  const onRemove = jest.fn();
  render(
    <MantineProvider>
      <RuleForm
        rule={rule}
        index={2}
        errors={errors}
        readOnly={readOnly}
        onChange={onChange}
        onRemove={onRemove}
      />
    </MantineProvider>,
  );
  return { onChange, onRemove };
}

describe('RuleForm', () => {
  it('shows the fields of a regex rule and reports edits as a whole rule', () => {
    const { onChange } = renderRule(newRule('regex'));
    expect(screen.getByRole('group', { name: 'Rule 3: Regular expression' })).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Pattern'), { target: { value: '\\bsecret\\b' } });
    expect(onChange).toHaveBeenLastCalledWith(
      expect.objectContaining({
        type: 'regex',
        pattern: '\\bsecret\\b',
        stage: 'input',
        action: 'block',
      }),
    );
  });

  it('shows the API validation message next to the field it names', () => {
    renderRule(newRule('regex'), {
      'rules.2.pattern': 'rules[2].pattern can backtrack catastrophically',
    });
    expect(screen.getByText('rules[2].pattern can backtrack catastrophically')).toBeTruthy();
  });

  it('has a number field for max_length and no action select', () => {
    const { onChange } = renderRule(newRule('max_length'));
    fireEvent.change(screen.getByLabelText('Maximum characters'), { target: { value: '120' } });
    expect(onChange).toHaveBeenLastCalledWith(
      expect.objectContaining({ type: 'max_length', max_chars: 120 }),
    );
    expect(screen.queryByLabelText('Action')).toBeNull();
  });

  it('edits a system instruction and can be removed', () => {
    const { onChange, onRemove } = renderRule(newRule('system_instruction'));
    fireEvent.change(screen.getByLabelText('Instruction'), { target: { value: 'Be kind.' } });
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ content: 'Be kind.' }));
    fireEvent.click(screen.getByRole('button', { name: 'Remove' }));
    expect(onRemove).toHaveBeenCalled();
  });

  it('is read-only for presets and viewers: no remove button', () => {
    renderRule(newRule('blocked_terms'), {}, true);
    expect(screen.queryByRole('button', { name: 'Remove' })).toBeNull();
  });
});
