/**
 * Live feed notices for the bullmq-outbox peer: the worker PUBLISHes
 * `{user, seq, body?}` after its COMMIT and the web SUBSCRIBEs. Redis pub/sub
 * keeps nothing for a subscriber that is away, so every time the subscription
 * comes back after a loss `onGap` tells each socket to read the feed table
 * (ioredis subscribes again by itself on reconnect).
 */
import { Redis } from 'ioredis';
import type { FeedNotice } from '../common/finish.js';

export const feedChannel = (prefix: string): string => `${prefix}:feed`;

export async function redisLive(redisUrl: string, channel: string, deliver: (n: FeedNotice) => void, onGap: () => void): Promise<{ close(): Promise<void> }> {
  const sub = new Redis(redisUrl, { maxRetriesPerRequest: null });
  let lost = false;
  sub.on('error', (err: Error) => console.error(`feed subscriber: ${err.message}`));
  sub.on('close', () => {
    lost = true;
  });
  sub.on('ready', () => {
    if (!lost) return;
    lost = false;
    onGap();
  });
  sub.on('message', (ch: string, payload: string) => {
    if (ch === channel) deliver(JSON.parse(payload) as FeedNotice);
  });
  // Not awaited: a web that starts while Redis is away still accepts actions (the outbox keeps them) and serves resumes from the table.
  sub.subscribe(channel).catch((err: Error) => console.error(`feed subscribe failed: ${err.message}`));
  return {
    async close() {
      await sub.quit().catch(() => sub.disconnect());
    },
  };
}
