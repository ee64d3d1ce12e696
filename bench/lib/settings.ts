/**
 * The bench's command line (usage in bench/run.ts), parsed once on first
 * import, and the settings every phase reads from it.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';

export const { values: args } = parseArgs({
  options: {
    soak: { type: 'boolean', default: false },
    actions: { type: 'string' },
    seconds: { type: 'string' },
    profile: { type: 'boolean', default: false },
    'node-flags': { type: 'string' },
    only: { type: 'string' },
    'no-docs': { type: 'boolean', default: false },
    users: { type: 'string' },
    rounds: { type: 'string' },
    set: { type: 'string', multiple: true },
    'best-peer': { type: 'string' },
  },
});

export const ROOT = process.cwd();
export const RESULTS = path.join(ROOT, 'bench', 'results');
export const LOGS = path.join(RESULTS, 'logs');
export const SECONDS = args.seconds ? Number(args.seconds) : 30;
export const ONE_LANE_SECONDS = Math.max(5, Math.round(SECONDS / 2));
export const LANES = 64;
/** Users the 64 lanes are spread over (8 by default: admins, half per tenant); more only to study the per-user feed lock. */
export const USERS = args.users ? Math.max(2, Number(args.users)) : 8;
/** Back-pressure threshold for the bench's bureau (MAX_BACKLOG): low enough that the overload phase reaches it in seconds. */
export const BENCH_MAX_BACKLOG = 2000;
/** `--set KEY=VALUE` (repeatable): extra configuration for every bureau process, e.g. WORKER_CONCURRENCY=32. */
export const EXTRA_ENV = Object.fromEntries((args.set ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
/** Turns each side (baseline, bureau, the peers...) takes under each load. */
export const ROUNDS = args.rounds ? Math.max(1, Number(args.rounds)) : 2;
/** Every phase, in the order `npm run bench` runs them (all of them without `--only`). */
export const PHASES = ['baseline', 'bureau', 'peers', 'one-user', 'latency', 'pg', 'mixed', 'overload', 'fairness'] as const;
/** Phases run only when `--only` names them. */
export const EXTRA_PHASES = ['fairness-cycles'] as const;
export type Phase = (typeof PHASES)[number] | (typeof EXTRA_PHASES)[number];
const isPhase = (p: string): p is Phase => ([...PHASES, ...EXTRA_PHASES] as readonly string[]).includes(p);
const chosen = args.only?.split(',').map((p) => p.trim()).filter(Boolean) ?? [...PHASES];
const unknown = chosen.filter((p) => !isPhase(p));
if (unknown.length) throw new Error(`--only: unknown phase ${unknown.join(', ')} (phases: ${[...PHASES, ...EXTRA_PHASES].join(', ')})`);
export const phases = new Set<string>(chosen);
/** Offered rates of the latency phase, as fractions of the baseline's 64-lane closed-loop capacity in the same run. */
export const LATENCY_FRACTIONS = [0.25, 0.5, 0.75] as const;
/** Measured window of each open-loop run of the latency phase (one per side and rate). */
export const LATENCY_SECONDS = Math.max(5, Math.round(SECONDS / 3));
export const log = (m: string) => process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
