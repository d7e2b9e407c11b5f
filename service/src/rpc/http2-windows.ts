/**
 * Widens the HTTP/2 receive windows of the gRPC servers in this process.
 *
 * grpc-js servers advertise Node's default flow-control window, 64 KiB per stream and per
 * connection, and have no option to change it (its `grpc-node.flow_control_window` is read by
 * clients only; grpc-node pull request 3058 would add it to servers). A client streaming 1 MiB
 * frames then stops after every 64 KiB until the server's event loop has sent a WINDOW_UPDATE:
 * sixteen round trips between two event loops per frame. Measured on loopback with a raw
 * grpc-js byte stream (bench/systems/grpc-raw.ts), 512×512 uint16 frames go at ~300 MB/s with the
 * default windows and ~870 MB/s with these, for half the server's CPU per MB.
 *
 * A wider window also lets a client have more bytes on their way while the server pauses a call
 * (stream-call.ts' backpressure): at most STREAM_WINDOW_BYTES per call and
 * CONNECTION_WINDOW_BYTES per connection held in the server's buffers beyond what it has asked for.
 *
 * grpc-js builds its HTTP/2 servers with `http2.createServer` / `http2.createSecureServer` when a
 * port is bound, so the defaults are set there, once per process: a server created with its own
 * `settings.initialWindowSize` keeps it. Node's http2 module object is shared by every importer,
 * CommonJS (grpc-js) and ESM alike.
 */
import http2 from "node:http2";

/** Per stream (one gRPC call): the SETTINGS_INITIAL_WINDOW_SIZE the server advertises. */
export const STREAM_WINDOW_BYTES = 4 << 20;
/** Per connection (every call of one client channel together). */
export const CONNECTION_WINDOW_BYTES = 8 << 20;

type Listener = Parameters<typeof http2.createServer>[1];
type Create<O, S> = (options: O, onRequest?: Listener) => S;

let installed = false;

/** Makes every HTTP/2 server created from now on in this process advertise the wider windows. */
export function widenHttp2ReceiveWindows(): void {
  if (installed) return;
  installed = true;
  http2.createServer = widening(
    http2.createServer as Create<http2.ServerOptions, http2.Http2Server>,
  ) as typeof http2.createServer;
  http2.createSecureServer = widening(
    http2.createSecureServer as Create<http2.SecureServerOptions, http2.Http2SecureServer>,
  ) as typeof http2.createSecureServer;
}

/**
 * `create` with the wider windows, called as Node's own: with options and a request listener, or
 * with the listener alone. A server created with its own window keeps it, and its connections
 * Node's.
 */
function widening<O extends http2.ServerOptions, S extends http2.Http2Server | http2.Http2SecureServer>(
  create: Create<O, S>,
): (options?: O | Listener, onRequest?: Listener) => S {
  return (options, onRequest) => {
    const [given, listener] =
      typeof options === "function" ? [{} as O, options] : [options ?? ({} as O), onRequest];
    if (given.settings?.initialWindowSize !== undefined) return create(given, listener);
    return widened(create(withWindow(given), listener));
  };
}

function withWindow<O extends http2.ServerOptions>(options: O): O {
  return { ...options, settings: { ...options.settings, initialWindowSize: STREAM_WINDOW_BYTES } };
}

function widened<S extends http2.Http2Server | http2.Http2SecureServer>(server: S): S {
  // the connection's window is not a setting: the session grows it with a WINDOW_UPDATE
  server.on("session", (session: http2.ServerHttp2Session) => {
    try {
      session.setLocalWindowSize(CONNECTION_WINDOW_BYTES);
    } catch {
      // a session already torn down keeps the window it had: nothing to send it on
    }
  });
  return server;
}
