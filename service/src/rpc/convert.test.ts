import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import * as pb from "@h5saver/proto/h5saver/v1/data_pb";
import { createDataToExport, type DataToExport } from "../model/data-to-export.ts";
import type { DataWithAxes } from "../model/data-with-axes.ts";
import { allocate, DTYPES, type DType, dtypeBytes, type NumericArray } from "../model/dtype.ts";
import { assertInvalid } from "../testing/saver-error-assertions.ts";
import {
  attributeValueFromProto,
  attributeValueToProto,
  axisFromProto,
  axisToProto,
  dataToExportFromProto,
  dataToExportToProto,
  dataWithAxesFromProto,
  dataWithAxesToProto,
  dtypeFromProto,
  dtypeToProto,
} from "./convert.ts";

/** What a server receives: the message encoded by the client and decoded again. */
function overTheWire(dte: pb.DataToExport): pb.DataToExport {
  return fromBinary(pb.DataToExportSchema, toBinary(pb.DataToExportSchema, dte));
}

function roundTrip(dte: DataToExport): DataToExport {
  return dataToExportFromProto(overTheWire(dataToExportToProto(dte)));
}

/** `n` distinct values of `dtype`, extremes included where the type has them. */
function sample(dtype: DType, n: number): NumericArray {
  const array = allocate(dtype, n);
  for (let i = 0; i < n; i++) {
    if (array instanceof BigInt64Array) array[i] = i % 2 ? -(2n ** 63n) + BigInt(i) : 2n ** 62n + BigInt(i);
    else if (array instanceof BigUint64Array) array[i] = 2n ** 64n - 1n - BigInt(i);
    else if (dtype === "bool") array[i] = i % 2;
    else if (array instanceof Float32Array || array instanceof Float64Array) array[i] = (i - 2) * 0.1;
    else array[i] = i % 2 ? -i : i * 3;
  }
  return array;
}

function bytes(array: NumericArray): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/** A valid wire DataWithAxes (2 x 3 float64, one channel) that tests then break one field of. */
function wireDwa(overrides: MessageInitShape<typeof pb.DataWithAxesSchema> = {}): pb.DataWithAxes {
  return create(pb.DataWithAxesSchema, {
    name: "camera",
    dtype: pb.Dtype.FLOAT64,
    shape: [2n, 3n],
    data: [bytes(new Float64Array(6))],
    ...overrides,
  });
}

function wireDte(...data: pb.DataWithAxes[]): pb.DataToExport {
  return create(pb.DataToExportSchema, { name: "det", timestamp: 1795610560.25, data });
}

