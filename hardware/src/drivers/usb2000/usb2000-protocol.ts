/**
 * Ocean Optics USB2000+ on the legacy "OOI" binary protocol (python-seabreeze,
 * pyseabreeze/protocol.py and features/eeprom.py; SeaBreeze FPGASpectrumExchange.cpp). Host →
 * device: one opcode byte and its little-endian arguments, no reply unless stated.
 */
export const OOI_OPCODES = {
  initialize: 0x01,
  /** + uint32 integration time in µs. */
  setIntegrationTime: 0x02,
  /** + uint8 EEPROM slot → 17 bytes: 0x05, slot, ASCII value NUL-padded. */
  queryInformation: 0x05,
  /** → 2 × pixels bytes of uint16 LE counts, then the sync byte 0x69. */
  requestSpectrum: 0x09,
} as const;

export const USB2000_PIXELS = 2048;
/** Last byte of every spectrum; anything else means the read was misaligned (SeaBreeze checks it). */
export const SPECTRUM_SYNC_BYTE = 0x69;
export const SPECTRUM_BYTES = 2 * USB2000_PIXELS + 1;
export const INFO_REPLY_BYTES = 17;
/** EEPROM slots: 0 serial number, 1–4 wavelength calibration c0…c3 (λ = Σ cₖ iᵏ, in nm). */
export const SLOT_SERIAL = 0;
export const SLOT_WAVELENGTH_COEFFICIENTS = [1, 2, 3, 4] as const;
/** Integration time limits of the USB2000+ (devices.py: 1 ms … 655 s). */
export const MIN_INTEGRATION_US = 1_000;
export const MAX_INTEGRATION_US = 655_000_000;

export const USB2000_COMMANDS = {
  initialize: () => Uint8Array.of(OOI_OPCODES.initialize),
  integrationTime: (microseconds: number) => {
    const out = new Uint8Array(5);
    out[0] = OOI_OPCODES.setIntegrationTime;
    new DataView(out.buffer).setUint32(1, microseconds, true);
    return out;
  },
  queryInformation: (slot: number) => Uint8Array.of(OOI_OPCODES.queryInformation, slot),
  requestSpectrum: () => Uint8Array.of(OOI_OPCODES.requestSpectrum),
} as const;

/** Wavelength (nm) of every pixel from the calibration polynomial. */
export function wavelengths(coefficients: readonly number[], pixels = USB2000_PIXELS): Float64Array {
  return Float64Array.from({ length: pixels }, (_, i) =>
    coefficients.reduce((sum, c, power) => sum + c * i ** power, 0),
  );
}
