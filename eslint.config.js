// Lint for the TypeScript product and its tests: ESLint's and typescript-eslint's recommended
// rules, no import cycles (file level; test/architecture.test.ts checks folders), dependencies
// one way (scripts -> apps -> platform), and Prettier's formatting (npm run format fixes it).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const towardsScripts = {
  group: ['**/scripts/**'],
  message: 'apps/ and platform/ never import the toolkit: dependencies point scripts -> apps -> platform',
};
const towardsApps = { group: ['**/apps/**'], message: 'platform/ never imports apps/: dependencies point scripts -> apps -> platform' };

export default tseslint.config(
  { ignores: ['node_modules/', 'clusters/', '.tools/', '.build/', '.cache/', 'coverage/', 'tools/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver': undefined,
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-self-import': 'error',
      'import-x/no-useless-path-segments': 'error',
      'import-x/no-duplicates': 'error',
      // Rest destructuring is how a field is left out of a copy.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_' }],
    },
  },
  // Tests walk parsed YAML and JSON of every shape; typing each walk would hide what they assert.
  { files: ['test/**/*.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  { files: ['apps/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [towardsScripts] }] } },
  { files: ['platform/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [towardsScripts, towardsApps] }] } },
  prettier,
);
