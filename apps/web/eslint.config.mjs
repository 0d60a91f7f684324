import { typedConfig } from '../../libs/tooling/eslint.base.mjs';

export default typedConfig(import.meta.dirname);
