import assert from "node:assert/strict";
import { once } from "node:events";
import http2 from "node:http2";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { tempDir } from "../testing/temp-dir.ts";
import { CONNECTION_WINDOW_BYTES, STREAM_WINDOW_BYTES } from "./http2-windows.ts";
import { createSaverServer, type SaverServer } from "./saver-server.ts";

describe("h5saver serve's HTTP/2 receive windows", () => {
  let saver: SaverServer;
  let port: number;
  before(async () => {
    saver = createSaverServer({ root: tempDir("h5saver-windows-") });
    port = await saver.listen(0);
  });
  after(() => saver.close());

  it("lets a client send megabytes of a call before the server has read them (not Node's 64 KiB)", async () => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    try {
      await once(session, "remoteSettings");
      assert.equal(session.remoteSettings.initialWindowSize, STREAM_WINDOW_BYTES);
      // the connection's window comes as a WINDOW_UPDATE just after the settings
      for (let i = 0; i < 100 && session.state.remoteWindowSize !== CONNECTION_WINDOW_BYTES; i++) {
        await sleep(10);
      }
      assert.equal(session.state.remoteWindowSize, CONNECTION_WINDOW_BYTES);
    } finally {
      session.close();
    }
  });
});
