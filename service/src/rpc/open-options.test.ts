import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import * as opt from "@h5saver/proto/h5saver/v1/options_pb";
import * as svc from "@h5saver/proto/h5saver/v1/saver_service_pb";
import { SaverError } from "../errors.ts";
import { openOptions } from "./open-options.ts";

describe("OpenFile's options", () => {
  it("acknowledges once synced unless the request asks for written", () => {
    const request = (durability: opt.Durability) =>
      create(svc.OpenFileRequestSchema, { path: "a.h5", durability });
    assert.equal(openOptions(request(opt.Durability.UNSPECIFIED)).durability, "synced");
    assert.equal(openOptions(request(opt.Durability.SYNCED)).durability, "synced");
    assert.equal(openOptions(request(opt.Durability.WRITTEN)).durability, "written");
    assert.throws(
      () => openOptions(request(7 as opt.Durability)),
      (error: unknown) =>
        error instanceof SaverError &&
        error.code === "invalid_data" &&
        /durability/.test(error.message) &&
        /unknown Durability enum value 7/.test(error.message),
    );
  });
});
