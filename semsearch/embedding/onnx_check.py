"""The texts an ONNX export is checked on, and its agreement with sentence-transformers."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from semsearch.embedding.onnx_encoder import INT8_FILE, OnnxEmbedder

_FRENCH = (
    "Les primes à la rénovation des logements sont payées avec retard, ce qui pénalise les ménages "
    "modestes qui avancent les frais des travaux d'isolation et de remplacement des châssis. "
)
_ENGLISH = (
    "To ask the Secretary of State for Health and Social Care, what steps his Department is taking to "
    "reduce waiting times for cancer treatment in rural areas, and if he will make a statement. "
)


_SHORT = (
    "énergie|NHS|aides au numérique pour les PME wallonnes|retard de paiement des primes rénovation|"
    "flood defences in Yorkshire|cost of living support for pensioners|"
    "Quelle est la position du Gouvernement wallon sur le tarif progressif de l'électricité ?|"
    "Le parc éolien de la vallée suscite l'opposition des riverains (12 éoliennes, 3,6 MW chacune).|"
    "How many apprenticeships were started in 2023-24 in each region of England?|"
    "  espaces   multiples\tet tabulation  |"
    "Œuvres d'art, façades, naïveté, Noël à Liège — « guillemets » et … points de suspension|"
    "COVID-19: £2.5bn allocated; 40% of trusts reported delays (see HC Deb, 12 March 2024, col. 5)."
).split("|")


def check_texts() -> list[str]:
    """Varied texts for comparing an export with sentence-transformers: French and English, from one
    word to far past the model's maximum length (truncation), accents, figures, odd spacing."""
    long = [_FRENCH, _ENGLISH, _FRENCH * 3, _ENGLISH * 3, _FRENCH * 12, _ENGLISH * 12]
    cut = [" ".join(_FRENCH.split()[:40]), " ".join(_ENGLISH.split()[:40])]
    numbered = [f"Question {n}: {_ENGLISH.split(',')[1]} ({n} cases)" for n in range(8)]
    numbered += [f"Question {n} : {_FRENCH.split(',')[0].lower()} dans la commune n° {n}" for n in range(8)]
    return _SHORT + long + cut + numbered


def compare_with_torch(folder: Path, file: str, texts: list[str], reference: np.ndarray) -> dict[str, float]:
    """Cosine of an exported model's document vectors with sentence-transformers' (unit) ones."""
    embedder = OnnxEmbedder(folder, folder.name, quantized=file == INT8_FILE)
    cosines = np.sum(embedder.embed_documents(texts) * reference, axis=1)
    return {"mean_cosine": float(cosines.mean()), "min_cosine": float(cosines.min())}