describe("dataToExportToProto() / dataToExportFromProto()", () => {
  for (const dtype of DTYPES) {
    it(`round-trips ${dtype} data over the wire, values and dtype intact`, () => {
      const dte = createDataToExport({
        name: "det",
        timestamp: 12.5,
        data: [{ name: `d-${dtype}`, dtype, data: [sample(dtype, 6), sample(dtype, 6)], shape: [2, 3] }],
      });
      const back = roundTrip(dte);
      assert.equal(back.data[0]?.dtype, dtype);
      assert.deepEqual(back, dte);
    });
  }

  it("round-trips 0D data, and says Data0D on the wire", () => {
    const dte = createDataToExport({
      name: "power meter",
      timestamp: 1,
      data: [{ name: "Power", data: [Float64Array.of(1.5)], units: "W", labels: ["P"] }],
    });
    const wire = dataToExportToProto(dte);
    assert.equal(wire.data[0]?.dim, pb.DataDim.DATA0D);
    assert.deepEqual(wire.data[0]?.shape, [1n]);
    assert.deepEqual(roundTrip(dte), dte);
  });

  it("round-trips 1D data with an explicit axis", () => {
    const dte = createDataToExport({
      name: "spectrometer",
      timestamp: 2,
      data: [
        {
          name: "Spectrum",
          data: [new Float32Array([1, 2, 3, 4])],
          axes: [{ label: "wavelength", units: "nm", data: Float64Array.of(400, 401.5, 403, 410), index: 0 }],
        },
      ],
    });
    const back = roundTrip(dte);
    assert.deepEqual(back, dte);
    assert.equal(back.data[0]?.dim, "Data1D");
  });

  it("round-trips 2D data with two axes, labels, units and origin", () => {
    const dte = createDataToExport({
      name: "camera",
      timestamp: 3,
      data: [
        {
          name: "Image",
          data: [sample("uint16", 12), sample("uint16", 12)],
          shape: [3, 4],
          labels: ["left", "right"],
          units: "counts",
          origin: "DAQ_Viewer",
          source: "calculated",
          axes: [
            { label: "y", units: "px", data: Int32Array.of(0, 1, 2), index: 0 },
            { label: "x", units: "px", offset: 0, scaling: 0.25, size: 4, index: 1 },
          ],
        },
      ],
    });
    assert.deepEqual(roundTrip(dte), dte);
  });

  it("round-trips N-D data with navigation axes and spread distribution", () => {
    const dte = createDataToExport({
      name: "scan",
      timestamp: 4,
      data: [
        {
          name: "Map",
          data: [sample("float64", 2 * 3 * 4)],
          shape: [2, 3, 4],
          navIndexes: [0, 1],
          distribution: "spread",
          axes: [
            { label: "x", units: "mm", data: [0, 1], index: 0, spreadOrder: 0 },
            { label: "y", units: "mm", data: [5, 6, 7], index: 1, spreadOrder: 1 },
            { label: "t", units: "s", data: [0, 1, 2, 3], index: 2 },
          ],
        },
      ],
    });
    const back = roundTrip(dte);
    assert.equal(back.data[0]?.dim, "DataND");
    assert.deepEqual(back.data[0]?.navIndexes, [0, 1]);
    assert.deepEqual(back, dte);
  });

  it("round-trips errors of another dtype than the data, and backgrounds", () => {
    const dte = createDataToExport({
      name: "camera",
      timestamp: 5,
      data: [
        {
          name: "Image",
          data: [sample("uint16", 6), sample("uint16", 6)],
          shape: [2, 3],
          errors: [sample("float32", 6), sample("float32", 6)],
          background: [sample("uint16", 6), sample("uint16", 6)],
        },
      ],
    });
    const wire = dataToExportToProto(dte);
    assert.equal(wire.data[0]?.errorsDtype, pb.Dtype.FLOAT32);
    const back = roundTrip(dte);
    assert.ok(back.data[0]?.errors?.[0] instanceof Float32Array);
    assert.deepEqual(back, dte);
  });

  it("round-trips extra attributes of every kind (integers as int64, other numbers as double)", () => {
    const extraAttributes = { comment: "µm scale", gain: 3, exposure: 0.125, big: -(2 ** 53 - 1), on: true };
    const dte = createDataToExport({
      name: "det",
      timestamp: 6,
      data: [{ name: "x", data: [Float64Array.of(1)], extraAttributes }],
    });
    const wire = dataToExportToProto(dte).data[0]?.extraAttributes ?? {};
    assert.equal(wire.gain?.kind.case, "intValue");
    assert.equal(wire.exposure?.kind.case, "doubleValue");
    assert.deepEqual(roundTrip(dte).data[0]?.extraAttributes, extraAttributes);
  });

  it("round-trips several DataWithAxes in one DataToExport, each with its timestamp", () => {
    const dte = createDataToExport({
      name: "det",
      timestamp: 7,
      data: [
        { name: "a", data: [Float64Array.of(1)], timestamp: 7.5 },
        { name: "b", data: [Int8Array.of(1, 2)] },
      ],
    });
    const back = roundTrip(dte);
    assert.deepEqual(
      back.data.map((d) => d.timestamp),
      [7.5, 7],
    );
    assert.deepEqual(back, dte);
  });

  it("wraps aligned wire bytes without copying them", () => {
    const buffer = new ArrayBuffer(64);
    const view = new Float64Array(buffer, 8, 4);
    view.set([1, 2, 3, 4]);
    const dte = dataToExportFromProto(
      wireDte(wireDwa({ shape: [4n], data: [new Uint8Array(buffer, 8, 32)] })),
    );
    const array = dte.data[0]?.data[0] as Float64Array;
    assert.equal(array.buffer, buffer);
    assert.equal(array.byteOffset, 8);
    assert.deepEqual([...array], [1, 2, 3, 4]);
  });

  it("copies unaligned wire bytes into an aligned array, values intact", () => {
    const buffer = new ArrayBuffer(64);
    const unaligned = new Uint8Array(buffer, 3, 16);
    unaligned.set(bytes(Float64Array.of(-1.5, 2.25)));
    const array = dataToExportFromProto(wireDte(wireDwa({ shape: [2n], data: [unaligned] }))).data[0]
      ?.data[0] as Float64Array;
    assert.notEqual(array.buffer, buffer);
    assert.deepEqual([...array], [-1.5, 2.25]);
  });

  it("sends arrays as views of the domain arrays (no copy before encoding)", () => {
    const values = Float64Array.of(1, 2, 3);
    const wire = dataToExportToProto(
      createDataToExport({ name: "d", timestamp: 1, data: [{ name: "x", data: [values] }] }),
    );
    assert.equal(wire.data[0]?.data[0]?.buffer, values.buffer);
  });

  it("applies the model's defaults to unspecified enums, labels and timestamps", () => {
    const dte = dataToExportFromProto(wireDte(wireDwa()));
    const dwa = dte.data[0] as DataWithAxes;
    assert.equal(dwa.source, "raw");
    assert.equal(dwa.dim, "Data2D");
    assert.equal(dwa.distribution, "uniform");
    assert.deepEqual(dwa.labels, ["CH00"]);
    assert.equal(dwa.timestamp, 1795610560.25);
  });

  it("reads an empty shape as 1-D data of the first array's length", () => {
    const dte = dataToExportFromProto(
      wireDte(wireDwa({ dtype: pb.Dtype.INT16, shape: [], data: [bytes(new Int16Array(5))] })),
    );
    assert.deepEqual(dte.data[0]?.shape, [5]);
    assert.equal(dte.data[0]?.dtype, "int16");
  });
});

