/**
 * The domain model the drivers emit (PyMoDAQ's DataToExport / DataWithAxes / Axis), taken from
 * the service's model alone: `@h5saver/service` as a whole also loads h5wasm and the writer,
 * ~5 s that a driver never needs.
 */
export {
  type Axis,
  createAxis,
  createDataToExport,
  type DataToExport,
  type DataWithAxes,
} from "@h5saver/service/model";
