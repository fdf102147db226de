// The shape every scenario returns and the result file holds. Reports and comparisons are built
// from these alone, so a result file written on another machine renders the same way.

/** One comparable figure. Keys are dotted paths such as `open_loop.realtime.100k.spin.p99_us`. */
export interface Metric {
  value: number;
  unit: string;
  better: 'lower' | 'higher';
}

export type Cell = string | number | null;

export interface Table {
  title: string;
  columns: string[];
  rows: Cell[][];
  note?: string;
}

export interface Series {
  name: string;
  points: [number, number][];
}

export interface Chart {
  /** File name of the SVG, without a directory (written next to the report). */
  file: string;
  title: string;
  xLabel: string;
  yLabel: string;
  xLog?: boolean;
  yLog?: boolean;
  /** x is a percentile (50 .. 99.999): the axis spreads the tail (log of 1/(1 − p/100)). */
  xPercentile?: boolean;
  series: Series[];
}

export interface ScenarioResult {
  name: string;
  title: string;
  elapsedMs: number;
  /** Set when the scenario did not run (missing data, not applicable here). */
  skipped?: string;
  notes: string[];
  tables: Table[];
  charts: Chart[];
  metrics: Record<string, Metric>;
  /** Everything else the scenario measured (raw summaries, time series). */
  data: unknown;
}

export interface Environment {
  cpu: string;
  cores: number;
  availableParallelism: number;
  memoryGiB: number;
  platform: string;
  arch: string;
  kernel: string;
  node: string;
  v8: string;
  packages: Record<string, string>;
  loadAverage: number[];
  hostname: string;
}

export interface TargetCheck {
  target: string;
  measured: string;
  ok: boolean | null; // null: not measured in this run
  detail: string;
}

export interface BenchResult {
  schema: 1;
  startedAt: string;
  finishedAt: string;
  quick: boolean;
  argv: string[];
  environment: Environment;
  scenarios: ScenarioResult[];
  targets: TargetCheck[];
}
