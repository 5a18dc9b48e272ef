/**
 * Soak of the ingest (`npm run bench:soak`, issue 9): the shipped ingest flow of bench/ingest-e2e.ts
 * (its own Mosquitto, InfluxDB and Node-RED process, warmed up) fed 2,000 uplinks/s for 10 minutes.
 * The Node-RED process's RSS is sampled every 10 s and printed as a series; the slope of the second
 * half (least squares, MB/min) says whether memory is flat: below BENCH_SOAK_MAX_SLOPE (default
 * 1 MB/min, i.e. under 1.5 GB a day at most, and in practice the garbage collector's noise) it is.
 * The first half is left out: the heap grows to its working size in the first minutes. Also printed:
 * what was lost and the end-to-end latency over the whole soak.
 * Environment: BENCH_SOAK_SECONDS (600), BENCH_SOAK_RATE (2000), BENCH_SOAK_MAX_SLOPE (1).
 */
import { loadAverage, runPaced, startPipeline } from './ingest-e2e';

const SECONDS = Number(process.env.BENCH_SOAK_SECONDS) || 600;
const RATE = Number(process.env.BENCH_SOAK_RATE) || 2000;
const MAX_SLOPE = Number(process.env.BENCH_SOAK_MAX_SLOPE) || 1;
const SAMPLE_S = 10;

/** Least-squares slope of y over x. */
export function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxy / sxx;
}

async function main(): Promise<void> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const pipeline = await startPipeline('ours');
  const stopOnSignal = () => { void pipeline.stop().then(() => process.exit(130)); };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    out(`soak: ${RATE} uplinks/s for ${SECONDS} s into the shipped ingest flow (Node-RED pid ${pipeline.nodeRed.pid}, machine load average ${loadAverage()})`);
    const samples: Array<[number, number]> = [];
    const cpuStart = pipeline.nodeRed.cpuSeconds();
    const started = Date.now();
    const sampler = setInterval(() => {
      const elapsed = Math.round((Date.now() - started) / 1000);
      const { rssMb } = pipeline.nodeRed.memory();
      samples.push([elapsed, rssMb]);
      out(`  t=${String(elapsed).padStart(4)} s  RSS ${rssMb.toFixed(1)} MB`);
    }, SAMPLE_S * 1000);
    const paced = await runPaced(pipeline, RATE, SECONDS).finally(() => clearInterval(sampler));
    const cpuPercent = ((pipeline.nodeRed.cpuSeconds() - cpuStart) * 100) / SECONDS;
    const secondHalf = samples.filter(([t]) => t > SECONDS / 2 && t <= SECONDS);
    const mbPerMin = slope(secondHalf) * 60;
    const { peakMb } = pipeline.nodeRed.memory();
    out(`RSS series (MB, every ${SAMPLE_S} s): ${samples.map(([, mb]) => mb.toFixed(0)).join(' ')}`);
    out(`RSS slope over the second half: ${mbPerMin.toFixed(2)} MB/min (threshold ${MAX_SLOPE} MB/min) → ${Math.abs(mbPerMin) < MAX_SLOPE ? 'flat: PASS' : 'growing: FAIL'}`);
    out(`peak RSS ${peakMb.toFixed(0)} MB; Node-RED CPU ${cpuPercent.toFixed(0)} % of a core; machine load average ${loadAverage()}`);
    const errors = pipeline.nodeRed.log().split('\n').filter((l) => /\[(error|warn)\]/.test(l) && !/Projects disabled|unencrypted credentials/.test(l));
    if (errors.length > 0) out(`Node-RED log: ${errors.length} warnings/errors:\n  ${errors.slice(0, 40).join('\n  ')}${errors.length > 40 ? '\n  …' : ''}`);
    out(`uplinks: ${paced.published} published, ${paced.stored} stored, ${paced.lost} lost → ${paced.lost === 0 ? 'PASS' : 'FAIL'}`);
    out(`end-to-end latency (${paced.samples} probe samples): p50 ${paced.p50Ms.toFixed(0)} ms, p99 ${paced.p99Ms.toFixed(0)} ms, max ${paced.maxMs.toFixed(0)} ms`
      + `${paced.missingProbes > 0 ? `, ${paced.missingProbes} probe uplinks never seen` : ''}`);
  } finally {
    process.removeListener('SIGINT', stopOnSignal);
    process.removeListener('SIGTERM', stopOnSignal);
    await pipeline.stop();
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`soak failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
