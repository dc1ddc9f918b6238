"""Query texts for the latency runs: UK English topics (the index is UK data) and some French.

Every text is distinct, so a cache of query embeddings cannot answer any of them; they are
built from topics, angles and places, the way people vary a search, in a fixed order.
"""

from __future__ import annotations

import itertools

TOPICS = (
    "NHS waiting times for cancer treatment",
    "cost of living support for pensioners",
    "flood defences",
    "housing benefit take-up",
    "school funding for special educational needs",
    "armed forces housing conditions",
    "rail fares and season tickets",
    "pothole repairs on local roads",
    "asylum accommodation in hotels",
    "dental care access",
    "energy bills for small businesses",
    "universal credit sanctions",
    "GP appointments availability",
    "teacher recruitment and retention",
    "knife crime among young people",
    "prison overcrowding",
    "farm payments and environmental land management",
    "broadband rollout in rural areas",
    "electric vehicle charging points",
    "mental health services for children",
    "social care workforce",
    "court backlogs",
    "fuel poverty",
    "apprenticeship starts",
    "water company sewage discharges",
    "defence procurement",
    "visa processing delays",
    "child maintenance service",
    "air pollution",
    "bus services cuts",
    "student loan repayments",
    "ambulance response times",
    "disability benefits assessments",
    "local authority finances",
    "overseas aid spending",
    "cyber security of public services",
    "youth unemployment",
    "hospital building programme",
    "railway electrification",
    "carbon capture and storage",
)
ANGLES = (
    "",
    "what steps are being taken on",
    "how much has been spent on",
    "recent assessment of",
    "statistics on",
    "impact of",
    "funding for",
    "guidance on",
    "what discussions have taken place on",
    "delays in",
)
PLACES = ("", " in England", " in Scotland", " in Wales", " in Northern Ireland", " in London", " since 2020")
FRENCH = (
    "aides au numérique pour les PME wallonnes",
    "retard de paiement des primes à la rénovation",
    "tarif progressif de l'électricité pour les ménages",
    "parc éolien et opposition des riverains",
    "fermeture des bureaux de poste en zone rurale",
    "pénurie de médecins généralistes",
    "qualité de l'air près des écoles",
    "transport scolaire des élèves à besoins spécifiques",
    "inondations et indemnisation des sinistrés",
    "formation en alternance des jeunes demandeurs d'emploi",
)
FRENCH_PLACES = ("", " en Wallonie", " à Liège", " à Namur", " à Charleroi", " depuis 2020")


def distinct_queries(n: int) -> list[str]:
    """``n`` distinct query texts, one French text in six."""
    english = (
        " ".join(f"{angle} {topic}{place}".split())
        for place, angle, topic in itertools.product(PLACES, ANGLES, TOPICS)
    )
    french = (f"{topic}{place}" for place, topic in itertools.product(FRENCH_PLACES, FRENCH))
    out: list[str] = []
    for i in itertools.count():
        source = french if i % 6 == 5 else english
        text = next(source, None) or next(english, None) or next(french, None)
        if text is None or len(out) >= n:
            break
        out.append(text)
    if len(out) < n:
        raise ValueError(f"only {len(out)} distinct queries can be made, {n} asked")
    return out
