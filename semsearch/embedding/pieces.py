"""The query encoder's tokenizers: sentence-transformers' own (``tokenizers``, from
``tokenizer.json``), or, for a SentencePiece unigram model such as the default e5's (XLM-R's
250,002 pieces), the ``sentencepiece`` library on the same pieces.

Why: ``tokenizers`` builds its unigram model from ``tokenizer.json`` in about a second, holding
the interpreter all along, and keeps 280 MiB for it; ``sentencepiece`` reads the same pieces,
written once into its own format beside ``tokenizer.json``, in a fraction of that time and
memory, and tokenizes faster (docs/performance.md). The two tokenizations agree on every text
tested but about one in 14,000 real ones (8 of 113,564), where two near-equal splits of a word are chosen
differently (``tests/test_pieces.py`` measures it on the shared corpora). A model whose
``tokenizer.json`` is not of that kind, or whose pieces do not tokenize a sample as
``tokenizers`` does, keeps ``tokenizers``.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import re
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from semsearch.whole_files import write_text_whole

logger = logging.getLogger(__name__)

PIECES_FILE = "tokenizer.pieces.model"
SPEC_FILE = "tokenizer.pieces.json"  # what PieceTokens adds around the pieces: the special tokens
UNUSABLE_FILE = "tokenizer.pieces.unusable"  # the pieces were tried and did not agree: keep tokenizers
# Texts the two tokenizers must tokenize alike before the pieces are used: languages, accents,
# spacing, unknown characters, and the special tokens written out in a text.
SAMPLE = (
    "query: Quelles mesures le Gouvernement wallon a-t-il prises pour les zones d'activité économique ?",
    "passage: De minister antwoordt dat de federale overheidsdienst de aanvragen behandelt.",
    "What steps is the Department taking to reduce waiting lists for hospital treatment?",
    "Die Bundesregierung prüft die Maßnahmen zur Energieeinsparung in öffentlichen Gebäuden.",
    "  leading and trailing spaces  ",
    "lines\n\nand\ttabs\r\nand\u00a0no-break\u2003spaces",
    "ﬁ ligature, ＦＵＬＬ width, e\u0301 combining, zero\u200bwidth",
    "emoji 😀 and 漢字 and Ελληνικά and русский",
    "<s> specials </s> in <mask>text<unk> and <pad>",
    " ",
    "",
)


class Tokens(Protocol):
    """Token ids for the model: each text wrapped in its special tokens and cut to ``limit``."""

    def encode(self, texts: Sequence[str]) -> list[list[int]]: ...

    def count(self, text: str) -> int:
        """Tokens of ``text`` uncut, special tokens included."""
        ...


class HubTokens:
    """sentence-transformers' own tokenizer (``tokenizers``), as the model was trained with."""

    def __init__(self, path: Path, limit: int) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(path))
        # Configured once and never changed: tokenizers' settings are not safe to flip while
        # other threads encode.
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(limit)
        self._specials = self._tokenizer.num_special_tokens_to_add(False)

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        return [e.ids for e in self._tokenizer.encode_batch(list(texts))]

    def count(self, text: str) -> int:
        # Truncation hands the rest back as overflowing pieces, each wrapped in its own special
        # tokens, so one tokenizer serves both needs.
        encoding = self._tokenizer.encode(text)
        pieces = [encoding, *encoding.overflowing]
        return sum(len(p.ids) - self._specials for p in pieces) + self._specials


class PieceTokens:
    """The same unigram tokenization by ``sentencepiece``, with what ``tokenizers`` adds around
    it: the special tokens written in a text are read as such (each stretch between them
    tokenized apart, as ``tokenizers`` does), and, when ``tokenizers`` keeps one, a stretch
    ending in spaces gets a lone space piece (``sentencepiece`` drops trailing spaces)."""

    def __init__(self, path: Path, spec: dict[str, Any], limit: int) -> None:
        import sentencepiece

        self._processor = sentencepiece.SentencePieceProcessor(model_file=str(path))
        self._first, self._last = int(spec["first"]), int(spec["last"])
        self._space: int | None = spec["space"]
        self._specials = {str(k): int(v) for k, v in spec["specials"].items()}
        self._split = re.compile("(" + "|".join(map(re.escape, self._specials)) + ")")
        self._limit = limit

    def _content(self, text: str) -> list[int]:
        ids: list[int] = []
        for n, stretch in enumerate(self._split.split(text)):
            ids += [self._specials[stretch]] if n % 2 else self._stretch(stretch)
        return ids

    def _stretch(self, text: str) -> list[int]:
        ids: list[int] = self._processor.encode(text) if text else []
        if self._space is not None and text[-1:].isspace():
            ids.append(self._space)
        return ids

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        cut = self._limit - 2
        return [[self._first, *self._content(t)[:cut], self._last] for t in texts]

    def count(self, text: str) -> int:
        return len(self._content(text)) + 2


def load_tokens(folder: Path, limit: int) -> Tokens:
    """The tokenizer of an exported model folder: its pieces when it has usable ones (written
    now, once, if they can be), else ``tokenizer.json`` through ``tokenizers``."""
    source = folder / "tokenizer.json"
    pieces_file, spec_file = folder / PIECES_FILE, folder / SPEC_FILE
    if not (pieces_file.is_file() and spec_file.is_file()) and not (folder / UNUSABLE_FILE).exists():
        _write_pieces(source, folder)
    if pieces_file.is_file():
        try:
            return PieceTokens(pieces_file, json.loads(spec_file.read_text(encoding="utf-8")), limit)
        except Exception as exc:  # damaged: tokenizers now, the pieces made again next time
            logger.warning("ignoring the damaged tokenizer pieces in %s (%s)", folder, exc)
            with contextlib.suppress(OSError):
                pieces_file.unlink()
    return HubTokens(source, limit)


