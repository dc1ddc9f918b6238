"""Settings, built once at each entry point (CLI, API) and passed in."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from semsearch.fusion import Normalisation
from semsearch.query import DEFAULT_FUSION_WEIGHTS, SearchMode, SignalName

DEFAULT_MODEL = "multilingual-e5-small"
DEFAULT_QUESTION_MODEL = "use-multilingual-v3"
Encoder = Literal["auto", "torch", "onnx", "onnx-int8"]


class Settings(BaseSettings):
    """Every setting can come from the environment (``SEMSEARCH_…``) or a ``.env`` file."""

    model_config = SettingsConfigDict(env_prefix="SEMSEARCH_", env_file=".env", extra="ignore")

    index_path: Path = Field(
        default=Path(".semsearch"), description="Folder of the embedded index (Qdrant Edge)."
    )
    model: str = Field(
        default=DEFAULT_MODEL,
        description="Embedding model of the passages: 'multilingual-e5-small' (bundled, the default), "
        "'all-MiniLM-L6-v2' (bundled, English), any sentence-transformers name or path, or "
        "'fake' / 'fake:DIM' (a tiny deterministic embedder for tests and demos).",
    )
    question_model: str | None = Field(
        default=None,
        description="Model of the question-level vector (one per question): "
        "'use-multilingual-v3' (bundled), 'none', or 'fake:DIM'. Unset: use-multilingual-v3, or "
        "fake:32 when the model is a fake one.",
    )
    prompts: dict[str, str] | None = Field(
        default=None,
        description='Texts put before queries and passages, e.g. {"query": "query: ", "document": '
        "\"passage: \"}; unset: the model's own (and e5's prefixes for an e5 model that saves none).",
    )
    device: str = Field(default="cpu", description="Torch device for the model.")
    encoder: Encoder = Field(
        default="auto",
        description="How the model runs: 'onnx' (ONNX Runtime, exported once from the local weights "
        "into ~/.cache/semsearch; the same vectors as torch, and no torch import when searching), "
        "'onnx-int8' (quantised: about twice as fast, 0.008 lower nDCG@10 on the French set), 'torch' "
        "(sentence-transformers), or 'auto' (onnx on the CPU when the model is a local folder, else "
        "torch). An index records the precision of its vectors and refuses the other.",
    )
    query_cache_size: int = Field(
        default=1024, ge=0, description="Query embeddings kept in memory (LRU; 0: no cache)."
    )
    query_threads: int = Field(
        default=4,
        ge=0,
        le=64,
        description="Threads shared by the searches for their independent parts (the two query "
        "encodings, the ranking's engine queries), so that one search uses both cores; 0: each "
        "search does its parts one after the other.",
    )
    warm_page_cache: bool = Field(
        default=True,
        description="'serve' reads the embedded index's files into the system's page cache after it "
        "starts, in the background, as far as half the available memory allows: the engine would "
        "otherwise read them from the disk during its first thousands of searches, each read "
        "holding up every request (false: leave them to the searches).",
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
    max_query_chars: int = Field(
        default=10_000, ge=10, description="Longest query accepted (a whole question)."
    )
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
    title_weight: int = Field(
        default=2, ge=1, le=10, description="How many times a title counts in its question's BM25."
    )
    bm25_avg_len: float = Field(
        default=150.0, gt=0, description="Average question length (distinct terms) for the question BM25."
    )
    passage_share: float = Field(
        default=0.5, ge=0, le=1, description="A question's passage score: best + this share of the next two."
    )
    fusion_weights: dict[str, dict[SignalName, float]] = Field(
        default_factory=lambda: {lang: dict(w) for lang, w in DEFAULT_FUSION_WEIGHTS.items()},
        description="Per query language ('default': any other), the weight of each signal in a "
        "question's fused score: bm25, passages, question, question_model (docs/evaluation.md).",
    )
    fusion: Normalisation = Field(
        default="z", description="How each signal's scores are normalised before they are summed: z, minmax."
    )
    passage_depth: int = Field(
        default=200, ge=10, le=5000, description="Passages fetched by the passage signal."
    )
    question_depth: int = Field(
        default=100, ge=10, le=2000, description="Questions fetched by each question-level signal."
    )
    cross_language_weight: float = Field(
        default=0.25,
        ge=0,
        le=1,
        description="BM25 evidence from a question in another language than the query's counts this much "
        "(names and figures still match across languages; the rest is noise).",
    )

    closeness_thresholds: dict[str, dict[str, dict[str, float]]] = Field(
        # Fitted per language on judged data (docs/evaluation.md); another language uses the
        # English ones. A text's similarity (query to its best passage) and a question's (two
        # questions' title-and-question vectors) are cosines on different scales: two tables.
        default_factory=lambda: {
            "text": {
                "fr": {"same question": 0.93, "closely related": 0.89, "same topic": 0.875},
                "en": {"same question": 0.93, "closely related": 0.89, "same topic": 0.875},
            },
            "question": {
                "fr": {"same question": 0.995, "closely related": 0.975, "same topic": 0.97},
                "en": {"same question": 0.995, "closely related": 0.96, "same topic": 0.93},
            },
        },
        description="For a text ('text') and for a question ('question'), per language, the "
        "similarity from which a result gets each precedent label.",
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

    @field_validator("fusion_weights")
    @classmethod
    def _default_weights(
        cls, value: dict[str, dict[SignalName, float]]
    ) -> dict[str, dict[SignalName, float]]:
        if "default" not in value:
            raise ValueError("SEMSEARCH_FUSION_WEIGHTS needs a 'default' entry (the weights of any language)")
        if any(w < 0 for weights in value.values() for w in weights.values()):
            raise ValueError("SEMSEARCH_FUSION_WEIGHTS: weights must be 0 or more")
        return value

    @field_validator("closeness_thresholds")
    @classmethod
    def _both_tables(
        cls, value: dict[str, dict[str, dict[str, float]]]
    ) -> dict[str, dict[str, dict[str, float]]]:
        if set(value) != {"text", "question"} or not all(value.values()):
            raise ValueError(
                "SEMSEARCH_CLOSENESS_THRESHOLDS needs a 'text' and a 'question' table, each by language"
            )
        return value

    def weights_for(self, language: str) -> dict[SignalName, float]:
        """The fusion weights of a query language (a signal left out weighs 0)."""
        return self.fusion_weights.get(language, self.fusion_weights["default"])

    @field_validator("api_key")
    @classmethod
    def _no_placeholder_key(cls, value: str | None) -> str | None:
        if value is not None and value.strip().lower() in {"", "changeme", "change-me", "secret"}:
            raise ValueError("SEMSEARCH_API_KEY is a placeholder; set a real secret or leave it unset")
        return value
