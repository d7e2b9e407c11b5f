import assert from "node:assert/strict";
import { once } from "node:events";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
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

  it("leaves other HTTP/2 servers of the process working: a request listener alone, or their own window", {
    timeout: 10_000,
  }, async () => {
    const plain = http2.createServer((_request, response) => response.end("answered"));
    const own = http2.createServer({ settings: { initialWindowSize: 100_000 } });
    const ports = await Promise.all(
      [plain, own].map(
        (server) =>
          new Promise<number>((resolve) =>
            server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
          ),
      ),
    );
    const [toPlain, toOwn] = ports.map((p) => http2.connect(`http://127.0.0.1:${p}`));
    const ownSettings = once(toOwn as http2.ClientHttp2Session, "remoteSettings");
    try {
      const request = (toPlain as http2.ClientHttp2Session).request({ ":path": "/" });
      request.end();
      request.setEncoding("utf8");
      let body = "";
      request.on("data", (chunk: string) => {
        body += chunk;
      });
      await once(request, "end");
      assert.equal(body, "answered");

      await ownSettings;
      assert.equal(toOwn?.remoteSettings.initialWindowSize, 100_000);
      await sleep(50);
      assert.equal(toOwn?.state.remoteWindowSize, 65_535, "its connection keeps Node's window");
    } finally {
      toPlain?.close();
      toOwn?.close();
      plain.close();
      own.close();
    }
  });
});
