import { type CameraSimulatorOptions, createCameraSimulator } from "../drivers/camera/camera-simulator.ts";
import { createDmmSimulator } from "../drivers/dmm/dmm-simulator.ts";
import type { DriverName } from "../drivers/driver.ts";
import { createSr830Simulator } from "../drivers/sr830/sr830-simulator.ts";
import { createTcd1304Simulator } from "../drivers/tcd1304/tcd1304-simulator.ts";
import { createUsb2000Simulator } from "../drivers/usb2000/usb2000-simulator.ts";
import type { Simulator } from "./simulator.ts";

/** Options every simulator takes; the camera's image settings are its power-up defaults. */
export type AnySimulatorOptions = CameraSimulatorOptions;

export function createSimulator(name: DriverName, options: AnySimulatorOptions = {}): Simulator {
  switch (name) {
    case "dmm":
      return createDmmSimulator(options);
    case "sr830":
      return createSr830Simulator(options);
    case "usb2000":
      return createUsb2000Simulator(options);
    case "tcd1304":
      return createTcd1304Simulator(options);
    case "camera":
      return createCameraSimulator(options);
  }
}
