import { createCameraDecoder } from "../../decoders/camera-decoder.ts";
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
import {
  CAMERA_COMMANDS,
  CAMERA_DTYPE_BYTES,
  CAMERA_DTYPES,
  type CameraDType,
  type CameraImage,
} from "./camera-protocol.ts";

export interface CameraSettings {
  readonly width: number;
  readonly height: number;
  readonly dtype: CameraDType;
  /** Frames per second asked of the camera; 0 = as fast as the link takes them. */
  readonly fps: number;
}

const SEQUENCE_MODULO = 2 ** 32;

/**
 * The slowest link a camera streams images over (a full-speed USB CDC-ACM port moves ~1 MB/s):
 * the wait for the next image allows for its transfer at this rate, so that a large image (an
 * 8 MiB 2048² frame takes ~8 s at 1 MB/s, seconds through a busy pseudo-terminal) is not taken
 * for a silent camera.
 */
const SLOW_LINK_BYTES_PER_S = 1_000_000;

/** Milliseconds one image of `settings` takes on the slowest link. */
function transferMs(settings: CameraSettings): number {
  const bytes = settings.width * settings.height * CAMERA_DTYPE_BYTES[settings.dtype];
  return (1000 * bytes) / SLOW_LINK_BYTES_PER_S;
}

/**
 * A 2D camera on the h5saver camera protocol v1: commands answered by text messages, images
 * framed with CRC-32. Frames hold the image (2D, y then x) and the camera's sequence number (0D).
 */
