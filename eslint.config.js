// Lint for every package: typescript-eslint's type-aware rules, with the two that catch
// forgotten promises (a lost rejection, a promise where a callback returns void) as errors.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'bench/results/**', '**/*.cjs', '**/*.mjs', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {
        project: ['./packages/*/tsconfig.json', './tsconfig.test.json', './bench/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // A callback defined before the value it reads is assigned (and may run before) keeps `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // node:test's describe/test return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'test', 'it', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    // Tests read parsed JSON answers field by field; `any` there is a convenience, not a type hole in the product.
    files: ['**/test/**/*.ts', 'test/**/*.ts'],
    // Terminal tests match ANSI escapes, which are control characters by nature.
    rules: { '@typescript-eslint/no-explicit-any': 'off', 'no-control-regex': 'off' },
  },
  {
    // The CLI's filter of what reaches a terminal matches control characters: that is its job.
    files: ['packages/cli/src/scrub.ts'],
    rules: { 'no-control-regex': 'off' },
  },
)
