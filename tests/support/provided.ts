/** What the integration global setup hands to every test file (vitest `provide`/`inject`). */
import type { Endpoints } from '../../infra/local/stack.ts';

export interface StackInfo {
  readonly endpoints: Endpoints;
  readonly stateDir: string;
  readonly logFile: string;
  readonly keyEncryptionKey: string;
  readonly issuer: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackInfo;
  }
}
