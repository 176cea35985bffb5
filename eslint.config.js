// Lint rules: typescript-eslint's recommended type-aware set (the TypeScript sources, with type information from
// tsconfig.json); warnings fail `npm run lint`.
import js from '@eslint/js';
import { join } from 'node:path';
import tseslint from 'typescript-eslint';
import layers from './eslint-rules/layers.js';

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname }, globals: { process: 'readonly', Buffer: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setImmediate: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', performance: 'readonly', AbortController: 'readonly', URL: 'readonly' } },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // A caught `unknown` is rethrown as it came: wrapping it would lose what it is.
      '@typescript-eslint/only-throw-error': ['error', { allowThrowingUnknown: true }],
    },
  },
  // Plain JavaScript (bench, scripts, fixtures, this file) is outside tsconfig: linted without type information.
  { files: ['**/*.mjs', '**/*.js'], ...tseslint.configs.disableTypeChecked },
  // Layers point one way, top to bottom; a file may import its own layer and those below it, in any form (import,
  // export … from, import(), require, import type). index.ts, the root entry, carries what a library user calls: the
  // command line is not part of it. Every file in src/ must sit in one of these (eslint-rules/layers.js says why the
  // rule is our own).
  {
    files: ['src/**'],
    plugins: { udpkit: { rules: { layers } } },
    rules: {
      'udpkit/layers': [
        'error',
        {
          src: join(import.meta.dirname, 'src'),
          self: 'udpkit',
          layers: [['bin/'], ['cli/'], ['web/', 'metrics/'], ['index.ts'], ['compare/'], ['proxy/', 'probe/', 'respond/'], ['core/'], ['format/'], ['errors.ts', 'types.ts', 'clock.ts', 'version.ts']],
        },
      ],
    },
  },
  {
    files: ['test/**', 'bench/**'],
    rules: { 'no-console': 'off' },
  },
);
