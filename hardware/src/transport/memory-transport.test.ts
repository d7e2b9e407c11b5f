import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DeviceError } from "../errors.ts";
import { rejection } from "../testing/take.ts";
import { createMemoryLink } from "./memory-transport.ts";

describe("memory link", () => {
  it("carries bytes both ways in order, in chunks of at most maxChunk", async () => {
    const link = createMemoryLink({ maxChunk: 4 });
    await link.host.write("*IDN?\n");
    assert.deepEqual(new TextDecoder().decode(await link.device.read()), "*IDN");
    assert.deepEqual(new TextDecoder().decode(await link.device.read()), "?\n");
    await link.device.write(Uint8Array.of(1, 2, 3));
    assert.deepEqual([...((await link.host.read()) ?? [])], [1, 2, 3]);
  });

  it("times out a read without losing the bytes that come later", async () => {
    const link = createMemoryLink();
    const error = await rejection(link.host.read(10));
    assert.ok(error instanceof DeviceError && error.code === "timeout");
    await link.device.write("late");
    assert.equal(new TextDecoder().decode(await link.host.read(100)), "late");
  });

  it("reports a pulled link as disconnected on both ends, and a closed end as the end", async () => {
    const link = createMemoryLink();
    await link.device.write("last words");
    link.disconnect();
    // bytes that arrived before the pull are still read, then the loss is reported
    assert.equal(new TextDecoder().decode(await link.host.read()), "last words");
    const host = await rejection(link.host.read());
    assert.ok(host instanceof DeviceError && host.code === "disconnected");
    const other = createMemoryLink();
    await other.host.close();
    assert.equal(await other.host.read(), undefined);
    const device = await rejection(other.device.read());
    assert.ok(device instanceof DeviceError && device.code === "disconnected");
  });
});
