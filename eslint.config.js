// Lint rules for the whole repository: the recommended sets of ESLint and typescript-eslint, with
// the few rules this code base breaks on purpose turned off, each with its reason.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    // Written by runs or tools, not by people.
    ignores: [
      'node_modules/',
      '.cache/',
      'dist/',
      'reports/',
      'outbox-chaos-reports/',
      'outbox-chaos-merged/',
      'thirdparty/findings/',
      '**/*.d.mts',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Fault parameters and JSON read back from disk are typed as `any` where a registry holds
      // values of many shapes; the checks happen where they are used.
      '@typescript-eslint/no-explicit-any': 'off',
      // A leading underscore marks an argument a callback must accept but does not use.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
);
