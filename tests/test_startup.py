"""vertune.startup: the collector is paused only inside, objects made there stay collectable, and the exit
skips the final collections."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref

import pytest

from vertune.startup import collector_paused


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def make_cycle() -> weakref.ref[Node]:
    a, b = Node(), Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_the_collector_is_paused_inside_and_back_after():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_a_collector_disabled_before_stays_disabled():
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_comes_back_after_an_error():
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("no model")
    assert gc.isenabled()


def test_objects_made_inside_are_old_and_collectable_after():
    with collector_paused():
        cycle = make_cycle()
    node = cycle()
    assert node is not None and any(o is node for o in gc.get_objects(generation=2))
    del node
    gc.collect()
    assert cycle() is None


def test_the_exit_freezes_the_heap_once_registered():
    code = (
        "import atexit, gc\n"
        "atexit.register(lambda: print('frozen at exit:', gc.get_freeze_count() > 0))\n"
        "from vertune.startup import skip_exit_collection\n"
        "skip_exit_collection()\n"
        "skip_exit_collection()\n"
        "print('handlers:', atexit._ncallbacks())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == ["handlers: 2", "frozen at exit: True"], done.stdout + done.stderr
