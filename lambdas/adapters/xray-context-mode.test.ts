import { describe, expect, it } from 'vitest';
import { tracingWillBeEnabled } from './xray-context-mode.ts';

describe('tracingWillBeEnabled (the Tracer’s own rule)', () => {
  it('is on in Lambda unless turned off, and off outside it, under SAM and Amplify mocks', () => {
    expect(tracingWillBeEnabled({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x' })).toBe(true);
    expect(
      tracingWillBeEnabled({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', POWERTOOLS_TRACE_ENABLED: 'FALSE' }),
    ).toBe(false);
    expect(tracingWillBeEnabled({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', AWS_SAM_LOCAL: 'true' })).toBe(false);
    expect(tracingWillBeEnabled({ AWS_EXECUTION_ENV: 'AWS_Lambda_amplify-mock' })).toBe(false);
    expect(tracingWillBeEnabled({})).toBe(false);
  });
});

describe('the tracing adapter outside Lambda', () => {
  it('loads the X-Ray SDK in manual mode: no async hook runs per promise', async () => {
    const { tracer } = await import('./tracing.ts');
    expect(tracer.isTracingEnabled()).toBe(false);
    expect(process.env.AWS_XRAY_MANUAL_MODE).toBe('true');
    const { default: xray } = await import('aws-xray-sdk-core');
    // Automatic mode is the one that installs cls-hooked's per-promise async hook.
    expect(xray.isAutomaticMode()).toBe(false);
  });
});
