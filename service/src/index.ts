export type {
  Compression,
  DatasetInfo,
  DatasetSpec,
  H5Backend,
  NodeEntry,
  StoredAttribute,
} from "./backend/h5-backend.ts";
export { loadH5wasm, openH5wasmFile } from "./backend/h5wasm-backend.ts";
export { nativeHdf5, openNativeHdf5File } from "./backend/native-hdf5-backend.ts";
export { type BackendName, backendFor, openH5File } from "./backend/open-h5-file.ts";
export { ProgressLine } from "./cli/progress-line.ts";
export { type RecoveryOptions, type RecoveryReport, recoverFile } from "./durability/recover.ts";
export * from "./errors.ts";
export { pymodaqFilePath } from "./layout/file-naming.ts";
export { type AddDataOptions, H5Saver, type InitFileOptions } from "./layout/h5-saver.ts";
export { type LoadedData, PyMoDAQLoader } from "./layout/loader.ts";
export { decodeAttribute } from "./layout/pymodaq-attribute.ts";
export { PYMODAQ_LAYOUT_VERSION, PyMoDAQTree, type SaveType } from "./layout/pymodaq-tree.ts";
export * from "./layout/saver-file.ts";
export { LAYOUT_FLAVOURS, type LayoutFlavour } from "./layout/v3/layout-flavour.ts";
export { isLayoutV3, PyMoDAQ3Loader } from "./layout/v3/v3-loader.ts";
export * from "./model/index.ts";
export { formatTree, type TreeShape } from "./reading/format-tree.ts";
export { openSaverFile, WorkerSaverFile } from "./worker/worker-saver-file.ts";
