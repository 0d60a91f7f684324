import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const workspaceRoot = fileURLToPath(new URL('../..', import.meta.url));
const api = process.env.API_URL ?? 'http://127.0.0.1:8001';
// Everything the API serves at the root; the SPA itself lives under /app/.
const apiPaths = ['/admin', '/auth', '/chat', '/health', '/metrics', '/docs'];

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/app/',
  plugins: [react()],
  resolve: {
    alias: {
      '@promptdev/api-client': `${workspaceRoot}/libs/api-client/src/index.ts`,
    },
  },
  build: {
    outDir: `${workspaceRoot}/dist/web`,
    emptyOutDir: true,
    chunkSizeWarningLimit: 800,
  },
  server: {
    port: 5173,
    proxy: Object.fromEntries(apiPaths.map((path) => [path, { target: api, changeOrigin: false }])),
  },
});
