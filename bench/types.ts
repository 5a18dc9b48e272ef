/** One figure of a benchmark, compared with a baseline measured in the same run on the same machine. */
export interface BenchResult {
  /** What was measured, e.g. `lorawan-event parse`. */
  name: string;
  figure: number;
  /** Unit of `figure` and `baseline`, e.g. `events/s`. */
  unit: string;
  /** What the figure is compared with, e.g. `JSON.parse`. */
  baselineName: string;
  baseline: number;
  /** figure / baseline: absolute figures drift between machines, ratios much less. */
  ratio: number;
}

/** A benchmark gives one figure or several (measured against the same baseline run). */
export type Benchmark = () => Promise<BenchResult | BenchResult[]>;
