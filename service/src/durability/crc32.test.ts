import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { crc32 as zlibCrc32 } from "node:zlib";
import { crc32, crc32Implementation } from "./crc32.ts";

describe("the journal's CRC-32", () => {
  it("runs the native implementation here (else checksums silently cost 5× more)", () => {
    assert.equal(crc32Implementation, "native");
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
    const module = fileURLToPath(new URL("./crc32.ts", import.meta.url));
    const script = `const m = await import(${JSON.stringify(module)});
      console.log(JSON.stringify([m.crc32Implementation, m.crc32(new TextEncoder().encode("123456789"), 7)]));`;
    const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      env: { ...process.env, H5SAVER_CRC32: "zlib" },
      encoding: "utf8",
    });
    assert.deepEqual(JSON.parse(out), ["zlib", zlibCrc32(new TextEncoder().encode("123456789"), 7)]);
  });
});
