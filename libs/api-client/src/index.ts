// The only way the web app talks to the API: generated from openapi.json by `npm run openapi`.
export * from './generated';
export * from './generated/@tanstack/react-query.gen';
export { client } from './generated/client.gen';
