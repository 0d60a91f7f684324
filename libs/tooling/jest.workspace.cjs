// `npm test`: every project's tests in one Jest run, with one summary line.
const api = require('../../apps/api/jest.config.cjs');
const stub = require('../../apps/llm-stub/jest.config.cjs');
const web = require('../../apps/web/jest.config.cjs');

module.exports = { ...api, projects: [...api.projects, ...stub.projects, ...web.projects] };
