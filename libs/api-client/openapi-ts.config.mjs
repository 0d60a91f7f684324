// Generates the typed client (fetch) and TanStack Query hooks from the committed OpenAPI document.
export default {
  input: 'libs/api-client/openapi.json',
  output: { path: 'libs/api-client/src/generated', clean: true },
  plugins: [
    '@hey-api/client-fetch',
    '@hey-api/typescript',
    '@hey-api/sdk',
    '@tanstack/react-query',
  ],
};
