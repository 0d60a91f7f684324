import { startTestApp, TestApp } from '../setup/test-app';

const ALLOWED = 'https://ops.example.com';
const OTHER = 'https://evil.example.net';

describe('security headers and CORS', () => {
  describe('helmet headers', () => {
    let api: TestApp;

    beforeAll(async () => {
      api = await startTestApp();
    });
    afterAll(() => api.close());

    it('puts a same-origin content security policy and the usual headers on API responses', async () => {
      for (const result of [
        await api.http('GET', '/health'),
        await api.http('GET', '/admin/templates'),
        await api.http('GET', '/no/such/route'),
      ]) {
        const csp = result.headers.get('content-security-policy') ?? '';
        expect(csp).toContain("default-src 'self'");
        expect(csp).toContain("script-src 'self'");
        expect(csp).toContain("connect-src 'self'");
        expect(csp).toContain("img-src 'self' data:");
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).not.toContain('upgrade-insecure-requests');
        expect(result.headers.get('x-content-type-options')).toBe('nosniff');
        expect(result.headers.get('x-frame-options')).toBe('SAMEORIGIN');
        expect(result.headers.get('strict-transport-security')).toContain('max-age=');
        expect(result.headers.get('x-powered-by')).toBeNull();
      }
    });

    it('still serves Swagger UI: its page loads only same-origin scripts, and they load', async () => {
      const page = await fetch(`${api.baseUrl}/docs`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      const html = await page.text();
      expect(html).toContain('swagger-ui');

      // No inline script: each <script> has a src, and it is on this server.
      const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
      expect(scripts.length).toBeGreaterThanOrEqual(3);
      const assets = scripts.map(([, attributes, body]) => {
        expect(body?.trim()).toBe('');
        const src = /src=["']([^"']+)["']/.exec(attributes ?? '')?.[1];
        expect(src).toBeDefined();
        return new URL(src!, page.url);
      });
      const styles = [...html.matchAll(/<link[^>]+href=["']([^"']+\.css)["']/g)].map(
        ([, href]) => new URL(href!, page.url),
      );
      expect(styles.length).toBeGreaterThanOrEqual(1);
      for (const url of [...assets, ...styles]) {
        expect(url.origin).toBe(api.baseUrl);
        const asset = await fetch(url);
        expect({ url: url.pathname, status: asset.status }).toEqual({
          url: url.pathname,
          status: 200,
        });
        expect(asset.headers.get('content-type')).toMatch(/javascript|css/);
        expect((await asset.text()).length).toBeGreaterThan(100);
      }
      // The page reads the document from the same origin (connect-src 'self').
      const document = await api.http('GET', '/docs-json');
      expect(document.status).toBe(200);
      expect(document.body.info.title).toBe('PromptDev API');
    });

    it('sends no CORS headers without CORS_ORIGINS: only same-origin pages may call', async () => {
      const simple = await api.http('GET', '/admin/templates', undefined, { origin: ALLOWED });
      expect(simple.status).toBe(200);
      expect(simple.headers.get('access-control-allow-origin')).toBeNull();
      const preflight = await fetch(`${api.baseUrl}/chat`, {
        method: 'OPTIONS',
        headers: { origin: ALLOWED, 'access-control-request-method': 'POST' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
      expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
    });
  });

  describe('with CORS_ORIGINS', () => {
    let api: TestApp;

    beforeAll(async () => {
      api = await startTestApp({ CORS_ORIGINS: `${ALLOWED}, http://localhost:5173` });
    });
    afterAll(() => api.close());

    it('lets a listed origin read responses, with credentials, and nobody else', async () => {
      const allowed = await api.http('GET', '/admin/templates', undefined, { origin: ALLOWED });
      expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED);
      expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
      expect(allowed.headers.get('access-control-expose-headers')).toContain('x-request-id');

      const other = await api.http('GET', '/admin/templates', undefined, { origin: OTHER });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('answers preflights for listed origins only', async () => {
      const preflight = (origin: string) =>
        fetch(`${api.baseUrl}/chat`, {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'content-type',
          },
        });
      const allowed = await preflight('http://localhost:5173');
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
      expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');
      expect(allowed.headers.get('access-control-allow-headers')).toContain('content-type');

      const other = await preflight(OTHER);
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describe('with CORS_ORIGINS=*', () => {
    let api: TestApp;

    beforeAll(async () => {
      api = await startTestApp({ CORS_ORIGINS: '*' });
    });
    afterAll(() => api.close());

    it('allows any origin, never with credentials', async () => {
      const result = await api.http('GET', '/health', undefined, { origin: OTHER });
      expect(result.headers.get('access-control-allow-origin')).toBe('*');
      expect(result.headers.get('access-control-allow-credentials')).toBeNull();
    });
  });
});
