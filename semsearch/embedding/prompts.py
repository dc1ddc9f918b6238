"""The texts put before a query and before a passage (e5's ``query: `` / ``passage: ``).

Both encoders (torch and ONNX) take them from here, so the same model gives the same vectors
whichever runs it. The rule is sentence-transformers': ``encode_query`` uses the model's saved
``query`` prompt and ``encode_document`` its ``document`` prompt. Two additions: the setting
``SEMSEARCH_PROMPTS`` overrides them, and the e5 family, whose model card asks for the prefixes but
whose saved configuration may not hold them, gets them when the model saves none.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_E5 = re.compile(r"(^|[/_-])(multilingual-)?e5-(small|base|large)(-v2)?$", re.IGNORECASE)


@dataclass(frozen=True)
class Prompts:
    query: str = ""
    document: str = ""


E5_PROMPTS = Prompts("query: ", "passage: ")


def resolve(name: str, saved: Prompts, override: Mapping[str, str] | None = None) -> Prompts:
    if override is not None:
        return Prompts(override.get("query", ""), override.get("document", ""))
    if not saved.query and not saved.document and _E5.search(name.rstrip("/")):
        return E5_PROMPTS
    return saved
