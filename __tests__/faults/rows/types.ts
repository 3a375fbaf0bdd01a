// One row of the README's "When things go wrong" table, and the test that proves it.
export interface FaultRow {
  /** what went wrong, as on-call would name it */
  fault: string;
  /** what Glidepath does about it */
  does: string;
  /** where traffic ends up (the live slot at 100%, or the documented held state) */
  endState: string;
  /** the test that proves the row: its file from the repo root and its exact `it(...)` title */
  test: { file: string; name: string };
}
