/**
 * `npm run fuzz`: the full fuzz run (20,000 inputs by default) against a bureau
 * of its own (web + workers on a cloned test database and queue prefix, like
 * the tests). `FUZZ_SEED` and `FUZZ_COUNT` choose the inputs; the same seed
 * gives the same inputs. Exits 1 when any input broke the promise.
 */
import { startTestBureau } from '../helpers/bureau.js';
import { formatReport, runFuzz } from './harness.js';

const seed = Number(process.env.FUZZ_SEED ?? 20261124);
const count = Number(process.env.FUZZ_COUNT ?? 20_000);
const b = await startTestBureau({ config: { maxWaitMs: 50, maxBacklog: 0 } });
try {
  console.log(`fuzz: seed ${seed}, ${count} inputs against ${b.url}`);
  const t0 = Date.now();
  const report = await runFuzz(b, { seed, count, concurrency: 16, progress: (n) => console.log(`  ${n} inputs`) });
  console.log(formatReport(report));
  console.log(`  took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  for (const f of report.failures.slice(0, 50)) console.log(`  FAIL ${f}`);
  process.exitCode = report.failures.length ? 1 : 0;
} finally {
  await b.close();
}
