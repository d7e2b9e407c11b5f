import assert from "node:assert/strict";
import { SaverError, type SaverErrorCode } from "../errors.ts";

/** Asserts `fn` throws an invalid_data SaverError naming `field`, with `phrase` in its message. */
export function assertInvalid(fn: () => unknown, field: string, phrase: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof SaverError, `not a SaverError: ${String(error)}`);
    assert.equal(error.code, "invalid_data");
    assert.equal(error.details.field, field);
    assert.match(error.message, phrase);
    return true;
  });
}

/** Asserts `promise` rejects with a SaverError of `code` whose message matches `phrase`; returns it. */
export async function rejectsWith(
  promise: Promise<unknown>,
  code: SaverErrorCode,
  phrase: RegExp,
): Promise<SaverError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SaverError, `expected a SaverError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.match(error.message, phrase);
    return error;
  }
  assert.fail(`expected a ${code} error`);
}
