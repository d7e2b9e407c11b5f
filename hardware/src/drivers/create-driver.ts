import { createCameraDriver } from "./camera/camera-driver.ts";
import { createDmmDriver } from "./dmm/dmm-driver.ts";
import type { Driver, DriverName } from "./driver.ts";
import type { DriverOptions } from "./driver-options.ts";
import { createSr830Driver } from "./sr830/sr830-driver.ts";
import { createTcd1304Driver } from "./tcd1304/tcd1304-driver.ts";
import { createUsb2000Driver } from "./usb2000/usb2000-driver.ts";

/** The settings each driver's `configure` takes, and whether each is a number or a word. */
export const DRIVER_SETTINGS: Readonly<Record<DriverName, Readonly<Record<string, "number" | "string">>>> = {
  dmm: { nplc: "number", dialect: "string" },
  sr830: { frequency: "number", sensitivity: "number", timeConstant: "number" },
  usb2000: { integrationTimeUs: "number" },
  tcd1304: { integrationUs: "number" },
  camera: { width: "number", height: "number", dtype: "string", fps: "number" },
};

/** The driver of `name` on an open transport. */
export function createDriver(name: DriverName, options: DriverOptions): Driver {
  switch (name) {
    case "dmm":
      return createDmmDriver(options);
    case "sr830":
      return createSr830Driver(options);
    case "usb2000":
      return createUsb2000Driver(options);
    case "tcd1304":
      return createTcd1304Driver(options);
    case "camera":
      return createCameraDriver(options);
  }
}
