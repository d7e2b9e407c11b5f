/**
 * @h5saver/hardware: instrument drivers (serial, usbtmc), their wire-protocol simulators, and
 * `acquire`, which streams a driver's frames into an h5saver server.
 */
export {
  type AcquireOptions,
  type AcquireProgress,
  type AcquireSummary,
  acquire,
  type StopReason,
} from "./acquire/acquire.ts";
export { progressText, summaryText } from "./acquire/progress-text.ts";
export type { ReconnectOptions } from "./acquire/reconnect.ts";
export { createCameraDecoder } from "./decoders/camera-decoder.ts";
export type { Decoded, Decoder } from "./decoders/decoded.ts";
export {
  CAMERA_COMMANDS,
  type CameraMessage,
  encodeCameraMessage,
} from "./drivers/camera/camera-protocol.ts";
export { createDriver, DRIVER_SETTINGS } from "./drivers/create-driver.ts";
export {
  type DeviceIdentity,
  DRIVER_NAMES,
  type Driver,
  type DriverCounters,
  type DriverName,
  type Frame,
  isDriverName,
} from "./drivers/driver.ts";
export type { DriverOptions } from "./drivers/driver-options.ts";
export { DEVICE_ERROR_CODES, DeviceError, type DeviceErrorCode, isDeviceError } from "./errors.ts";
export { createSimulator } from "./simulators/create-simulator.ts";
export { type FaultPlan, parseFaults } from "./simulators/fault-plan.ts";
export { type MemorySimulator, startMemorySimulator } from "./simulators/memory-simulator.ts";
export {
  type PtySimulator,
  type PtySimulatorOptions,
  startPtySimulator,
} from "./simulators/pty-simulator.ts";
export type { Simulator } from "./simulators/simulator.ts";
export { createMemoryLink, type MemoryLink } from "./transport/memory-transport.ts";
export { createPtyPair, type PtyPair } from "./transport/pty-pair.ts";
export { openSerialTransport, type SerialOptions } from "./transport/serial-transport.ts";
export type { Transport } from "./transport/transport.ts";
