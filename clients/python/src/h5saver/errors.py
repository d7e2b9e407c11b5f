"""What the client raises.

Every exception of this package is an :class:`H5SaverError`. Failures the server reports are
:class:`RpcError` subclasses, one per gRPC status, carrying the status (``code``) and the server's
message (``details``) unchanged; input that the client refuses before sending anything is an
:class:`InvalidDataError`, which is also a :class:`ValueError`.
"""

from __future__ import annotations

import grpc


class H5SaverError(Exception):
    """Base class of every error this package raises."""


class InvalidDataError(H5SaverError, ValueError):
    """Input refused by the client before anything was sent (bad dtype, layout, shapes…).

    ``field`` names the offending value the way the server would, e.g. ``data[0].errors[1]``.
    """

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field} {problem}" if field else problem)
        self.field = field
        self.problem = problem


class RpcError(H5SaverError):
    """A call the server (or the channel) answered with a non-OK gRPC status.

    ``code`` is the :class:`grpc.StatusCode`, ``details`` the server's message (it names the
    field or HDF5 node at fault), ``method`` the RPC that failed, e.g. ``"SaveSnapshot"``.
    """

    code: grpc.StatusCode = grpc.StatusCode.UNKNOWN

    def __init__(self, code: grpc.StatusCode, details: str, method: str = "") -> None:
        where = f"{method}: " if method else ""
        super().__init__(f"{where}{code.name}: {details}")
        self.code = code
        self.details = details
        self.method = method


class InvalidArgumentError(RpcError, ValueError):
    """INVALID_ARGUMENT: data that does not fit PyMoDAQ's model, or a bad wire value."""


class NotFoundError(RpcError, LookupError):
    """NOT_FOUND: unknown session, detector, scan, stream, file or node."""


class AlreadyExistsError(RpcError):
    """ALREADY_EXISTS: e.g. creating a file over an existing one."""


class FailedPreconditionError(RpcError):
    """FAILED_PRECONDITION: the file, scan or stream is not in a state that allows the call."""


class OutOfRangeError(RpcError, IndexError):
    """OUT_OF_RANGE: a scan index or dataset slice outside its extent."""


class PermissionDeniedError(RpcError, PermissionError):
    """PERMISSION_DENIED: a path outside the server's data root (or the token's folder), or
    another token's session."""


class UnauthenticatedError(RpcError, PermissionError):
    """UNAUTHENTICATED: the server needs a bearer token (Client(token=...)) and got none it knows."""


class ResourceExhaustedError(RpcError):
    """RESOURCE_EXHAUSTED: a limit (sessions, message size, queued calls, a token's storage quota)
    or a full disk; the message names which."""


class UnavailableError(RpcError, ConnectionError):
    """UNAVAILABLE: no server at the address (or it went away), or the file cannot be opened."""


class DeadlineExceededError(RpcError, TimeoutError):
    """DEADLINE_EXCEEDED: the call took longer than the client's deadline."""


class CancelledError(RpcError):
    """CANCELLED: the call was cancelled (by this client, e.g. ContinuousUpload.cancel)."""


class UnimplementedError(RpcError, NotImplementedError):
    """UNIMPLEMENTED: the server does not offer this RPC."""


class InternalError(RpcError):
    """INTERNAL: an HDF5 failure or a bug in the server; the message says which."""


_BY_CODE: dict[grpc.StatusCode, type[RpcError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgumentError,
    grpc.StatusCode.NOT_FOUND: NotFoundError,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExistsError,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPreconditionError,
    grpc.StatusCode.OUT_OF_RANGE: OutOfRangeError,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDeniedError,
    grpc.StatusCode.UNAUTHENTICATED: UnauthenticatedError,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhaustedError,
    grpc.StatusCode.UNAVAILABLE: UnavailableError,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceededError,
    grpc.StatusCode.CANCELLED: CancelledError,
    grpc.StatusCode.UNIMPLEMENTED: UnimplementedError,
    grpc.StatusCode.INTERNAL: InternalError,
}


def rpc_error(code: grpc.StatusCode, details: str, method: str = "") -> RpcError:
    """The exception for a status: the subclass of its code, else a plain RpcError."""
    return _BY_CODE.get(code, RpcError)(code, details, method)


def from_grpc(error: grpc.RpcError, method: str = "") -> RpcError:
    """Translates what grpcio raised (a grpc.RpcError that is also a grpc.Call)."""
    code = error.code() if isinstance(error, grpc.Call) else grpc.StatusCode.UNKNOWN
    details = error.details() if isinstance(error, grpc.Call) else str(error)
    return rpc_error(code, details or "", method)
