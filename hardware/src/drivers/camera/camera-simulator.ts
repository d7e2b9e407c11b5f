import { createFaultInjector, GARBAGE } from "../../simulators/fault-plan.ts";
import type { Simulator, SimulatorOptions } from "../../simulators/simulator.ts";
import {
  CAMERA_DTYPES,
  CAMERA_HEADER_BYTES,
  type CameraDType,
  type CameraPixels,
  encodeCameraMessage,
} from "./camera-protocol.ts";

export const CAMERA_SIM_IDENTITY = "h5saver,SimCam-2D,SC000042,1.0";

/** Pixel (x, y) of image k: diagonal ramps that move by 7 per frame, within 12 bits. */
export function cameraPixel(k: number, x: number, y: number): number {
  return (x * 3 + y * 5 + k * 7) % 4096;
}

export function cameraImage(k: number, width: number, height: number, dtype: CameraDType): CameraPixels {
  const n = width * height;
  const out =
    dtype === "uint8"
      ? new Uint8Array(n)
      : dtype === "uint16"
        ? new Uint16Array(n)
        : dtype === "uint32"
          ? new Uint32Array(n)
          : new Float32Array(n);
  const mask = dtype === "uint8" ? 0xff : 0xffff_ffff;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) out[row + x] = cameraPixel(k, x, y) & mask;
  }
  return out;
}

export interface CameraSimulatorOptions extends SimulatorOptions {
  readonly width?: number;
  readonly height?: number;
  readonly dtype?: CameraDType;
  readonly fps?: number;
}

/**
 * A camera speaking the h5saver camera protocol v1 (camera-protocol.ts): text replies to every
 * command, images after START at FPS (0 = as fast as the link takes them). Faults apply to images.
 */
export function createCameraSimulator(options: CameraSimulatorOptions = {}): Simulator {
  const faults = createFaultInjector(options.faults);
  let width = options.width ?? 640;
  let height = options.height ?? 480;
  let dtype: CameraDType = options.dtype ?? "uint16";
  let fps = options.fps ?? 30;
  let sequence = 0;
  let started = false;
  let gone = false;
  let streaming: Promise<void> | undefined;
  const t0 = process.hrtime.bigint();

  const stream = async (transport: Parameters<Simulator["run"]>[0]) => {
    const start = performance.now();
    let n = 0;
    while (started && !gone) {
      const wait = fps > 0 ? start + (n * 1000) / fps - performance.now() : 0;
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      else await new Promise((resolve) => setImmediate(resolve));
      if (!started || gone) return;
      n++;
      const fault = faults.next();
      if (fault.disconnect) {
        gone = true;
        await options.disconnect?.();
        return;
      }
      if (fault.stall) continue;
      const k = sequence;
      sequence = (sequence + 1) >>> 0;
      const message = encodeCameraMessage({
        kind: "image",
        sequence: k,
        deviceTimeNs: process.hrtime.bigint() - t0,
        width,
        height,
        dtype,
        pixels: cameraImage(k, width, height, dtype),
      });
      if (fault.corrupt)
        message[CAMERA_HEADER_BYTES + 5] = (message[CAMERA_HEADER_BYTES + 5] as number) ^ 0x01;
      if (fault.garbage) await transport.write(GARBAGE);
      await transport.write(message);
    }
  };

  const handle = async (line: string, transport: Parameters<Simulator["run"]>[0]): Promise<string> => {
    const [command = "", ...args] = line.split(/\s+/);
    switch (command.toUpperCase()) {
      case "*IDN?":
        return CAMERA_SIM_IDENTITY;
      case "SIZE": {
        const [w, h] = args.map(Number);
        if (!w || !h || w > 0xffff || h > 0xffff || !Number.isInteger(w) || !Number.isInteger(h)) {
          return "ERR size must be two integers 1 … 65535";
        }
        width = w;
        height = h;
        return "OK";
      }
      case "SIZE?":
        return `${width} ${height}`;
      case "DTYPE": {
        const d = args[0]?.toLowerCase();
        if (!(CAMERA_DTYPES as readonly string[]).includes(d ?? ""))
          return `ERR dtype must be one of ${CAMERA_DTYPES}`;
        dtype = d as CameraDType;
        return "OK";
      }
      case "FPS": {
        const f = Number(args[0]);
        if (!(f >= 0)) return "ERR fps must be ≥ 0";
        fps = f;
        return "OK";
      }
      case "EXPOSURE":
        return Number(args[0]) > 0 ? "OK" : "ERR exposure must be > 0 µs";
      case "START":
        if (!started) {
          started = true;
          streaming = stream(transport).catch(() => undefined);
        }
        return "OK";
      case "STOP":
        started = false;
        await streaming;
        return "OK";
      default:
        return `ERR unknown command ${command}`;
    }
  };

  return {
    name: "camera",
    get sent() {
      return faults.sent;
    },
    async run(transport) {
      let buffer = "";
      const text = new TextDecoder("latin1");
      try {
        for (;;) {
          const chunk = await transport.read();
          if (chunk === undefined || gone) break;
          buffer += text.decode(chunk);
          const lines = buffer.split("\n");
          buffer = lines.pop() ?? "";
          for (const line of lines.map((l) => l.trim()).filter((l) => l !== "")) {
            const reply = await handle(line, transport);
            if (!gone) await transport.write(encodeCameraMessage({ kind: "text", text: reply }));
          }
        }
      } catch {
        // the host went away or the port was pulled
      }
      started = false;
      await streaming;
    },
  };
}
