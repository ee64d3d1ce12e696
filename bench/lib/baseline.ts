import { pickFreePort } from '../../src/infra/free-port.js';
import { connectUsers, type Connected, type Target, type UserSlot } from './load.js';
import { spawnProc } from './procs.js';
import { dropPrefix, type Services } from './services.js';
import { LOGS } from './settings.js';
import { baselineTarget } from './targets.js';

export interface BaselineSide {
  target: Target;
  conns: Connected[];
  procs: { name: string; pid: number }[];
  stop(): Promise<void>;
}

/** The reference pipeline's two processes, with every user's websocket open. */
export async function startBaseline(svc: Services, users: UserSlot[]): Promise<BaselineSide> {
  const port = await pickFreePort();
  const prefix = `benchbase${process.pid}`;
  const env = { ...process.env, PORT: String(port), REDIS_URL: svc.redisUrl, DATABASE_URL: svc.databaseUrl, BASE_PREFIX: prefix };
  const web = spawnProc('baseline-web', ['--import', 'tsx', 'bench/baseline/web.ts'], env, LOGS);
  const worker = spawnProc('baseline-worker', ['--import', 'tsx', 'bench/baseline/worker.ts'], env, LOGS);
  const stop = async () => {
    await Promise.allSettled([web.stop(), worker.stop()]);
    await dropPrefix(svc.redisUrl, prefix);
  };
  try {
    await Promise.all([web.waitFor(/listening/), worker.waitFor(/ready/)]);
    return await connectedSide(baselineTarget(`http://127.0.0.1:${port}`), users, [web, worker], stop);
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A started side (the baseline, a peer) with every user's websocket open; `stop` closes them, then stops its processes. */
export async function connectedSide(target: Target, users: UserSlot[], procs: { name: string; pid: number }[], stopProcs: () => Promise<void>): Promise<BaselineSide> {
  const conns = await connectUsers(target, users);
  return {
    target,
    conns,
    procs,
    async stop() {
      for (const c of conns) c.feed.close();
      await stopProcs();
    },
  };
}
