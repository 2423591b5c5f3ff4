/**
 * Imported (for its side effect) before the X-Ray SDK loads: where the Tracer will be off, the SDK
 * starts in manual mode instead of its default automatic mode.
 *
 * In automatic mode aws-xray-sdk-core creates a cls-hooked namespace as it is imported: an
 * async_hooks hook with init/before/after/destroy callbacks that runs JavaScript for every promise
 * the process creates, whether or not anything is traced. Measured on Node 20: an await-heavy loop
 * runs 7-9x slower with it; in the local stack's CPU profile the hook's destroy tracking alone
 * (registerDestroyHook) was 3.5 % of busy time, plus the garbage it makes. Outside Lambda the
 * Tracer disables itself (no AWS_EXECUTION_ENV), as it does with POWERTOOLS_TRACE_ENABLED=false or
 * under SAM/Amplify local, so nothing needs the namespace there. In Lambda with tracing on, this
 * module changes nothing.
 */
export function tracingWillBeEnabled(env: Readonly<Record<string, string | undefined>>): boolean {
  const executionEnv = env.AWS_EXECUTION_ENV?.trim() ?? '';
  if ((env.POWERTOOLS_TRACE_ENABLED ?? '').trim().toLowerCase() === 'false') return false;
  if (executionEnv === '' || executionEnv === 'AWS_Lambda_amplify-mock') return false;
  return (env.AWS_SAM_LOCAL?.trim() ?? '') === '';
}

if (!tracingWillBeEnabled(process.env)) process.env.AWS_XRAY_MANUAL_MODE ??= 'true';
