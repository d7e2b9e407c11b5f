"""h5saver: the Python client of the h5saver gRPC service, which saves instrument data into HDF5
files laid out as PyMoDAQ's H5Saver lays them out.

    from h5saver import Client, DataToExport, DataWithAxes
    with Client("127.0.0.1:50051") as client, client.open_file("run.h5") as f:
        detector = f.add_detector("Spectrometer")
        f.save_snapshot(detector, DataToExport("Spectrometer", [DataWithAxes("Spectrum", [spectrum])]))
"""

from .client import Client, Compression, FlushPolicy, RemoteFile
from .continuous import ContinuousUpload
from .credentials import Tls
from .errors import (
    AlreadyExistsError,
    CancelledError,
    DeadlineExceededError,
    FailedPreconditionError,
    H5SaverError,
    InternalError,
    InvalidArgumentError,
    InvalidDataError,
    NotFoundError,
    OutOfRangeError,
    PermissionDeniedError,
    ResourceExhaustedError,
    RpcError,
    UnauthenticatedError,
    UnavailableError,
    UnimplementedError,
)
from .model import Axis, DataToExport, DataWithAxes
from .results import Ack, ClosedFile, DatasetInfo, Node, ScanStatus, ServerStatus, SessionStatus, StreamCounts

__version__ = "0.1.0"

__all__ = [
    "Ack",
    "AlreadyExistsError",
    "Axis",
    "CancelledError",
    "Client",
    "ClosedFile",
    "Compression",
    "ContinuousUpload",
    "DataToExport",
    "DataWithAxes",
    "DatasetInfo",
    "DeadlineExceededError",
    "FailedPreconditionError",
    "FlushPolicy",
    "H5SaverError",
    "InternalError",
    "InvalidArgumentError",
    "InvalidDataError",
    "Node",
    "NotFoundError",
    "OutOfRangeError",
    "PermissionDeniedError",
    "RemoteFile",
    "ResourceExhaustedError",
    "RpcError",
    "ScanStatus",
    "ServerStatus",
    "SessionStatus",
    "StreamCounts",
    "Tls",
    "UnauthenticatedError",
    "UnavailableError",
    "UnimplementedError",
]
