export type {
  BrowseOptions,
  DatasetSlice,
  DatasetSummary,
  FileNode,
  FileTarget,
  NodeAttributeValue,
  ReadOptions,
} from "./file-reading.ts";
export type { BatchOptions } from "./frame-batch.ts";
export {
  type Ack,
  type ClosedFile,
  ContinuousUpload,
  createSaverClient,
  type OpenFileOptions,
  RemoteFile,
  SaverClient,
  SaverClientError,
  type SaverClientOptions,
  type ScanOptions,
  type ServerStatus,
  type SessionStatus,
  type StreamCounts,
} from "./saver-client.ts";
