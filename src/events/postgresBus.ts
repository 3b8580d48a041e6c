// The bus of several instances on one PostgreSQL: NOTIFY on one channel reaches every instance,
// each of which LISTENs on one dedicated connection (not one per stream) and hands the event to
// its local subscribers. Events published here reach local subscribers at once, without the
// round trip. When the listening connection is lost it is re-established with backoff; then
// every local subscriber re-reads its state once, since events sent meanwhile never arrived.
import pg from 'pg';
import { newId } from '../ids.ts';
import type { Logger } from '../log/logger.ts';
import type { Db } from '../store/db.ts';
import type { EventBus, Listener, LoginEvent } from './bus.ts';
import { LocalSubscribers } from './localSubscribers.ts';

const CHANNEL = 'scanin_events';
const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5_000;

type Notice = { from: string; topic: string; event: LoginEvent };

export class PostgresBus implements EventBus {
  private readonly subscribers: LocalSubscribers;
  /** Marks this instance's own notifications, already delivered locally. */
  private readonly instance = newId();
  private listening: pg.Client | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private closed = false;

  private constructor(
    private readonly db: Db,
    private readonly connectionString: string,
    private readonly log: Logger,
  ) {
    this.subscribers = new LocalSubscribers(log);
  }

  /** Connects the listening connection; fails if PostgreSQL cannot be reached now. */
  static async open(db: Db, connectionString: string, log: Logger): Promise<PostgresBus> {
    const bus = new PostgresBus(db, connectionString, log.child({ component: 'events' }));
    try {
      await bus.listen();
    } catch (error) {
      await bus.close();
      throw error;
    }
    return bus;
  }

  async publish(topic: string, event: LoginEvent): Promise<void> {
    this.subscribers.deliver(topic, event);
    const notice: Notice = { from: this.instance, topic, event };
    try {
      await this.db.raw('select pg_notify(?, ?)', [CHANNEL, JSON.stringify(notice)]);
    } catch (error) {
      // The state change is committed; a browser on another instance learns of it when its
      // shown code runs out (the stream re-reads the request then), or on its next reconnect.
      this.log.error({ err: error }, 'could not notify other instances');
    }
  }

  subscribe(topic: string, listener: Listener, resync?: () => void): () => void {
    return this.subscribers.add(topic, listener, resync);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.subscribers.clear();
    const client = this.listening;
    this.listening = undefined;
    await client?.end().catch(() => {});
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString, keepAlive: true, application_name: 'scanin-events' });
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      if (this.listening === client) this.listening = undefined;
      client.end().catch(() => {});
      if (this.closed) return;
      this.log.warn({ err: error }, 'the listening connection to PostgreSQL was lost; reconnecting');
      this.retryLater();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (message) => {
      if (message.channel === CHANNEL && message.payload) this.receive(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      onLost(error as Error);
      throw error;
    }
    this.listening = client;
  }

  private retryLater(): void {
    const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** this.failures);
    this.failures += 1;
    this.retryTimer = setTimeout(() => {
      this.listen().then(
        () => {
          this.failures = 0;
          this.log.info('listening again; waiting browsers re-read their state');
          this.subscribers.resyncAll();
        },
        // listen() has scheduled the next try already.
        () => {},
      );
      // Half the delay again at random, so instances that lost PostgreSQL together do not
      // all come back at the same instant.
    }, delay * (1 + Math.random() / 2));
    this.retryTimer.unref();
  }

  private receive(payload: string): void {
    let notice: Notice;
    try {
      notice = JSON.parse(payload) as Notice;
    } catch {
      return; // not ours: some other NOTIFY on the channel
    }
    if (notice.from === this.instance || typeof notice.topic !== 'string') return;
    this.subscribers.deliver(notice.topic, notice.event);
  }
}