def _write_pieces(source: Path, folder: Path) -> None:
    """Write the pieces of ``tokenizer.json`` in SentencePiece's format when it is a unigram model
    that ``sentencepiece`` runs alike, checked on :data:`SAMPLE` from a trial copy (the pieces file
    appears, whole, only once checked: another process may be loading meanwhile); else mark them
    unusable. A folder that cannot be written, or no ``sentencepiece``, keeps ``tokenizers``."""
    trial = folder / f".{PIECES_FILE}.{os.getpid()}.trial"
    try:
        built = compile_pieces(json.loads(source.read_text(encoding="utf-8")))
        if built is None:
            (folder / UNUSABLE_FILE).touch()
            return
        model, spec = built
        write_text_whole(folder / SPEC_FILE, json.dumps(spec))
        trial.write_bytes(model)
        if _agrees(source, trial, spec):
            os.replace(trial, folder / PIECES_FILE)
        else:
            logger.warning("the tokenizer pieces of %s do not tokenize as tokenizers does: not used", folder)
            (folder / UNUSABLE_FILE).touch()
    except Exception as exc:  # a read-only cache, no sentencepiece, pieces it refuses: tokenizers
        logger.warning("cannot use tokenizer pieces in %s (%s): tokenizers is used", folder, exc)
    finally:
        trial.unlink(missing_ok=True)


def _agrees(source: Path, pieces_file: Path, spec: dict[str, Any]) -> bool:
    limit = 512
    pieces = PieceTokens(pieces_file, spec, limit)
    hub = HubTokens(source, limit)
    return pieces.encode(SAMPLE) == hub.encode(SAMPLE) and all(
        pieces.count(t) == hub.count(t) for t in SAMPLE
    )


def compile_pieces(described: dict[str, Any]) -> tuple[bytes, dict[str, Any]] | None:
    """SentencePiece's model file (its protocol buffer, spelled here) for a ``tokenizer.json``
    of the XLM-R kind, and what :class:`PieceTokens` adds around it; None for any other kind."""
    model = described.get("model") or {}
    vocab = model.get("vocab") or []
    normalizer = described.get("normalizer") or {}
    normalizers = normalizer.get("normalizers") or [normalizer]
    collapse = {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}
    trailing_space = _space_rule(described.get("pre_tokenizer") or {})
    post = described.get("post_processor") or {}
    added_tokens = described.get("added_tokens") or []
    if (
        model.get("type") != "Unigram"
        or model.get("byte_fallback")
        or normalizers[0].get("type") != "Precompiled"
        or any(n != collapse for n in normalizers[1:])
        or trailing_space is None
        or post.get("type") != "TemplateProcessing"
        or any(t.get("lstrip") or t.get("rstrip") or t.get("single_word") for t in added_tokens)
    ):
        return None
    single = post.get("single") or []
    ends = [s.get("SpecialToken", {}).get("id") for s in single[:1] + single[-1:]]
    space = next((n for n, (p, _) in enumerate(vocab) if p == "\u2581"), None)
    added = {str(t["content"]): int(t["id"]) for t in added_tokens}
    unknown = model.get("unk_id")
    if len(single) != 3 or None in ends or space is None or unknown is None:
        return None
    charsmap = base64.b64decode(normalizers[0]["precompiled_charsmap"])
    # Piece types: 1 normal, 2 unknown, 3 control (never produced from text: the specials are
    # matched before, as tokenizers does).
    types = dict.fromkeys(added.values(), 3) | {int(unknown): 2}
    spelled = b"".join(
        _bytes(1, _bytes(1, str(p).encode()) + _float(2, float(s)) + _int(3, types.get(n, 1)))
        for n, (p, s) in enumerate(vocab)
    )
    trainer = _int(3, 1) + _int(40, int(unknown)) + _int(41, -1) + _int(42, -1) + _int(43, -1)
    normalizer_spec = _bytes(1, b"precompiled") + _bytes(2, charsmap) + _int(3, 1) + _int(4, 1) + _int(5, 1)
    spec = {
        "first": added[ends[0]],
        "last": added[ends[1]],
        "space": space if trailing_space else None,
        "specials": added,
    }
    return spelled + _bytes(2, trainer) + _bytes(3, normalizer_spec), spec


def _space_rule(pre: dict[str, Any]) -> bool | None:
    """Whether a text ending in spaces ends in a lone space piece: yes after a bare Metaspace (the
    package's ``tokenizer.json``), no when words are split on whitespace first (transformers saves
    it so); None for any other pre-tokenizer."""
    steps = pre.get("pretokenizers") if pre.get("type") == "Sequence" else [pre]
    kinds = [step.get("type") for step in steps or []]
    metaspace = (steps or [{}])[-1]
    if kinds[-1:] != ["Metaspace"] or metaspace.get("replacement") != "\u2581":
        return None
    if metaspace.get("prepend_scheme", "always") != "always" or metaspace.get("add_prefix_space") is False:
        return None
    if kinds == ["Metaspace"]:
        return True
    return False if kinds == ["WhitespaceSplit", "Metaspace"] else None


# -- the protocol buffer's wire format (sentencepiece_model.proto: ModelProto) ------------------
def _varint(n: int) -> bytes:
    n &= (1 << 64) - 1  # negative int32 values are sent as 64-bit two's complement
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _bytes(field: int, data: bytes) -> bytes:
    return _varint(field << 3 | 2) + _varint(len(data)) + data


def _int(field: int, value: int) -> bytes:
    return _varint(field << 3) + _varint(value)


def _float(field: int, value: float) -> bytes:
    return _varint(field << 3 | 5) + struct.pack("<f", value)
