import { invalidData } from "../errors.ts";
import { createDataWithAxes, type DataWithAxes, type DataWithAxesInput } from "./data-with-axes.ts";

/** PyMoDAQ's `DataToExport`: what one detector hands over in one acquisition. */
export interface DataToExport {
  readonly name: string;
  /** Seconds since the epoch of the acquisition (the time axis of continuous saving). */
  readonly timestamp: number;
  readonly data: readonly DataWithAxes[];
}

export interface DataToExportInput {
  readonly name: string;
  readonly timestamp?: number;
  readonly data: readonly (DataWithAxes | DataWithAxesInput)[];
}

export function createDataToExport(input: DataToExportInput): DataToExport {
  if (typeof input.name !== "string" || input.name.length === 0) {
    throw invalidData("name", "a DataToExport needs a non-empty name");
  }
  const timestamp = input.timestamp ?? Date.now() / 1000;
  if (!Number.isFinite(timestamp)) throw invalidData("timestamp", "must be a finite number of seconds");
  if (input.data.length === 0) throw invalidData("data", "a DataToExport needs at least one DataWithAxes");
  const data = input.data.map((dwa, i) =>
    createDataWithAxes({ timestamp, ...dwa } as DataWithAxesInput, `data[${i}]`),
  );
  return { name: input.name, timestamp, data };
}
