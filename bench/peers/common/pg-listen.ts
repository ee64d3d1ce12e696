/**
 * Live feed notices by LISTEN on the peer's channel (the PostgreSQL peers'
 * workers NOTIFY in their transaction). A lost listener connection is opened
 * again; `onGap` then tells every socket to read what it may have missed.
 */
import pg from 'pg';
import type { FeedNotice } from './finish.js';

export interface LiveFeed {
  close(): Promise<void>;
}

export type LiveSource = (deliver: (n: FeedNotice) => void, onGap: () => void) => Promise<LiveFeed>;

export function pgListen(databaseUrl: string, channel: string): LiveSource {
  return async (deliver, onGap) => {
    let client: pg.Client | null = null;
    let closed = false;
    const connect = async (): Promise<void> => {
      const c = new pg.Client({ connectionString: databaseUrl });
      c.on('notification', (m) => {
        if (m.channel === channel && m.payload) deliver(JSON.parse(m.payload) as FeedNotice);
      });
      c.on('error', (err) => {
        console.error(`feed listener lost: ${err.message}`);
        if (client === c) client = null;
        if (!closed) setTimeout(() => void reconnect(), 500);
      });
      await c.connect();
      await c.query(`listen ${channel}`);
      client = c;
    };
    const reconnect = async (): Promise<void> => {
      if (closed || client) return;
      try {
        await connect();
        onGap();
      } catch {
        setTimeout(() => void reconnect(), 500);
      }
    };
    await connect();
    return {
      async close() {
        closed = true;
        await client?.end();
      },
    };
  };
}
