"""Settings, built once at each entry point (CLI, API) and passed in."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from semsearch.query import SearchMode

DEFAULT_MODEL = "all-MiniLM-L6-v2"
Encoder = Literal["auto", "torch", "onnx", "onnx-int8"]


class Settings(BaseSettings):
    """Every setting can come from the environment (``SEMSEARCH_…``) or a ``.env`` file."""

    model_config = SettingsConfigDict(env_prefix="SEMSEARCH_", env_file=".env", extra="ignore")

    index_path: Path = Field(
        default=Path(".semsearch"), description="Folder of the embedded index (Qdrant Edge)."
    )
    model: str = Field(
        default=DEFAULT_MODEL,
        description="Embedding model: the bundled default, any sentence-transformers name or path, "
        "or 'fake' / 'fake:DIM' (a tiny deterministic embedder for tests and demos).",
    )
    device: str = Field(default="cpu", description="Torch device for the model.")
    encoder: Encoder = Field(
        default="auto",
        description="How the model runs: 'onnx' (ONNX Runtime, exported once from the local weights "
        "into ~/.cache/semsearch; the same vectors as torch, and no torch import when searching), "
        "'onnx-int8' (quantised: faster, vectors move by a cosine of ~0.007), 'torch' "
        "(sentence-transformers), or 'auto' (onnx on the CPU when the model is a local folder, else torch).",
    )
    query_cache_size: int = Field(
        default=1024, ge=0, description="Query embeddings kept in memory (LRU; 0: no cache)."
    )
    batch_size: int = Field(
        default=2048,
        ge=1,
        le=100_000,
        description="Passages (about) embedded and written per indexing batch; fewer lose speed "
        "(the encoder groups texts of similar length), more only cost memory.",
    )
    api_key: str | None = Field(default=None, description="Key required by the API's write routes.")
    cors_origins: list[str] = Field(default_factory=list, description="Origins allowed to call the API.")
    max_query_chars: int = Field(default=4000, ge=10, description="Longest query accepted.")
    max_body_bytes: int = Field(default=5_000_000, ge=1000, description="Largest request body accepted.")
    rate_limit_per_second: float = Field(
        default=20.0, ge=0, description="Requests a second per client address (0: no limit)."
    )
    rate_limit_burst: int = Field(default=40, ge=1, description="Requests a client may send at once.")
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses of the reverse proxies whose X-Forwarded-For header names the client "
        '(JSON list, e.g. ["127.0.0.1"]); none by default: the client is the connection\'s address.',
    )

    # -- retrieval ------------------------------------------------------------------------------
    search_mode: SearchMode = Field(
        default="hybrid",
        description="Default ranking: the model, BM25, or both fused (see docs/evaluation.md).",
    )
    language: str = Field(
        default="auto",
        description="BM25 language (stemmer, stop words): 'auto' (a question's own, else detected), "
        "'fr', 'en'…",
    )
    hybrid_weights: dict[str, tuple[int, int]] = Field(
        default_factory=lambda: {"fr": (1, 4), "en": (1, 4)},
        description="RRF weights (dense, BM25) per language, whole numbers, chosen by measurement.",
    )
    rrf_k: int = Field(default=30, ge=1, description="The k of reciprocal rank fusion.")
    bm25_avg_len: float = Field(default=40.0, gt=0, description="Average passage length (terms) for BM25.")
    passage_share: float = Field(
        default=0.2, ge=0, le=1, description="A question's score: best passage + this share of the next two."
    )

    closeness_thresholds: dict[str, dict[str, float]] = Field(
        # Fitted per language (the same model gives French texts lower cosines), see
        # docs/evaluation.md; another language uses the English ones.
        default_factory=lambda: {
            "fr": {"same question": 0.95, "closely related": 0.67, "same topic": 0.60},
            "en": {"same question": 0.97, "closely related": 0.80, "same topic": 0.65},
        },
        description="Per language, the similarity from which a result gets each precedent label.",
    )

    # -- a Qdrant server or cluster instead of the embedded engine --------------------------
    qdrant_url: str | None = Field(
        default=None, description="URL of a Qdrant server; when set, it replaces the embedded index."
    )
    qdrant_api_key: str | None = Field(default=None, description="API key of the Qdrant server.")
    collection: str = Field(default="semsearch", description="Collection name on the Qdrant server.")
    shard_number: int | None = Field(default=None, ge=1, description="Shards of a new collection (cluster).")
    replication_factor: int | None = Field(default=None, ge=1, description="Copies of each shard (cluster).")
    write_consistency_factor: int | None = Field(
        default=None, ge=1, description="Replicas that must confirm a write (cluster)."
    )
    qdrant_timeout: float = Field(default=10.0, gt=0, description="Seconds before a server call gives up.")

    @field_validator("model")
    @classmethod
    def _model_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("SEMSEARCH_MODEL is empty")
        return value.strip()

    @field_validator("api_key")
    @classmethod
    def _no_placeholder_key(cls, value: str | None) -> str | None:
        if value is not None and value.strip().lower() in {"", "changeme", "change-me", "secret"}:
            raise ValueError("SEMSEARCH_API_KEY is a placeholder; set a real secret or leave it unset")
        return value
