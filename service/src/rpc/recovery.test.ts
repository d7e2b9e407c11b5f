/**
 * The server and crash journals: a journal beside each open file (gone at CloseFile), files a
 * killed writer left rebuilt when the server starts and when a session opens them, and no journal
 * with `journal: false`.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import * as opt from "@h5saver/proto/h5saver/v1/options_pb";
import * as svc from "@h5saver/proto/h5saver/v1/saver_service_pb";
import { openH5wasmFile } from "../backend/h5wasm-backend.ts";
import { journalPathOf } from "../durability/journal.ts";
import { PyMoDAQLoader } from "../layout/loader.ts";
import { runCrashingWriter } from "../testing/crashing-writer.ts";
import { tempDir } from "../testing/temp-dir.ts";
import { callUnary, createGrpcClient, type GrpcClient } from "./grpc-glue.ts";
import { createSaverServer, type SaverServer } from "./saver-server.ts";
import type { ServerLog } from "./server-log.ts";

const root = path.join(tempDir("h5saver-recovery-"), "root");
mkdirSync(path.join(root, "left"), { recursive: true });

/** The counters of the file's streams, as PyMoDAQ's loader reads them. */
async function counters(file: string): Promise<number[][]> {
  const backend = await openH5wasmFile(file, "read");
  try {
    const loaded = await new PyMoDAQLoader(backend).loadAll();
    return loaded.filter((l) => l.dwa.name === "counter").map((l) => Array.from(l.dwa.data[0] ?? [], Number));
  } finally {
    await backend.close();
  }
}

const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe("a server with crash journals (the default)", () => {
  let saver: SaverServer;
  let client: GrpcClient<typeof svc.SaverService>;
  const events: Array<[string, Record<string, unknown>]> = [];
  const log: ServerLog = { event: (_level, name, fields) => events.push([name, { ...fields }]) };

  before(async () => {
    // a writer killed before the server starts: the start rebuilds its file
    assert.equal(
      await runCrashingWriter({ path: path.join(root, "left/at-start.h5"), frames: 30 }),
      "SIGKILL",
    );
    saver = createSaverServer({ root, log });
    client = createGrpcClient(svc.SaverService, `127.0.0.1:${await saver.listen(0)}`);
  });
  after(async () => {
    client.close();
    await saver.close();
  });

  it("rebuilds the files a killed writer left before it listens", async () => {
    const file = path.join(root, "left/at-start.h5");
    assert.ok(!existsSync(journalPathOf(file)));
    assert.deepEqual(await counters(file), [oneTo(30)]);
    const recovered = events.find(([name]) => name === "file_recovered")?.[1];
    assert.equal(recovered?.path, "left/at-start.h5");
    assert.equal(recovered?.frames, 30);
  });

  it("rebuilds a file left later when a session opens it, and says so in OpenFile's answer", async () => {
    const file = path.join(root, "left/later.h5");
    assert.equal(await runCrashingWriter({ path: file, frames: 12, gzip: true }), "SIGKILL");
    const opened = await callUnary(
      client,
      client.openFile,
      create(svc.OpenFileRequestSchema, { path: "left/later.h5", mode: opt.OpenMode.APPEND }),
    );
    assert.equal(opened.recovery?.frames, 12n);
    assert.equal(opened.recovery?.refused, 0n);
    // the journal of this session now stands beside the file, until it closes cleanly
    assert.ok(existsSync(journalPathOf(file)));
    await callUnary(
      client,
      client.closeFile,
      create(svc.CloseFileRequestSchema, { sessionId: opened.sessionId }),
    );
    assert.ok(!existsSync(journalPathOf(file)));
    assert.deepEqual(await counters(file), [oneTo(12)]);
  });

  it("refuses to open the journal's own files as data files", async () => {
    for (const name of [
      "x.h5.h5saver-journal",
      "x.h5.h5saver-base",
      "x.h5.h5saver-spent-journal",
      ".x.h5.h5saver-recovering/x.h5",
    ]) {
      await assert.rejects(
        callUnary(client, client.openFile, create(svc.OpenFileRequestSchema, { path: name })),
        (error: grpc.ServiceError) => {
          assert.equal(error.code, grpc.status.INVALID_ARGUMENT);
          assert.match(error.details, /crash-journal files .*choose another name/);
          return true;
        },
      );
    }
    // nor the lock file of `h5saver serve`, which it touches while it runs
    await assert.rejects(
      callUnary(
        client,
        client.openFile,
        create(svc.OpenFileRequestSchema, { path: ".h5saver.lock", mode: opt.OpenMode.OVERWRITE }),
      ),
      (error: grpc.ServiceError) => {
        assert.equal(error.code, grpc.status.INVALID_ARGUMENT);
        assert.match(
          error.details,
          /'\.h5saver\.lock' is the name of a data root's lock file: choose another name/,
        );
        return true;
      },
    );
  });

  it("answers OpenFile without a recovery for a file that closed cleanly", async () => {
    const opened = await callUnary(
      client,
      client.openFile,
      create(svc.OpenFileRequestSchema, { path: "clean.h5" }),
    );
    assert.equal(opened.recovery, undefined);
    await callUnary(
      client,
      client.closeFile,
      create(svc.CloseFileRequestSchema, { sessionId: opened.sessionId }),
    );
  });
});

describe("a server with journal: false", () => {
  it("keeps no journal: durable means flushed", async () => {
    const saver = createSaverServer({ root, journal: false });
    const client = createGrpcClient(svc.SaverService, `127.0.0.1:${await saver.listen(0)}`);
    try {
      const opened = await callUnary(
        client,
        client.openFile,
        create(svc.OpenFileRequestSchema, { path: "unjournaled.h5" }),
      );
      assert.ok(!existsSync(journalPathOf(path.join(root, "unjournaled.h5"))));
      await callUnary(
        client,
        client.closeFile,
        create(svc.CloseFileRequestSchema, { sessionId: opened.sessionId }),
      );
    } finally {
      client.close();
      await saver.close();
    }
  });
});
