/**
 * `npm run perf:profile-top -- <file.cpuprofile> [N]`: the top self-time frames of a V8 CPU profile
 * (`node --cpu-prof`, or PERF_CPU_PROFILE=<dir> with perf:local / bench:partner / bench:gateway),
 * as shares of the busy (non-idle) time, plus the same time grouped by where the code lives
 * (a package under node_modules, a project folder, node's own internals). Shares do not depend on
 * how loaded the machine was as much as req/s do, which makes before/after comparable on a shared
 * machine; except time inside system calls (writev: the kernel may switch to the process it just
 * woke, and on a loaded machine that wait is sampled as the call's own time).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  readonly id: number;
  readonly children?: readonly number[];
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const IDLE = new Set(['(idle)', '(program)', '(root)']);
/** Frames whose time is the profiler's own (stopping it serialises the profile inside `Session.post`). */
const PROFILER = (frame: ProfileNode['callFrame']) => frame.functionName === 'post' && frame.url === 'node:inspector';

/** A frame's owner: `pkg:<name>` for node_modules, `node:<module>` for internals, else the project folder. */
export function ownerOf(url: string): string {
  if (!url) return '(native/gc)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return `pkg:${rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const match = /\/(lambdas|infra|perf|db|tests|ops)\/([^/]+)\//.exec(path);
  return match ? `${match[1]}/${match[2]}` : path;
}

type Frame = ProfileNode['callFrame'];
const ASYNC_HOOK_FRAMES = new Set([
  'registerDestroyHook',
  'destroyTracking',
  'promiseInitHookWithDestroyTracking',
  'emitHook',
  'promiseAfterHook',
  'promiseBeforeHook',
  'trackPromise',
  'lookupPublicResource',
]);

/** The suspects of the shared path, each as the inclusive share of samples with such a frame on the stack. */
const SUSPECTS: Record<string, (frame: Frame) => boolean> = {
  'ulid randomness (newId)': (f) => f.functionName === 'encodeRandom' && f.url.includes('/ulid/'),
  'async hooks (cls-hooked, destroy tracking)': (f) =>
    f.url.includes('/cls-hooked/') || ASYNC_HOOK_FRAMES.has(f.functionName),
  'AWS SDK calls (DynamoDB)': (f) => /\/node_modules\/@(smithy|aws-sdk)\//.test(f.url),
  'jose (JWT sign/verify)': (f) => f.url.includes('/node_modules/jose/'),
  'zod parsing': (f) => f.url.includes('/node_modules/zod/'),
  'graphql-js execution': (f) => f.url.includes('/node_modules/graphql/'),
  'pg driver': (f) => /\/node_modules\/pg(-protocol|-pool|-types)?\//.test(f.url),
  'socket writes (writev; load-dependent)': (f) => f.functionName === 'writev' || f.functionName === 'writeBuffer',
  'garbage collector': (f) => f.functionName === '(garbage collector)',
};

export function summarise(profile: CpuProfile, top = 25): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const underProfiler = (id: number): boolean => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at))
      if (PROFILER(byId.get(at)!.callFrame)) return true;
    return false;
  };
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const frames = new Map<string, number>();
  const owners = new Map<string, number>();
  const suspects = new Map<string, number>();
  let busy = 0;
  let total = 0;
  for (const [id, us] of selfUs) {
    total += us;
    const frame = byId.get(id)!.callFrame;
    if (IDLE.has(frame.functionName) || underProfiler(id)) continue;
    busy += us;
    const stack: Frame[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) stack.push(byId.get(at)!.callFrame);
    for (const [name, test] of Object.entries(SUSPECTS))
      if (stack.some(test)) suspects.set(name, (suspects.get(name) ?? 0) + us);
    const short = frame.url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*?\/(lambdas|infra|perf)\//, '$1/');
    const key = `${frame.functionName || '(anonymous)'} ${short}:${frame.lineNumber + 1}`;
    frames.set(key, (frames.get(key) ?? 0) + us);
    const owner = frame.functionName === '(garbage collector)' ? '(gc)' : ownerOf(frame.url);
    owners.set(owner, (owners.get(owner) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / Math.max(1, busy)).toFixed(1).padStart(5)} %`;
  const lines = [
    `profile: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (${((100 * busy) / Math.max(1, total)).toFixed(0)} %); shares below are of busy time`,
    '',
    'suspects (inclusive: samples with such a frame anywhere on the stack):',
    ...Object.keys(SUSPECTS).map((name) => `  ${pct(suspects.get(name) ?? 0)}  ${name}`),
    '',
    'self time by owner:',
    ...[...owners.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([owner, us]) => `  ${pct(us)}  ${owner}`),
    '',
    'top self-time frames:',
    ...[...frames.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([frame, us]) => `  ${pct(us)}  ${frame}`),
  ];
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, top] = process.argv.slice(2);
  if (!file) throw new Error('usage: cpu-profile-top.ts <file.cpuprofile> [N]');
  console.log(summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(top ?? 25)));
}
