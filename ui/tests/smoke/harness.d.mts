/** The in-test fake of the web harness (see harness.mjs). */
export interface Harness {
  url: string;
  reset(): void;
  insertCard(): void;
  removeCard(): void;
  /** Emit `result_expired` for the result opened last. */
  expireResult(): void;
  close(): Promise<void>;
}
export function startHarness(): Promise<Harness>;
export function tinyPdf(text: string): string;
