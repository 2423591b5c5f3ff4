// ESLint flat config. Type-aware typescript-eslint rules for the TypeScript code; AWS's AppSync
// rules for the APPSYNC_JS resolver code, so code the AppSync runtime would reject at deploy fails CI.
import js from '@eslint/js';
import appsync from '@aws-appsync/eslint-plugin';
import tseslint from 'typescript-eslint';

const appsyncResolverFiles = ['infra/definitions/appsync-*.js'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', '.local/**', 'coverage/**', '**/*.d.ts'] },
  {
    // One project service for the whole run: TypeScript through tsconfig.json, the resolver code
    // (outside it) through its own small tsconfig.
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: appsyncResolverFiles,
          defaultProject: 'infra/definitions/tsconfig.appsync.json',
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // Async implementations of async ports need no await; the floating/misused promise rules catch the real bugs.
      '@typescript-eslint/require-await': 'off',
      'max-len': [
        'error',
        { code: 160, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true },
      ],
    },
  },
  {
    // Tests read untyped JSON answers and CloudFormation templates; asserting on them is the point.
    files: ['tests/**/*.ts', '**/*.test.ts', 'infra/cdk/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: appsyncResolverFiles,
    ...appsync.configs.recommended,
    languageOptions: {
      ...appsync.configs.recommended.languageOptions,
      parser: tseslint.parser,
      parserOptions: {
        projectService: { allowDefaultProject: appsyncResolverFiles },
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
);
