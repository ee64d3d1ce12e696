/**
 * LISTEN on one channel, kept up: a lost connection is opened again (every
 * 500 ms until it works), and `onReconnect` then says that notifications may
 * have been missed meanwhile.
 */
import pg from 'pg';
import type { FeedNotice } from './finish.js';

export interface Listening {
  close(): Promise<void>;
}

export async function listen(databaseUrl: string, channel: string, onPayload: (payload: string) => void, onReconnect: () => void): Promise<Listening> {
  let client: pg.Client | null = null;
  let closed = false;
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: databaseUrl });
    c.on('notification', (m) => {
      if (m.channel === channel) onPayload(m.payload ?? '');
    });
    c.on('error', (err) => {
      console.error(`listener on ${channel} lost: ${err.message}`);
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
      onReconnect();
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
}

/** Where a peer's web gets live feed notices from; `onGap`: some may have been missed, every socket should read the table. */
export type LiveSource = (deliver: (n: FeedNotice) => void, onGap: () => void) => Promise<Listening>;

/** Live feed notices by LISTEN on the peer's feed channel (the PostgreSQL peers' workers NOTIFY in their transaction). */
export function pgListen(databaseUrl: string, channel: string): LiveSource {
  return (deliver, onGap) => listen(databaseUrl, channel, (payload) => deliver(JSON.parse(payload) as FeedNotice), onGap);
}
