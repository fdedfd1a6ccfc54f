"""The consumer's pause of the cyclic garbage collector."""

import gc

import pytest

from radar_runtime.collector import collector_paused


@pytest.fixture(autouse=True)
def _collector_restored():
    was_enabled = gc.isenabled()
    yield
    if was_enabled:
        gc.enable()
    else:
        gc.disable()


def test_paused_inside_and_running_again_after():
    gc.enable()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_resumes_only_when_the_last_of_overlapping_batches_ends():
    gc.enable()
    outer, inner = collector_paused(), collector_paused()
    outer.__enter__()
    inner.__enter__()
    outer.__exit__(None, None, None)
    assert not gc.isenabled()  # the other batch is still being applied
    inner.__exit__(None, None, None)
    assert gc.isenabled()


def test_resumes_after_a_failed_batch():
    gc.enable()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("handler failed")
    assert gc.isenabled()


def test_leaves_a_collector_disabled_elsewhere_disabled():
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()