describe("axisToProto() / axisFromProto()", () => {
  it("round-trips an explicit axis of every dtype", () => {
    for (const dtype of DTYPES.filter((d) => d !== "bool")) {
      const axis = axisFromProto(
        create(pb.AxisSchema, {
          label: "x",
          units: "mm",
          index: 1,
          spreadOrder: 2,
          values: { case: "data", value: { dtype: dtypeToProto(dtype), data: bytes(sample(dtype, 3)) } },
        }),
      );
      const back = axisFromProto(fromBinary(pb.AxisSchema, toBinary(pb.AxisSchema, axisToProto(axis))));
      assert.deepEqual(back, axis, dtype);
    }
  });

  it("expands a linear axis to float64 values, and sends them back explicitly", () => {
    const axis = axisFromProto(
      create(pb.AxisSchema, {
        label: "t",
        values: { case: "linear", value: { offset: 1, scaling: 0.5, size: 4n } },
      }),
    );
    assert.deepEqual([...axis.data], [1, 1.5, 2, 2.5]);
    assert.ok(axis.data instanceof Float64Array);
    assert.equal(axisToProto(axis).values.case, "data");
  });
});

describe("attributeValueToProto() / attributeValueFromProto()", () => {
  it("round-trips strings, integers, doubles and booleans", () => {
    for (const value of ["", "text", 0, -42, 2 ** 53 - 1, 1.5, -1e300, true, false]) {
      assert.equal(attributeValueFromProto(attributeValueToProto(value), "a"), value);
    }
  });
});

