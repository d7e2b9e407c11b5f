import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { crc32 as zlibCrc32 } from "node:zlib";
import { crc32, crc32Ready } from "./crc32.ts";

describe("the journal's CRC-32", () => {
  it("runs the native implementation here (else checksums silently cost 5× more)", async () => {
    assert.equal(await crc32Ready, "native");
  });

  it("gives zlib's values, whole or continued piece by piece, for views at any offset", () => {
    for (const size of [1, 7, 64, 4096, 65_537, 512 * 1024 + 3]) {
      const bytes = randomBytes(size + 11).subarray(5, 5 + size);
      const whole = zlibCrc32(bytes);
      assert.equal(crc32(bytes), whole, `${size} bytes`);
      const cut = Math.floor(size / 3);
      assert.equal(crc32(bytes.subarray(cut), crc32(bytes.subarray(0, cut))), whole, `${size} bytes in two`);
    }
    assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926); // the check value
    const high = 0xfedc_ba98; // a checksum over 2^31 continued: unsigned in, unsigned out
    assert.equal(crc32(new Uint8Array([1, 2, 3]), high), zlibCrc32(new Uint8Array([1, 2, 3]), high));
  });

  it("checksums bytes in WebAssembly memory (where HDF5's chunks are) as any others", () => {
    // this project's TypeScript libraries leave WebAssembly's types out; Node has it
    const wasm = (
      globalThis as unknown as {
        WebAssembly: { Memory: new (pages: { initial: number }) => { buffer: ArrayBuffer } };
      }
    ).WebAssembly;
    const memory = new wasm.Memory({ initial: 2 });
    const bytes = new Uint8Array(memory.buffer, 1000, 70_000);
    bytes.set(randomBytes(bytes.length));
    assert.equal(crc32(bytes), zlibCrc32(bytes));
  });

  it("leaves a checksum as it is for empty bytes, also a view over an empty buffer", () => {
    assert.equal(crc32(new Uint8Array(0), 0x1234_5678), 0x1234_5678);
    assert.equal(crc32(new Uint8Array(new ArrayBuffer(0)), 0xdead_beef), 0xdead_beef);
    assert.equal(crc32(new Uint8Array(8).subarray(8), 42), 42);
    assert.equal(crc32(new Uint8Array(0)), 0);
  });

  it("falls back to zlib's with H5SAVER_CRC32=zlib, with the same values", () => {
    const module = new URL("./crc32.ts", import.meta.url).href;
    const script = `const m = await import(${JSON.stringify(module)});
      console.log(JSON.stringify([await m.crc32Ready, m.crc32(new TextEncoder().encode("123456789"), 7)]));`;
    const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      env: { ...process.env, H5SAVER_CRC32: "zlib" },
      encoding: "utf8",
    });
    assert.deepEqual(JSON.parse(out), ["zlib", zlibCrc32(new TextEncoder().encode("123456789"), 7)]);
  });
});
