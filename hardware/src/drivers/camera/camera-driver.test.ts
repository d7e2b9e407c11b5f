import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DeviceError } from "../../errors.ts";
import { ptyDriver } from "../../testing/pty-driver.ts";
import { ptySkip } from "../../testing/socat.ts";
import { rejection, take } from "../../testing/take.ts";
import { cameraImage } from "./camera-simulator.ts";

describe("camera driver", { skip: ptySkip() }, () => {
  it("configures size and dtype over a pty and streams 2D frames with x/y axes", async () => {
    const { driver } = await ptyDriver("camera");
    const identity = await driver.open();
    assert.equal(identity.title, "h5saver SimCam-2D");
    await driver.configure({ width: 64, height: 48, dtype: "uint16", fps: 200 });
    await driver.start();
    const frames = await take(driver.frames(), 10);
    await driver.stop();
    const last = frames[9];
    const image = last?.data.data.find((d) => d.name === "image");
    assert.equal(image?.dim, "Data2D");
    assert.deepEqual(image?.shape, [48, 64]);
    assert.deepEqual(image?.data[0], cameraImage(last?.deviceSequence as number, 64, 48, "uint16"));
    assert.deepEqual(
      image?.axes.map((a) => [a.label, a.index, a.data.length]),
      [
        ["y", 0, 48],
        ["x", 1, 64],
      ],
    );
  });

  it("carries a 2048×2048 uint16 image (8 MiB) through the pty intact", async () => {
    const { driver } = await ptyDriver("camera");
    await driver.open();
    await driver.configure({ width: 2048, height: 2048, dtype: "uint16", fps: 0 });
    await driver.start();
    const [frame] = await take(driver.frames(), 1);
    await driver.stop();
    const image = frame?.data.data[0];
    assert.deepEqual(image?.shape, [2048, 2048]);
    assert.deepEqual(image?.data[0], cameraImage(frame?.deviceSequence as number, 2048, 2048, "uint16"));
  });

  it("reports a refused setting as a protocol error naming the command", async () => {
    const { driver } = await ptyDriver("camera");
    await driver.open();
    const error = await rejection(driver.configure({ width: 70_000 }));
    assert.ok(error instanceof DeviceError);
    assert.equal(error.code, "protocol");
    assert.equal(error.details.command, "SIZE 70000 480");
    assert.match(error.message, /ERR size/);
  });

  it("drops the oldest frames, counted, when the consumer falls behind a fast camera", async () => {
    const { driver } = await ptyDriver("camera", { queueFrames: 3 });
    await driver.open();
    await driver.configure({ width: 32, height: 8, fps: 0 });
    await driver.start();
    // nobody reads for a while: frames pile up past the queue's 3
    while (driver.counters.frames < 20) await new Promise((resolve) => setTimeout(resolve, 10));
    const frames = await take(driver.frames(), 3);
    await driver.stop();
    const c = driver.counters;
    assert.ok(c.dropped >= 17, `dropped ${c.dropped} of ${c.frames}`);
    assert.equal(c.missed, 0);
    // what is left are the newest, consecutive frames
    const seq = frames.map((f) => f.deviceSequence as number);
    assert.deepEqual(seq, [seq[0], (seq[0] as number) + 1, (seq[0] as number) + 2]);
    assert.ok((seq[0] as number) >= 17);
  });
});
