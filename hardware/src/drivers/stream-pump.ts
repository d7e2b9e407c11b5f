import type { Decoded, Decoder } from "../decoders/decoded.ts";
import { DeviceError } from "../errors.ts";
import type { Transport } from "../transport/transport.ts";

/**
 * Reads a transport without pause into a decoder (a streaming device does not wait for us) and
 * hands every result on. Resolves when the transport is closed by us; a port that goes away
 * resolves with its `disconnected` error so the driver can end its frames with it.
 */
export async function pumpTransport<T>(
  transport: Transport,
  decoder: Decoder<T>,
  onResult: (result: Decoded<T>) => void,
  timing?: { decodeMs: number },
): Promise<DeviceError | undefined> {
  for (;;) {
    let chunk: Uint8Array | undefined;
    try {
      chunk = await transport.read();
    } catch (error) {
      return DeviceError.from(error, "disconnected");
    }
    if (chunk === undefined) return undefined;
    const started = performance.now();
    const results = decoder.push(chunk);
    if (timing) timing.decodeMs += performance.now() - started;
    for (const result of results) onResult(result);
  }
}
