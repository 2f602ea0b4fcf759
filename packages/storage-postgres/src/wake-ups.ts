// wake-ups.ts: sends the NOTIFYs of enqueues made on the pool, one notify.sql statement at a time. Queues named while
// one is out ride together in the next, so under load many enqueues share a round trip (and the server's notify lock)
// instead of taking one each; an enqueue alone sends its own at once.

/** Sends one statement waking `queues`' listeners; never rejects (the caller reports its failures). */
export type SendWakeUps = (queues: readonly string[]) => Promise<void>;

export class WakeUps {
  private sending: Promise<void> | null = null;
  /** Queues for the statement after the one in flight, and when that statement is done. */
  private waiting: { queues: Set<string>; sent: Promise<void> } | null = null;

  constructor(private readonly send: SendWakeUps) {}

  /**
   * Wakes `queues`' listeners; resolves once a statement naming every one of them has run. The set is read, never
   * kept past this call's statement, and must not change until then.
   */
  wake(queues: ReadonlySet<string>): Promise<void> {
    let waiting = this.waiting;
    if (waiting === null) {
      const sending = this.sending;
      if (sending === null) return this.start(queues);
      const next = new Set<string>();
      const sent = sending.then(() => {
        this.waiting = null;
        return this.start(next);
      });
      waiting = { queues: next, sent };
      this.waiting = waiting;
    }
    for (const queue of queues) waiting.queues.add(queue);
    return waiting.sent;
  }

  /** Resolves once every wake-up asked for so far has been sent. */
  async idle(): Promise<void> {
    for (let pending = this.waiting?.sent ?? this.sending; pending !== null; ) {
      await pending;
      pending = this.waiting?.sent ?? this.sending;
    }
  }

  private start(queues: ReadonlySet<string>): Promise<void> {
    const sent = this.send([...queues]).finally(() => {
      if (this.sending === sent) this.sending = null;
    });
    this.sending = sent;
    return sent;
  }
}
