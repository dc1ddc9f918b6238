"""Embedding: turning texts into vectors.

``protocol`` (what the core needs from a model), ``loader`` (the setting -> an encoder),
``sentence_transformer`` (torch), ``onnx_encoder`` (ONNX Runtime, the query path), ``onnx_export``
and ``onnx_check`` (the one-off export and its check against torch), ``fake`` (a tiny deterministic
embedder for tests and demos) and ``cache`` (the query-vector LRU).
"""
