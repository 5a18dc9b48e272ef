/**
 * Runs every benchmark of the project and prints one line per figure with its baseline and ratio
 * (`npm run bench`). Add a benchmark by listing it in BENCHMARKS.
 */
import { benchLorawanDecode } from './lorawan-decode';
import { benchLorawanEvent } from './lorawan-event';
import { benchTimeseriesWrite } from './timeseries-write';
import { BenchResult, Benchmark } from './types';

const BENCHMARKS: Benchmark[] = [benchLorawanEvent, benchLorawanDecode, benchTimeseriesWrite];

const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatResult(result: BenchResult): string {
  return `${result.name}  ${number.format(result.figure)} ${result.unit}  | baseline ${result.baselineName} ` +
    `${number.format(result.baseline)} ${result.unit} | ratio ${result.ratio.toFixed(2)}`;
}

async function main(): Promise<void> {
  for (const benchmark of BENCHMARKS) {
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