export function createCameraDriver(options: DriverOptions): Driver<CameraSettings> {
  const { transport } = options;
  const device = deviceLabel("camera", transport);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const counters = createCounters();
  let settings: CameraSettings = { width: 640, height: 480, dtype: "uint16", fps: 30 };
  let identity: DeviceIdentity | undefined;
  let lastCommand = "";
  let queue: FrameQueue<Frame> | undefined;
  let pump: Promise<DeviceError | undefined> | undefined;
  let pumpError: DeviceError | undefined;
  let lastSequence: number | undefined;
  let sequence = 0;
  const replies: ((text: string) => void)[] = [];
  let commandChain: Promise<unknown> = Promise.resolve();
  const axes = new Map<string, readonly [Axis, Axis]>();
  const title = () => identity?.title ?? "Camera";

  const fail = (code: DeviceError["code"], message: string, cause?: unknown) =>
    new DeviceError(code, `${device}: ${message}`, { device, command: lastCommand }, { cause });

  /** Sends one command and resolves with its text reply; one command in flight at a time. */
  const command = (text: string): Promise<string> => {
    const run = commandChain.then(async () => {
      lastCommand = text.trim();
      if (pumpError) throw fail(pumpError.code, pumpError.message, pumpError);
      const reply = new Promise<string>((resolve) => replies.push(resolve));
      try {
        await transport.write(text);
      } catch (error) {
        replies.pop();
        throw fail("disconnected", DeviceError.from(error).message, error);
      }
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          replies.shift();
          reject(
            new DeviceError("timeout", `${device} did not answer '${lastCommand}' within ${timeoutMs} ms`, {
              device,
              command: lastCommand,
            }),
          );
        }, timeoutMs);
      });
      try {
        return await Promise.race([reply, timeout]);
      } finally {
        clearTimeout(timer);
      }
    });
    commandChain = run.catch(() => undefined);
    return run;
  };

  const expectOk = async (text: string) => {
    const reply = await command(text);
    if (reply !== "OK") throw fail("protocol", `'${lastCommand}' was answered '${reply}'`);
  };

  const toFrame = (image: CameraImage): Frame => {
    const key = `${image.width}x${image.height}`;
    let pair = axes.get(key);
    if (!pair) {
      pair = [
        createAxis({ label: "y", units: "pixel", index: 0, offset: 0, scaling: 1, size: image.height }),
        createAxis({ label: "x", units: "pixel", index: 1, offset: 0, scaling: 1, size: image.width }),
      ];
      axes.set(key, pair);
    }
    sequence++;
    return {
      sequence,
      deviceSequence: image.sequence,
      bytes: image.pixels.byteLength,
      data: createDataToExport({
        name: title(),
        data: [
          {
            name: "image",
            data: [image.pixels],
            shape: [image.height, image.width],
            labels: ["intensity"],
            units: "ADU",
            origin: title(),
            axes: pair,
          },
          { name: "sequence", data: [Uint32Array.of(image.sequence)], labels: ["sequence"], origin: title() },
        ],
      }),
    };
  };

  return {
    name: "camera",
    device,
    counters,
    get settings() {
      return settings;
    },
    async open() {
      transport.discard();
      pump = pumpTransport(
        transport,
        createCameraDecoder(),
        (result) => {
          if (!result.ok) {
            if (result.error.code === "crc_mismatch") counters.crcErrors++;
            else {
              counters.badFrames++;
              counters.garbageBytes += result.skipped;
            }
            return;
          }
          const message = result.value;
          if (message.kind === "text") {
            replies.shift()?.(message.text);
            return;
          }
          if (!queue) return;
          if (lastSequence !== undefined) {
            counters.missed += (message.sequence - lastSequence - 1 + SEQUENCE_MODULO) % SEQUENCE_MODULO;
          }
          lastSequence = message.sequence;
          counters.frames++;
          queue.push(toFrame(message));
        },
        counters,
      );
      void pump.then((error) => {
        pumpError = error ?? new DeviceError("disconnected", "closed");
        queue?.fail(fail(pumpError.code, pumpError.message, pumpError));
      });
      await expectOk(CAMERA_COMMANDS.stop());
      const id = await command(CAMERA_COMMANDS.identify());
      const [maker, model] = id.split(",");
      if (!maker || !model)
        throw fail("protocol", `'*IDN?' answered '${id}', not maker,model,serial,firmware`);
      identity = { id, title: `${maker} ${model}` };
      await this.configure({});
      return identity;
    },
    async configure(changes) {
      const next = { ...settings, ...changes };
      if (!CAMERA_DTYPES.includes(next.dtype)) throw new DeviceError("invalid_config", `dtype ${next.dtype}`);
      await expectOk(CAMERA_COMMANDS.size(next.width, next.height));
      await expectOk(CAMERA_COMMANDS.dtype(next.dtype));
      await expectOk(CAMERA_COMMANDS.rate(next.fps));
      settings = next;
    },
    settingsXml() {
      return settingsXml(title(), {
        detector_settings: [
          { name: "idn", title: "Identity", value: identity?.id ?? "", readonly: true },
          { name: "width", title: "Width (pixels)", value: settings.width, type: "int" },
          { name: "height", title: "Height (pixels)", value: settings.height, type: "int" },
          { name: "dtype", title: "Pixel type", value: settings.dtype, type: "str" },
          { name: "fps", title: "Frame rate (Hz)", value: settings.fps, type: "float" },
        ],
      });
    },
    async start() {
      sequence = 0;
      lastSequence = undefined;
      queue = createFrameQueue<Frame>(options.queueFrames ?? DEFAULT_QUEUE_FRAMES, () => {
        counters.dropped++;
      });
      await expectOk(CAMERA_COMMANDS.start());
    },
    async *frames(): AsyncGenerator<Frame> {
      const current = queue;
      if (!current) return;
      const frameTimeout = timeoutMs + (settings.fps > 0 ? 2000 / settings.fps : 0) + transferMs(settings);
      for (;;) {
        const frame = await current.next(
          frameTimeout,
          () =>
            new DeviceError(
              "timeout",
              `${device} sent no image within ${Math.round(frameTimeout)} ms after '${lastCommand}'`,
              {
                device,
                command: lastCommand,
              },
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
      if (!pumpError) await expectOk(CAMERA_COMMANDS.stop()).catch(() => undefined);
    },
    async close() {
      const current = queue;
      queue = undefined;
      current?.end();
      // a camera left streaming would fill the link for the next program that opens it
      if (current && !pumpError) await expectOk(CAMERA_COMMANDS.stop()).catch(() => undefined);
      await transport.close();
      await pump;
    },
  };
}
