import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import * as svc from "@h5saver/proto/h5saver/v1/saver_service_pb";
import { SaverError } from "../errors.ts";
import { refuseNul } from "./request-checks.ts";

function refusedField(message: unknown): string | undefined {
  try {
    refuseNul(message);
    return undefined;
  } catch (error) {
    assert.ok(error instanceof SaverError);
    assert.equal(error.code, "invalid_data");
    return error.details.field;
  }
}

describe("refuseNul()", () => {
  it("names the field of the first NUL, in oneofs, lists and map keys too, and leaves bytes alone", () => {
    assert.equal(refusedField(create(svc.AddDetectorRequestSchema, { title: "Cam\0era" })), "title");
    assert.equal(
      refusedField(create(svc.BrowseRequestSchema, { target: { case: "path", value: "a\0.h5" } })),
      "target.path",
    );
    assert.equal(refusedField(create(svc.AddLogRequestSchema, { lines: ["ok", "b\0d"] })), "lines[1]");
    assert.equal(
      refusedField(
        create(svc.OpenFileRequestSchema, {
          metadata: { "a\0b": { kind: { case: "boolValue", value: true } } },
        }),
      ),
      "metadata key",
    );
    const bytes = create(svc.StreamRequestSchema, {
      sequence: 1n,
      data: { name: "frame", data: [{ name: "x", data: [new Uint8Array([0, 0, 0])] }] },
    });
    assert.equal(refusedField(bytes), undefined);
  });
});
