"""Files written through the gRPC service (server + TypeScript client) face the same checks as the
writer's own: PyMoDAQ's DataLoader (both backends) loads every node as cases.json says, and the
files match, node by node, the ones PyMoDAQ writes from the same inputs."""
from __future__ import annotations

import pytest

import pymodaq_reference as ref
from test_pymodaq_loader import check_file


@pytest.mark.parametrize("mode", ref.MODES)
@pytest.mark.parametrize("backend", ref.BACKENDS)
def test_service_file_loads_in_pymodaq(service_files, cases, mode, backend):
    problems = check_file(service_files[mode], cases, mode, backend, writer="h5saver")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("mode", ref.MODES)
def test_service_file_matches_pymodaq(service_files, pymodaq_files, cases, mode):
    extras = {k for d in cases["dte"]["data"] for k in d["extra_attributes"]}
    diffs = ref.compare_files(service_files[mode], pymodaq_files[mode], kept_extras=extras)
    assert not diffs, "\n  ".join([f"{len(diffs)} difference(s) from PyMoDAQ's file:", *diffs])


@pytest.mark.parametrize("codec", ["gzip", "blosc"])
def test_service_compressed_files_load(service_files, cases, codec):
    packed = service_files["continuous"].with_name(f"continuous-{codec}.h5")
    problems = check_file(packed, cases, "continuous", "tables", writer="h5saver")
    assert not problems, "\n".join(problems)
