import pytest

from vertune.methods.base import backbone, head_parameters
from vertune.tasks import get_task
from vertune.train.param_groups import layers_above, rate_groups


@pytest.fixture
def model(minilm_dir):
    return get_task("classification").head(str(minilm_dir), ["a", "b"])


def rates_by_name(model, groups):
    rate = {id(p): g["lr"] for g in groups for p in g["params"]}
    return {name: rate[id(p)] for name, p in model.named_parameters()}


def test_layer_decay_lowers_each_layer_below_the_top(model):
    groups = rate_groups(model, [{"params": list(model.parameters()), "lr": 1e-4}], 3e-3, 0.8)
    rates = rates_by_name(model, groups)
    layers = len(backbone(model).encoder.layer)  # minilm: 6
    assert rates["bert.encoder.layer.5.output.dense.weight"] == pytest.approx(1e-4)
    for i in range(layers):
        assert rates[f"bert.encoder.layer.{i}.attention.self.query.weight"] == pytest.approx(
            1e-4 * 0.8 ** (layers - 1 - i)
        )
    assert rates["bert.embeddings.word_embeddings.weight"] == pytest.approx(1e-4 * 0.8**layers)
    head = {id(p) for p in head_parameters(model)}
    assert {g["lr"] for g in groups if any(id(p) in head for p in g["params"])} == {3e-3}
    assert sum(len(g["params"]) for g in groups) == len(list(model.parameters()))
    assert len(groups) == layers + 2  # one group per rate: each layer, the embeddings, the head


def test_no_decay_keeps_the_body_at_one_rate(model):
    assert layers_above(model)[id(backbone(model).embeddings.word_embeddings.weight)] == 6
    groups = rate_groups(
        model, [{"params": list(model.parameters()), "lr": 1e-4, "weight_decay": 0.01}], None
    )
    assert [(g["lr"], g["weight_decay"]) for g in groups] == [(1e-4, 0.01)]
