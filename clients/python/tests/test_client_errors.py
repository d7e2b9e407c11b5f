"""Bad input from Python gives clear exceptions — refused by the client before anything is sent,
or by the server with its status and message — and never damages what the file already holds."""

from __future__ import annotations

from collections.abc import Iterator

import h5py
import numpy as np
import pytest

from h5saver import (
    Axis,
    Client,
    DataToExport,
    DataWithAxes,
    FlushPolicy,
    H5SaverError,
    InvalidArgumentError,
    InvalidDataError,
    NotFoundError,
    RemoteFile,
    RpcError,
)

GOOD = np.linspace(0.0, 1.0, 16)


@pytest.fixture(scope="module")
def damaged(server) -> Iterator[tuple[RemoteFile, str]]:
    """A file holding one good snapshot, into which the tests try to save bad data."""
    with (
        Client(server.address, timeout=30) as client,
        client.open_file("errors.h5", flush=FlushPolicy(max_frames=1)) as file,
    ):
        detector = file.add_detector("Good")
        file.save_snapshot(
            detector, DataWithAxes("Good", [GOOD], units="V", axes=[Axis("t", "s", GOOD * 10)])
        )
        yield file, detector


def _refused_locally(make) -> InvalidDataError:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidDataError) as refused:
        make()
    assert isinstance(refused.value, ValueError) and isinstance(refused.value, H5SaverError)
    return refused.value


@pytest.mark.parametrize(
    ("array", "says"),
    [
        (np.ones(4, dtype=np.complex128), "complex128"),
        (np.ones(4, dtype=np.float16), "float16"),
        (np.array(["a", "b"]), "dtype <U1"),
        (np.array([object(), 1], dtype=object), "dtype object"),
        (np.ones(4, dtype=">f8"), "big-endian"),
        (np.ones(4, dtype="datetime64[s]"), "datetime64"),
    ],
    ids=["complex", "float16", "str", "object", "big-endian", "datetime"],
)
def test_wrong_dtype_is_refused_before_sending(array: np.ndarray, says: str) -> None:
    error = _refused_locally(lambda: DataWithAxes("Bad", [array]))
    assert says in str(error)
    assert "data[0]" in error.field
    # the same list given as plain Python values is refused too
    if array.dtype.kind in "UO":
        assert "not numbers" in str(_refused_locally(lambda: DataWithAxes("Bad", [array.tolist()])))


@pytest.mark.parametrize(
    "view",
    [
        np.arange(20.0)[::2],
        np.arange(12.0).reshape(3, 4).T,
        np.arange(24, dtype=np.uint16).reshape(4, 6)[:, 1:3],
    ],
    ids=["stepped", "transposed", "column slice"],
)
def test_non_contiguous_arrays_are_refused_with_the_fix(view: np.ndarray) -> None:
    error = _refused_locally(lambda: DataWithAxes("Strided", [view]))
    assert "C-contiguous" in str(error) and "np.ascontiguousarray" in str(error)
    # the fix the message names works
    assert DataWithAxes("Strided", [np.ascontiguousarray(view)]).shape == view.shape


def test_shape_mismatches_are_refused_before_sending() -> None:
    assert "shape" in str(_refused_locally(lambda: DataWithAxes("Two", [np.ones(4), np.ones(5)])))
    assert "dtype" in str(_refused_locally(lambda: DataWithAxes("Two", [np.ones(4), np.ones(4, np.float32)])))
    assert "2 arrays for 1 channels" in str(
        _refused_locally(lambda: DataWithAxes("E", [np.ones(4)], errors=[np.ones(4), np.ones(4)]))
    )
    assert "shape" in str(_refused_locally(lambda: DataWithAxes("E", [np.ones(4)], errors=[np.ones(3)])))
    assert "labels" in str(_refused_locally(lambda: DataWithAxes("L", [np.ones(4)], labels=["a", "b"])))
    assert "not finite" in str(
        _refused_locally(lambda: DataWithAxes("T", [np.ones(4)], timestamp=float("nan")))
    )
    assert "NaN" in str(
        _refused_locally(lambda: DataWithAxes("A", [np.ones(4)], extra_attributes={"x": np.nan}))
    )
    assert "at least one" in str(_refused_locally(lambda: DataToExport("Empty", [])))
    assert "needs data" in str(_refused_locally(lambda: Axis("x", "m")))


def test_model_errors_come_back_from_the_server_with_status_and_message(damaged) -> None:
    file, detector = damaged
    wrong_axis = DataWithAxes("Spectrum", [np.ones(8)], axes=[Axis("x", "nm", np.arange(7.0))])
    with pytest.raises(InvalidArgumentError) as refused:
        file.save_snapshot(detector, wrong_axis)
    error = refused.value
    assert isinstance(error, RpcError) and isinstance(error, ValueError)
    assert error.code.name == "INVALID_ARGUMENT" and error.method == "SaveSnapshot"
    assert "axes[0]" in error.details  # the server names the field
    assert error.details in str(error)

    reserved = DataWithAxes("Spectrum", [np.ones(8)], extra_attributes={"units": "V"})
    with pytest.raises(InvalidArgumentError, match="units"):
        file.save_snapshot(file.add_detector("Reserved"), reserved)

    with pytest.raises(NotFoundError) as unknown:
        file.save_snapshot("/RawData/Detector999", DataWithAxes("X", [np.ones(2)]))
    assert unknown.value.code.name == "NOT_FOUND"


def test_a_frame_that_changes_shape_stops_the_stream_and_keeps_the_frames_before(damaged, server) -> None:
    file, _ = damaged
    detector = file.add_detector("Changing")
    upload = file.start_continuous(detector)
    for k in range(3):
        upload.append(DataWithAxes("Trace", [np.full(10, float(k))]))
    upload.wait_durable(3, timeout=20)
    upload.append(DataWithAxes("Trace", [np.full(11, 9.0)]))
    with pytest.raises(InvalidArgumentError) as refused:
        upload.end(timeout=20)
    assert "shape" in refused.value.details
    assert upload.error is refused.value
    with pytest.raises(InvalidArgumentError):
        upload.append(DataWithAxes("Trace", [np.full(10, 4.0)]))
    file.flush()
    with h5py.File(server.file(file.path), "r", locking=False) as h5:
        np.testing.assert_array_equal(
            h5[f"{detector}/Data1D/CH00/EnlData00"][()], np.repeat([[0.0], [1.0], [2.0]], 10, 1)
        )


def test_the_file_is_intact_after_every_refusal(damaged, server, ref) -> None:
    """Runs last in this module: the good snapshot is unchanged and PyMoDAQ loads every node."""
    file, detector = damaged
    file.flush()
    with h5py.File(server.file(file.path), "r", locking=False) as h5:
        np.testing.assert_array_equal(h5[f"{detector}/Data1D/CH00/Data00"][()], GOOD)
        np.testing.assert_array_equal(h5[f"{detector}/Data1D/CH00/Axis00"][()], GOOD * 10)
        assert "/RawData/Detector999" not in h5
    from pymodaq_data.h5modules.data_saving import DataLoader
    from pymodaq_data.h5modules.saving import H5SaverLowLevel

    h5 = H5SaverLowLevel()
    h5.init_file(file_name=server.file(file.path), mode="r")
    try:
        loaded = DataLoader(h5).load_data(f"{detector}/Data1D/CH00/Data00", load_all=True)
        np.testing.assert_array_equal(loaded.data[0], GOOD)
        assert loaded.units == "V"
    finally:
        h5.close_file()
