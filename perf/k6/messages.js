// Messages (GraphQL myInbox + threadMessages, OIDC): seed 004 (inbox and thread reads ≤ 250 ms p95).
// Signs in once as EMAIL/PASSWORD (a member of at least one thread) and reads its inbox and first thread.
//
//   k6 run -e BASE_URL=… -e EMAIL=… -e PASSWORD=… perf/k6/messages.js
import { fail } from 'k6';
import { scenariosFor, thresholdsFor } from './budgets.js';
import { INBOX as inbox, THREAD as thread } from './queries.js';
import { graphql, login, required } from './common.js';

const email = required('EMAIL');
const password = required('PASSWORD');

export const options = { scenarios: scenariosFor('messages'), thresholds: thresholdsFor('messages') };

export function setup() {
  const token = login(email, password);
  const threads = graphql('setup', { token }, inbox, {}).json('data.myInbox.items');
  if (!threads || threads.length === 0) fail('the account has no thread to read');
  return { token, threadId: threads[0].threadId };
}

export default function (data) {
  if (Math.random() < 0.5) graphql('messages', { token: data.token }, inbox, {});
  else graphql('messages', { token: data.token }, thread, { t: data.threadId });
}
