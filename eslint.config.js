import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

// Only adapters may import drivers: ports speak our own types.
const driverImports = [
  'bullmq',
  'ioredis',
  'pg',
  'better-sqlite3',
  '@azure/storage-blob',
  'onnxruntime-node',
  'child_process',
  'node:child_process',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'models/**', 'eval-data/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['src/services/**/*.ts', 'src/api/**/*.ts', 'src/engine/**/*.ts'],
    ignores: ['**/*.adapter.ts', '**/*.runtime.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: driverImports.map((name) => ({ name, message: 'Only adapters import drivers.' })),
        },
      ],
    },
  },
  { files: ['src/web/public/**/*.js'], languageOptions: { globals: { ...globals.browser } } },
);
