import pytest

from helpers import TEST_CSV, TRAIN_CSV
from vertune.active.select import labelled_inputs, rank_pool, selection_frame
from vertune.data.readers import read_table
from vertune.errors import VertuneError
from vertune.models.predictor import Predictor
from vertune.run import RunDir


@pytest.fixture(scope="module")
def predictor(trained_run):
    return Predictor.from_run(trained_run)


def test_every_strategy_ranks_the_pool_and_skips_training_repeats(trained_run, predictor):
    labelled = labelled_inputs(RunDir(trained_run))
    assert labelled and len(labelled) < len(read_table(TRAIN_CSV))  # the run's training split
    pool = list(read_table(TEST_CSV).column("text"))[:12]
    pool_with_repeats = [*pool, labelled[0].upper(), pool[0] + " "]
    labelled = labelled[:8]  # small, to keep the embedding strategies quick
    for strategy in ("entropy", "margin", "least_confidence", "coreset", "hybrid", "random"):
        selection = rank_pool(predictor, pool_with_repeats, labelled, 5, strategy)
        assert len(selection.rows) == 5 and len(set(selection.rows)) == 5
        assert selection.skipped_duplicates == 2
        assert all(row < len(pool) for row in selection.rows)
        assert set(selection.predicted) <= set(predictor.labels)
    entropy = rank_pool(predictor, pool, labelled, 5, "entropy")
    assert entropy.scores == sorted(entropy.scores, reverse=True)


def test_the_frame_to_label_and_clear_errors(predictor):
    table = read_table(TEST_CSV)
    pool = list(table.column("text"))[:10]
    selection = rank_pool(predictor, pool, [], 3, "margin")
    frame = selection_frame(table, selection, "label")
    assert list(frame.columns)[:2] == ["select_rank", "text"]
    assert list(frame["select_rank"]) == [1, 2, 3]
    assert list(frame["text"]) == [pool[i] for i in selection.rows]
    with pytest.raises(VertuneError, match="--k 0: ask for at least 1 row"):
        rank_pool(predictor, pool, [], 0, "entropy")
    with pytest.raises(VertuneError, match="--strategy entropi: unknown; did you mean 'entropy'"):
        rank_pool(predictor, pool, [], 3, "entropi")
    assert len(rank_pool(predictor, pool[:4], [], 10, "entropy").rows) == 4  # k above the pool: all