describe("bad wire values", () => {
  const convert =
    (...dwa: pb.DataWithAxes[]) =>
    () =>
      dataToExportFromProto(wireDte(...dwa));

  it("refuses an unspecified dtype", () => {
    assertInvalid(convert(wireDwa({ dtype: pb.Dtype.UNSPECIFIED })), "data[0].dtype", /unspecified/);
  });

  it("refuses an unknown dtype enum value", () => {
    assertInvalid(
      convert(wireDwa({ dtype: 42 as pb.Dtype })),
      "data[0].dtype",
      /unknown Dtype enum value 42/,
    );
  });

  it("refuses an unknown errors dtype", () => {
    const dwa = wireDwa({ errors: [bytes(new Float64Array(6))], errorsDtype: 99 as pb.Dtype });
    assertInvalid(convert(dwa), "data[0].errorsDtype", /unknown Dtype enum value 99/);
  });

  it("refuses unknown source, dim and distribution enum values", () => {
    assertInvalid(convert(wireDwa({ source: 9 as pb.DataSource })), "data[0].source", /unknown DataSource/);
    assertInvalid(convert(wireDwa({ dim: 9 as pb.DataDim })), "data[0].dim", /unknown DataDim/);
    assertInvalid(
      convert(wireDwa({ distribution: 9 as pb.DataDistribution })),
      "data[0].distribution",
      /unknown DataDistribution/,
    );
  });

  it("refuses a byte length that is not a multiple of the dtype size", () => {
    for (const dtype of DTYPES.filter((d) => dtypeBytes(d) > 1)) {
      const size = dtypeBytes(dtype);
      assertInvalid(
        convert(wireDwa({ dtype: dtypeToProto(dtype), shape: [], data: [new Uint8Array(size * 3 + 1)] })),
        "data[0].data[0]",
        new RegExp(`${size * 3 + 1} bytes is not a multiple of ${size}, the size of one ${dtype} value`),
      );
    }
  });

  it("refuses data, errors and background whose byte length does not fit the shape", () => {
    const seven = bytes(new Float64Array(7));
    const six = bytes(new Float64Array(6));
    assertInvalid(
      convert(wireDwa({ data: [six, seven] })),
      "data[0].data[1]",
      /56 bytes hold 7 float64 values but shape \[2,3\] needs 6 \(48 bytes\)/,
    );
    assertInvalid(convert(wireDwa({ errors: [seven] })), "data[0].errors[0]", /hold 7 float64 values/);
    assertInvalid(convert(wireDwa({ background: [seven] })), "data[0].background[0]", /hold 7 float64/);
  });

  it("refuses a dimension sent as a negative number (2^64 - 1 as uint64)", () => {
    const dwa = wireDwa({ shape: [2n, 2n ** 64n - 1n] });
    // the real wire value, as a client writing int64 -1 into the uint64 field sends it
    const received = overTheWire(wireDte(dwa));
    assert.equal(received.data[0]?.shape[1], 2n ** 64n - 1n);
    assertInvalid(
      () => dataToExportFromProto(received),
      "data[0].shape[1]",
      /overflows.*negative number sent as uint64/,
    );
  });

  it("refuses a dimension beyond 2^53 - 1", () => {
    assertInvalid(
      convert(wireDwa({ shape: [2n ** 53n] })),
      "data[0].shape[0]",
      /overflows: at most 2\^53 - 1/,
    );
  });

  it("refuses a shape whose product overflows", () => {
    assertInvalid(
      convert(wireDwa({ shape: [2n ** 30n, 2n ** 30n] })),
      "data[0].shape",
      /product of the dimensions overflows/,
    );
  });

  it("refuses axis values with a bad dtype, a bad byte length or none at all", () => {
    const axis = (values: pb.Axis["values"]) => create(pb.AxisSchema, { index: 1, values });
    assertInvalid(
      convert(
        wireDwa({
          axes: [axis({ case: "data", value: create(pb.AxisDataSchema, { data: new Uint8Array(8) }) })],
        }),
      ),
      "data[0].axes[0].data.dtype",
      /unspecified/,
    );
    assertInvalid(
      convert(
        wireDwa({
          axes: [
            axis({
              case: "data",
              value: create(pb.AxisDataSchema, { dtype: pb.Dtype.FLOAT32, data: new Uint8Array(10) }),
            }),
          ],
        }),
      ),
      "data[0].axes[0].data",
      /10 bytes is not a multiple of 4/,
    );
    assertInvalid(
      convert(wireDwa({ axes: [axis({ case: undefined })] })),
      "data[0].axes[0]",
      /has no values/,
    );
  });

  it("refuses a linear axis size beyond 2^53 - 1", () => {
    const linear = create(pb.LinearAxisSchema, { offset: 0, scaling: 1, size: 2n ** 64n - 3n });
    assertInvalid(
      () => axisFromProto(create(pb.AxisSchema, { values: { case: "linear", value: linear } }), "navAxes[0]"),
      "navAxes[0].size",
      /negative number sent as uint64/,
    );
  });

  it("refuses attributes without a value, and integers beyond 2^53 - 1", () => {
    const attribute = (kind: pb.AttributeValue["kind"]) => create(pb.AttributeValueSchema, { kind });
    assertInvalid(
      convert(wireDwa({ extraAttributes: { gain: attribute({ case: undefined }) } })),
      "data[0].extraAttributes.gain",
      /has no value/,
    );
    assertInvalid(
      convert(wireDwa({ extraAttributes: { count: attribute({ case: "intValue", value: 2n ** 60n }) } })),
      "data[0].extraAttributes.count",
      /overflows/,
    );
  });

  it("leaves the model's checks to the model, with the same field paths", () => {
    // labels count, axis extent, reserved attribute names: validated by createDataWithAxes
    assertInvalid(convert(wireDwa({ labels: ["a", "b"] })), "data[0].labels", /2 labels for 1 arrays/);
    assertInvalid(
      convert(
        wireDwa({
          axes: [
            create(pb.AxisSchema, {
              index: 1,
              values: { case: "linear", value: { offset: 0, scaling: 1, size: 5n } },
            }),
          ],
        }),
      ),
      "data[0].axes[0]",
      /has 5 values but dimension 1 has 3/,
    );
    assertInvalid(
      convert(
        wireDwa({
          extraAttributes: {
            units: create(pb.AttributeValueSchema, { kind: { case: "stringValue", value: "V" } }),
          },
        }),
      ),
      "data[0].extraAttributes.units",
      /reserves/,
    );
    assertInvalid(() => dataToExportFromProto(wireDte()), "data", /at least one DataWithAxes/);
  });

  it("names the standalone DataWithAxes field as the model does", () => {
    assertInvalid(
      () => dataWithAxesFromProto(wireDwa({ dtype: 0 as pb.Dtype })),
      "data.dtype",
      /unspecified/,
    );
    assert.equal(dataWithAxesToProto(dataWithAxesFromProto(wireDwa())).name, "camera");
  });

  it("exposes dtypeFromProto for the other messages that carry arrays", () => {
    assert.equal(dtypeFromProto(pb.Dtype.BOOL, "dtype"), "bool");
    assertInvalid(
      () => dtypeFromProto(-1 as pb.Dtype, "array.dtype"),
      "array.dtype",
      /unknown Dtype enum value -1/,
    );
  });
});
