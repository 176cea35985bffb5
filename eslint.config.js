// Lint rules: typescript-eslint's recommended type-aware set (the TypeScript sources, with type information from
// tsconfig.json); warnings fail `npm run lint`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
  // Layers point one way: bin → cli → compare → core → format. core does socket work and returns values; it never
  // reaches up into the command line or the report.
  {
    files: ['src/core/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/cli/**', '**/compare/**', '**/bin/**'], message: 'src/core is below compare: it must not import from cli, compare or bin.' }] }] },
  },
  {
    files: ['src/compare/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/cli/**', '**/bin/**'], message: 'src/compare is below the command line: it must not import from cli or bin.' }] }] },
  },
  {
    files: ['src/format/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/cli/**', '**/compare/**', '**/bin/**'], message: 'src/format is a leaf beside core: it must not import from cli, compare or bin.' }] }] },
  },
  {
    files: ['test/**', 'bench/**'],
    rules: { 'no-console': 'off' },
  },
);
