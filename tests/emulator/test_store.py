"""Persistence: state files written by earlier emulators still load."""

from __future__ import annotations

import pickle
from pathlib import Path

from rcl_emulator.store import StateStore
from rcl_emulator.world import World


def test_a_state_file_naming_the_backend_where_it_used_to_live_loads(tmp_path: Path) -> None:
    saved = World(run_job=lambda *args: None)
    saved.backend("us-east-1").create_project({"ProjectName": "kept"})
    # Protocol 0 names each class as text, so the old module name can be written in.
    old = pickle.dumps({"backends": saved.backends}, protocol=0).replace(
        b"crcl_emulator.backend\nRekognitionBackend\n",
        b"crcl_emulator.models\nRekognitionBackend\n",
    )
    assert b"rcl_emulator.models\nRekognitionBackend" in old
    (tmp_path / "state.pkl").write_bytes(old)
    restored = World(run_job=lambda *args: None)
    try:
        StateStore(tmp_path, restored).load()
        assert restored.backend("us-east-1").projects["kept"].status == "CREATING"
    finally:
        saved.shutdown()
        restored.shutdown()
