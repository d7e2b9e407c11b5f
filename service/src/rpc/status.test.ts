import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { status } from "@grpc/grpc-js";
import { SAVER_ERROR_CODES, SaverError } from "../errors.ts";
import { grpcStatus, INTERNAL_MESSAGE } from "./status.ts";

describe("grpcStatus()", () => {
  it("maps every SaverError code", () => {
    const expected = {
      invalid_data: status.INVALID_ARGUMENT,
      frame_mismatch: status.INVALID_ARGUMENT,
      not_found: status.NOT_FOUND,
      already_exists: status.ALREADY_EXISTS,
      failed_precondition: status.FAILED_PRECONDITION,
      out_of_range: status.OUT_OF_RANGE,
      file_unavailable: status.UNAVAILABLE,
      io_error: status.INTERNAL,
      permission_denied: status.PERMISSION_DENIED,
      unauthenticated: status.UNAUTHENTICATED,
      resource_exhausted: status.RESOURCE_EXHAUSTED,
      unavailable: status.UNAVAILABLE,
      internal: status.INTERNAL,
    };
    for (const code of SAVER_ERROR_CODES) {
      assert.equal(grpcStatus(new SaverError(code, "m")).code, expected[code], code);
    }
  });

  it("never says what a bug or a foreign error was", () => {
    const secret = "at /srv/secret/worker.ts:12 token=abc";
    for (const error of [new SaverError("internal", secret), new TypeError(secret), secret]) {
      assert.deepEqual(grpcStatus(error), { code: status.INTERNAL, details: INTERNAL_MESSAGE });
    }
  });

  it("shows paths relative to the data root", () => {
    const error = new SaverError("file_unavailable", "cannot open '/data/root/2026/a.h5' (append)");
    assert.equal(grpcStatus(error, "/data/root").details, "cannot open '2026/a.h5' (append)");
  });
});

describe("grpcStatus() details", () => {
  it("cuts a message longer than 1 KiB of UTF-8, so that it fits the trailers", () => {
    const { details } = grpcStatus(new SaverError("not_found", `no open session '${"é".repeat(10_000)}'`));
    assert.ok(Buffer.byteLength(details) <= 1024);
    assert.match(details, /^no open session 'é+… \(message cut\)$/);
    assert.equal(grpcStatus(new SaverError("not_found", "short")).details, "short");
  });
});
