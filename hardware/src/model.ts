/**
 * The domain model the drivers emit (PyMoDAQ's DataToExport / DataWithAxes / Axis), taken from
 * the service's model folder alone: `@h5saver/service` as a whole also loads h5wasm and the
 * writer, ~5 s that a driver never needs. Becomes `@h5saver/service/model` once the service
 * package exports that path.
 */
export {
  type Axis,
  createAxis,
  createDataToExport,
  type DataToExport,
  type DataWithAxes,
} from "../../service/src/model/index.ts";
