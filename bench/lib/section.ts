// One section of `npm run bench`: a module in bench/lib/ exporting a BenchSection, listed once
// in bench/run.ts. `npm run bench` runs every section in the list; `npm run bench -- NAME ...`
// runs the named ones only (a quick subset), written to bench/results/NAME.json.

export interface Target {
  name: string;
  target: string;
  value: number | undefined;
  met: boolean;
}

/** A figure reported for information, with no pass or fail (e.g. a withdrawn target's ratio). */
export interface Information {
  name: string;
  value: number | undefined;
  note: string;
}

export interface BenchContext {
  log(msg: string): void;
  /** Free-text notes of the run (the JSON's `notes`). */
  notes: string[];
  /** A temporary directory of the run, removed at its end. */
  tmp: string;
  /** Every load: this many connections for this many seconds, after a warm-up not counted. */
  load: { connections: number; durationS: number; warmUpS: number };
  /**
   * PostgreSQL: BENCH_DATABASE_URL, else a throw-away cluster started on the first call and
   * stopped at the end of the run. Throws when neither is available.
   */
  postgresUrl(): Promise<string>;
  /** What earlier sections of this run shared (e.g. the PGlite section's running server). */
  shared: Map<string, unknown>;
}

export interface SectionResult {
  /** Top-level keys of the JSON document this section writes. */
  figures: Record<string, unknown>;
  targets?: Target[];
  information?: Information[];
}

export interface BenchSection {
  /** `npm run bench -- NAME` runs it alone. */
  name: string;
  /** One line for `npm run bench -- --list`. */
  description: string;
  /** False: only when named (a part of another section, for a quick run of that part). */
  inFullRun?: boolean;
  /** False: runs on the TypeScript sources (tsx), so `npm run bench -- NAME` skips the build. */
  needsBuild?: boolean;
  run(ctx: BenchContext): Promise<SectionResult>;
}
