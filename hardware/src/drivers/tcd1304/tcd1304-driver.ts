import { createTcd1304Decoder } from "../../decoders/tcd1304-decoder.ts";
import { DeviceError } from "../../errors.ts";
import { type Axis, createAxis, createDataToExport } from "../../model.ts";
import { createCounters, type DeviceIdentity, type Driver, type Frame } from "../driver.ts";
import {
  DEFAULT_QUEUE_FRAMES,
  DEFAULT_TIMEOUT_MS,
  type DriverOptions,
  deviceLabel,
} from "../driver-options.ts";
import { createFrameQueue, type FrameQueue } from "../frame-queue.ts";
import { settingsXml } from "../settings-xml.ts";
import { pumpTransport } from "../stream-pump.ts";
import { TCD1304_COMMANDS, type Tcd1304Frame } from "./tcd1304-protocol.ts";

export interface Tcd1304Settings {
  /** Integration time in µs; the board sends one frame per integration time. */
  readonly integrationUs: number;
}

/** Frames still in flight after STOP have arrived once the link is quiet this long. */
const QUIET_MS = 50;
const COUNTER_MODULO = 0x10000;

/**
 * A TCD1304 linear-CCD board streaming framed, CRC-16-checked frames: 1D uint16 over the pixel
 * index, plus the board's frame counter (0D) so gaps show in the file.
 */
export function createTcd1304Driver(options: DriverOptions): Driver<Tcd1304Settings> {
  const { transport } = options;
  const device = deviceLabel("tcd1304", transport);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const counters = createCounters();
  let settings: Tcd1304Settings = { integrationUs: 10_000 };
  let lastCommand = "";
  let queue: FrameQueue<Frame> | undefined;
  let pump: Promise<DeviceError | undefined> | undefined;
  let lastCounter: number | undefined;
  let sequence = 0;
  const axes = new Map<number, Axis>();
  const title = "TCD1304";

  const send = async (command: string) => {
    lastCommand = command.trim();
    try {
      await transport.write(command);
    } catch (error) {
      const e = DeviceError.from(error, "disconnected");
      throw new DeviceError(
        e.code,
        `${device}: ${e.message}`,
        { device, command: lastCommand },
        { cause: e },
      );
    }
  };

  const toFrame = (frame: Tcd1304Frame): Frame => {
    const n = frame.pixels.length;
    let axis = axes.get(n);
    if (!axis) {
      axis = createAxis({ label: "pixel", units: "", index: 0, offset: 0, scaling: 1, size: n });
      axes.set(n, axis);
    }
    sequence++;
    return {
      sequence,
      deviceSequence: frame.counter,
      bytes: frame.pixels.byteLength,
      data: createDataToExport({
        name: title,
        data: [
          {
            name: "CCD",
            data: [frame.pixels],
            labels: ["counts"],
            units: "ADU",
            origin: title,
            axes: [axis],
          },
          {
            name: "frame_counter",
            data: [Uint32Array.of(frame.counter)],
            labels: ["counter"],
            origin: title,
          },
        ],
      }),
    };
  };

  const startPump = () => {
    const decoder = createTcd1304Decoder();
    pump = pumpTransport(
      transport,
      decoder,
      (result) => {
        if (!result.ok) {
          counters.garbageBytes += result.error.code === "crc_mismatch" ? 0 : result.skipped;
          if (result.error.code === "crc_mismatch") counters.crcErrors++;
          else counters.badFrames++;
          return;
        }
        if (!queue) return; // stopped: frames still in flight are not wanted
        const counter = result.value.counter;
        if (lastCounter !== undefined) {
          counters.missed += (counter - lastCounter - 1 + COUNTER_MODULO) % COUNTER_MODULO;
        }
        lastCounter = counter;
        counters.frames++;
        queue.push(toFrame(result.value));
      },
      counters,
    );
    void pump.then((error) => {
      queue?.fail(
        error ?? new DeviceError("disconnected", `${device} was closed`, { device, command: lastCommand }),
      );
    });
  };

  return {
    name: "tcd1304",
    device,
    counters,
    get settings() {
      return settings;
    },
    async open(): Promise<DeviceIdentity> {
      transport.discard();
      startPump();
      // a board left streaming by an earlier session is stopped first
      await send(TCD1304_COMMANDS.stop());
      await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
      await send(TCD1304_COMMANDS.integration(settings.integrationUs));
      return { id: `TCD1304 board on ${transport.path}`, title };
    },
    async configure(changes) {
      const next = { ...settings, ...changes };
      if (!Number.isInteger(next.integrationUs) || next.integrationUs < 0) {
        throw new DeviceError(
          "invalid_config",
          `integration time must be an integer ≥ 0 µs, got ${next.integrationUs}`,
        );
      }
      await send(TCD1304_COMMANDS.integration(next.integrationUs));
      settings = next;
    },
    settingsXml() {
      return settingsXml(title, {
        detector_settings: [
          {
            name: "integration_time",
            title: "Integration time (µs)",
            value: settings.integrationUs,
            type: "int",
          },
          { name: "port", title: "Port", value: transport.path, readonly: true },
        ],
      });
    },
    async start() {
      sequence = 0;
      lastCounter = undefined;
      queue = createFrameQueue<Frame>(options.queueFrames ?? DEFAULT_QUEUE_FRAMES, () => {
        counters.dropped++;
      });
      await send(TCD1304_COMMANDS.start());
    },
    async *frames(): AsyncGenerator<Frame> {
      const current = queue;
      if (!current) return;
      const frameTimeout = timeoutMs + (2 * settings.integrationUs) / 1000;
      for (;;) {
        const frame = await current.next(
          frameTimeout,
          () =>
            new DeviceError(
              "timeout",
              `${device} sent no frame within ${Math.round(frameTimeout)} ms after '${lastCommand}'`,
              { device, command: lastCommand },
            ),
        );
        if (frame === undefined) return;
        yield frame;
      }
    },
    async stop() {
      const current = queue;
      queue = undefined;
      current?.end();
      if (transport.isOpen) await send(TCD1304_COMMANDS.stop()).catch(() => undefined);
    },
    async close() {
      const current = queue;
      queue = undefined;
      current?.end();
      if (transport.isOpen) await send(TCD1304_COMMANDS.stop()).catch(() => undefined);
      await transport.close();
      await pump;
    },
  };
}
