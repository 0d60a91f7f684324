import { redactedUrl } from './redact-url';

describe('redactedUrl', () => {
  it('replaces the values of credential-like query parameters, keeping everything else', () => {
    expect(redactedUrl('/app/chat?token=eyJ.abc.def&theme=dark')).toBe(
      '/app/chat?token=[redacted]&theme=dark',
    );
    expect(
      redactedUrl('/x?access_token=a&api_key=b&key=c&password=d&client_secret=e&user_id=u-1'),
    ).toBe(
      '/x?access_token=[redacted]&api_key=[redacted]&key=[redacted]&password=[redacted]' +
        '&client_secret=[redacted]&user_id=u-1',
    );
  });

  it('matches names in any case and encoding, and leaves odd input readable', () => {
    expect(redactedUrl('/x?TOKEN=a&%74oken=b&Pass%77ord=c')).toBe(
      '/x?TOKEN=[redacted]&%74oken=[redacted]&Pass%77ord=[redacted]',
    );
    expect(redactedUrl('/x?token&%zz=1&=2&')).toBe('/x?token&%zz=1&=2&');
    expect(redactedUrl('/health')).toBe('/health');
    expect(redactedUrl('/x?token=a=b')).toBe('/x?token=[redacted]');
  });
});
