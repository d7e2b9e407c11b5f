import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HardwareUsageError, parseHardwareArgs } from "./cli-args.ts";

const acquireArgs = [
  "--driver",
  "tcd1304",
  "--port",
  "/dev/ttyACM0",
  "--server",
  "127.0.0.1:50051",
  "--file",
  "a.h5",
];

describe("parseHardwareArgs()", () => {
  it("reads simulate's driver, link and faults", () => {
    assert.deepEqual(
      parseHardwareArgs("simulate", ["camera", "--link", "/tmp/cam", "--faults", "garbage:3,crc:5"]),
      {
        command: "simulate",
        driver: "camera",
        link: "/tmp/cam",
        faults: { garbageEvery: 3, corruptEvery: 5 },
      },
    );
  });

  it("reads acquire's options, with typed driver settings", () => {
    assert.deepEqual(
      parseHardwareArgs("acquire", [
        ...acquireArgs,
        "--frames",
        "100",
        "--set",
        "integrationUs=2000",
        "--reconnect",
        "5",
        "--durability",
        "written",
      ]),
      {
        command: "acquire",
        driver: "tcd1304",
        port: "/dev/ttyACM0",
        server: "127.0.0.1:50051",
        file: "a.h5",
        frames: 100,
        settings: { integrationUs: 2000 },
        overwrite: false,
        reconnect: 5,
        durability: "written",
      },
    );
    const camera = parseHardwareArgs("acquire", [
      ...acquireArgs.slice(2),
      "--driver",
      "camera",
      "--set",
      "dtype=uint8",
      "--set",
      "width=64",
      "--seconds",
      "2.5",
      "--overwrite",
    ]);
    assert.ok(camera.command === "acquire");
    assert.deepEqual(camera.settings, { dtype: "uint8", width: 64 });
    assert.equal(camera.seconds, 2.5);
    assert.equal(camera.overwrite, true);
  });

  it("returns the usage text for --help", () => {
    const help = parseHardwareArgs("acquire", ["--help"]);
    assert.equal(help.command, "help");
    assert.ok(help.command === "help" && help.text.startsWith("usage: h5saver acquire"));
  });

  const bad: [string, "simulate" | "acquire", string[], RegExp][] = [
    ["no driver", "simulate", [], /needs a driver/],
    ["an unknown driver", "simulate", ["oscilloscope"], /no driver 'oscilloscope'/],
    ["a bad fault", "simulate", ["dmm", "--faults", "smoke:3"], /bad fault 'smoke:3'/],
    [
      "a missing --server",
      "acquire",
      ["--driver", "dmm", "--port", "/p", "--file", "f.h5"],
      /needs --server/,
    ],
    [
      "a server without a port",
      "acquire",
      [...acquireArgs.slice(0, 5), "localhost", ...acquireArgs.slice(6)],
      /HOST:PORT/,
    ],
    ["zero frames", "acquire", [...acquireArgs, "--frames", "0"], /--frames must be an integer ≥ 1/],
    [
      "a setting of another driver",
      "acquire",
      [...acquireArgs, "--set", "nplc=1"],
      /tcd1304 takes integrationUs=/,
    ],
    ["a word for a number", "acquire", [...acquireArgs, "--set", "integrationUs=fast"], /needs a number/],
    [
      "an unknown durability",
      "acquire",
      [...acquireArgs, "--durability", "soon"],
      /synced or written, got 'soon'/,
    ],
    ["an unknown flag", "acquire", [...acquireArgs, "--colour"], /Unknown option '--colour'/],
  ];
  for (const [what, command, args, message] of bad) {
    it(`refuses ${what}`, () => {
      assert.throws(
        () => parseHardwareArgs(command, args),
        (error: unknown) => {
          assert.ok(error instanceof HardwareUsageError);
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }
});
