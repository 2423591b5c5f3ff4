/**
 * Per-thread turn-taking for the writes of one process (one Lambda instance, or the local stack).
 *
 * Every send is one TransactWriteItems over the thread item (lastMessageAt, messageCount) and each
 * member's PART# item (unreadCount, inbox row). Concurrent sends into one thread therefore touch the
 * same items, and DynamoDB cancels all but one of overlapping transactions (TransactionConflict):
 * 50 concurrent senders into one thread measured 5–15 DynamoDB calls per send from retries alone.
 * Letting the writes of a thread take turns inside the process removes the conflicts it would cause
 * itself; conflicts with other instances are still retried with jittered backoff by the repository.
 * The transaction stays the unit of exactness: the lane only orders attempts, it guarantees nothing.
 */
export class ThreadLanes {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `fn` after every earlier `run` for `key` in this process has settled. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(fn);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    // The map holds only lanes with work in them: an idle thread leaves nothing behind.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** How many lanes have work queued (tests prove idle lanes are released). */
  get active(): number {
    return this.tails.size;
  }
}

/** One per process: every ThreadRepository of an instance (messaging, attachments) shares the turns. */
export const threadLanes = new ThreadLanes();
