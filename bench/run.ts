/**
 * Runs every benchmark of the project and prints one line per figure with its baseline and ratio
 * (`npm run bench`). Add a benchmark by listing it in BENCHMARKS. BENCH_ONLY (comma-separated names
 * of BENCHMARKS, e.g. `BENCH_ONLY=ingest-e2e`) runs only those.
 */
import { benchIngestE2e } from './ingest-e2e';
import { benchLorawanDecode } from './lorawan-decode';
import { benchLorawanEvent } from './lorawan-event';
import { benchTimeseriesWrite } from './timeseries-write';
import { BenchResult, Benchmark } from './types';

const BENCHMARKS: Record<string, Benchmark> = {
  'lorawan-event': benchLorawanEvent,
  'lorawan-decode': benchLorawanDecode,
  'timeseries-write': benchTimeseriesWrite,
  // Last: it runs two Node-RED processes with their own broker and database (a few minutes).
  'ingest-e2e': benchIngestE2e,
};

const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatResult(result: BenchResult): string {
  return `${result.name}  ${number.format(result.figure)} ${result.unit}  | baseline ${result.baselineName} ` +
    `${number.format(result.baseline)} ${result.unit} | ratio ${result.ratio.toFixed(2)}`;
}

function selected(): Benchmark[] {
  const only = (process.env.BENCH_ONLY ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = only.filter((name) => !(name in BENCHMARKS));
  if (unknown.length > 0) throw new Error(`BENCH_ONLY names unknown benchmarks: ${unknown.join(', ')} (known: ${Object.keys(BENCHMARKS).join(', ')})`);
  return Object.entries(BENCHMARKS).filter(([name]) => only.length === 0 || only.includes(name)).map(([, benchmark]) => benchmark);
}

async function main(): Promise<void> {
  for (const benchmark of selected()) {
    const results = await benchmark();
    for (const result of Array.isArray(results) ? results : [results]) process.stdout.write(`${formatResult(result)}\n`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
