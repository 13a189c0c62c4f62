"""/v1/embeddings (OpenAI shape: the official `openai` client, which asks for base64 by default, and its types)
and /v1/search over a corpus,
served in-process from the session's embedding run; the exact and the FAISS index agree; bad input."""

import json

import numpy as np
import pytest
from fastapi.testclient import TestClient

from vertune.deploy.serve.app import ServeConfig, create_app
from vertune.deploy.serve.embedding_routes import SearchIndex

pytestmark = pytest.mark.e2e
DOCUMENTS = [
    {"id": "rates", "text": "The central bank raised interest rates by a quarter point."},
    {"id": "cup", "text": "The home side won the cup final with a late goal."},
    {"id": "phone", "text": "The new phone has a faster chip and a bigger battery."},
]


@pytest.fixture(scope="module")
def client(embedding_run, tmp_path_factory):
    corpus = tmp_path_factory.mktemp("corpus") / "docs.jsonl"
    corpus.write_text("".join(json.dumps(d) + "\n" for d in DOCUMENTS), encoding="utf-8")
    app = create_app(ServeConfig([str(embedding_run)], corpus=str(corpus), max_items=4, max_text_chars=300))
    with TestClient(app) as test_client:
        yield test_client


def test_embeddings_in_the_openai_shape(client):
    from openai.types import CreateEmbeddingResponse

    response = client.post(
        "/v1/embeddings", json={"input": ["a goal in the final", "bank rates"], "model": "run"}
    )
    assert response.status_code == 200, response.text
    parsed = CreateEmbeddingResponse.model_validate(response.json())
    vectors = np.array([d.embedding for d in parsed.data])
    assert vectors.shape == (2, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert parsed.usage.prompt_tokens > 0


def test_the_official_openai_client_gets_the_same_vectors_as_floats(client):
    from openai import OpenAI

    # TestClient is an httpx.Client: the real client sends its real requests to the in-process app.
    official = OpenAI(base_url="http://testserver/v1", api_key="unused", http_client=client)
    texts = ["a goal in the final", "bank rates"]
    decoded = official.embeddings.create(input=texts, model="run")  # encoding_format base64, decoded
    as_floats = client.post("/v1/embeddings", json={"input": texts, "encoding_format": "float"}).json()
    np.testing.assert_allclose(
        [d.embedding for d in decoded.data], [d["embedding"] for d in as_floats["data"]], rtol=1e-6
    )
    assert client.post("/v1/embeddings", json={"input": "x", "dimensions": 384}).status_code == 200


def test_search_ranks_the_corpus(client):
    response = client.post("/v1/search", json={"query": "who won the football cup", "top_k": 2})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["index"] == "exact" and body["corpus_size"] == 3
    assert [r["rank"] for r in body["results"]] == [1, 2] and body["results"][0]["id"] == "cup"
    assert body["results"][0]["score"] >= body["results"][1]["score"]


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/v1/embeddings", {"input": []}, 422),
        ("/v1/embeddings", {"input": ["   "]}, 422),
        ("/v1/embeddings", {"input": ["x"] * 5}, 413),
        ("/v1/embeddings", {"input": "x", "encoding_format": "binary"}, 422),
        ("/v1/embeddings", {"input": "x", "dimensions": 64}, 422),
        ("/v1/embeddings", {"input": "x", "model": "nope"}, 404),
        ("/v1/search", {"query": "x" * 301}, 413),
        ("/v1/search", {"query": "x", "top_k": 0}, 422),
    ],
)
def test_bad_requests_get_one_line_errors(client, path, body, status):
    response = client.post(path, json=body)
    assert response.status_code == status, response.text
    assert "Traceback" not in response.text


def test_faiss_agrees_with_the_exact_index():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(300, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    exact, approximate = SearchIndex(vectors), SearchIndex(vectors, exact_limit=10)
    assert (exact.kind, approximate.kind) == ("exact", "faiss-hnsw")
    _, expected = exact.search(vectors[:20], 5)
    _, found = approximate.search(vectors[:20], 5)
    assert found[:, 0].tolist() == expected[:, 0].tolist() == list(range(20))
    assert np.mean([len(set(a) & set(b)) / 5 for a, b in zip(found, expected, strict=True)]) > 0.9


def test_serve_refuses_a_corpus_without_texts_before_starting(embedding_run, tmp_path):
    from helpers import fails_cleanly, vertune

    (tmp_path / "docs.jsonl").write_text('{"id": 1, "body": "no text field"}\n', encoding="utf-8")
    fails_cleanly(vertune("serve", str(embedding_run), "--corpus", str(tmp_path / "docs.jsonl")), "text")
    fails_cleanly(
        vertune("serve", str(embedding_run), "--corpus", str(tmp_path / "missing.jsonl")), "missing.jsonl"
    )
