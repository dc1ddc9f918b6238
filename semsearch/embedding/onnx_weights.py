"""An exported model's large weights kept in a file beside its graph, which ONNX Runtime maps
into memory instead of reading (``semsearch.embedding.onnx_export`` writes every export so)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

# Weights larger than this go to the file apart (all of a transformer's matrices; not its biases).
_APART_BYTES = 1 << 20


def weights_apart(model_file: Path) -> None:
    """Move the model's large weights into ``<file>.data`` beside it. ONNX Runtime maps such a
    file into memory rather than reading it: e5-small's session opens in 0.13 s instead of 1.14 s
    and holds 106 MiB instead of 482 after a query (``python -m bench.levers onnx``): its word
    embeddings (250,037 x 384 floats) take memory only for the rows of the tokens met. The same
    vectors: the same weights, stored elsewhere. Written beside, then renamed into place, the
    data file first: the old model file, whole, stays valid until the new one replaces it."""
    import onnx

    model = onnx.load(str(model_file))  # loads weights already apart too
    scratch = Path(tempfile.mkdtemp(prefix=".apart-", dir=model_file.parent))
    try:
        data = model_file.name + ".data"
        onnx.save_model(
            model,
            str(scratch / model_file.name),
            save_as_external_data=True,
            all_tensors_to_one_file=True,
            location=data,
            size_threshold=_APART_BYTES,
        )
        (scratch / data).chmod(0o644)  # as readable as the rest of the cache
        os.replace(scratch / data, model_file.with_name(data))
        os.replace(scratch / model_file.name, model_file)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
