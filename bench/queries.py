"""Query texts for the latency runs, in French (where the targets are measured) and in English.

The targets are measured with French queries: French is the product's first corpus, and a French
query is the heavier request (the fusion weights of any language but English use the question-level
model, so it costs two encodings, e5 and USE, and four engine queries; an English query costs one
encoding and two). The index is UK data, so a French query is a cross-language search: the same
work as on a French index. The English mix is reported beside it.

Every text is distinct, so a cache of query embeddings cannot answer any of them; they are built
from topics, angles and places, the way people vary a search, in a fixed shuffled order.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator

LANGUAGES = ("fr", "en")

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
    "les aides au numérique pour les PME",
    "le retard de paiement des primes à la rénovation",
    "le tarif progressif de l'électricité pour les ménages",
    "les parcs éoliens et l'opposition des riverains",
    "la fermeture des bureaux de poste en zone rurale",
    "la pénurie de médecins généralistes",
    "la qualité de l'air près des écoles",
    "le transport scolaire des élèves à besoins spécifiques",
    "les inondations et l'indemnisation des sinistrés",
    "la formation en alternance des jeunes demandeurs d'emploi",
    "les listes d'attente dans les maisons de repos",
    "l'accueil de la petite enfance et le manque de places en crèche",
    "l'entretien des routes régionales et les nids-de-poule",
    "la rénovation énergétique des logements sociaux",
    "les sans-abri pendant l'hiver",
    "la sécurité dans les trains et dans les gares",
    "les subsides aux clubs sportifs",
    "la gestion des déchets ménagers et le tri",
    "les bornes de recharge pour les voitures électriques",
    "la santé mentale des jeunes après la crise",
    "le personnel infirmier dans les hôpitaux",
    "les retards de la justice et l'arriéré judiciaire",
    "la précarité énergétique des ménages",
    "les contrats d'apprentissage dans les entreprises",
    "les rejets d'eaux usées dans les rivières",
    "les marchés publics de la défense",
    "les délais de traitement des demandes de visa",
    "les pensions alimentaires impayées",
    "la pollution due au trafic routier",
    "la suppression de lignes de bus",
    "les prêts étudiants et leur remboursement",
    "les délais d'intervention des ambulances",
    "l'évaluation du handicap pour les allocations",
    "les finances des communes",
    "l'aide au développement",
    "la cybersécurité des administrations",
    "le chômage des jeunes",
    "la construction de nouveaux hôpitaux",
    "l'électrification des lignes de chemin de fer",
    "le captage et le stockage du carbone",
)
FRENCH_ANGLES = (
    "",
    "quelles mesures sont prises contre",
    "quel est le budget consacré à",
    "quelle évaluation le ministre fait-il de",
    "quelles sont les statistiques sur",
    "quel est l'impact de",
    "quel financement pour",
    "quelles sont les consignes sur",
    "quelles concertations ont eu lieu sur",
    "pourquoi de tels retards dans",
)
_CONTRACTIONS = ((" de les ", " des "), (" de le ", " du "), (" à les ", " aux "), (" à le ", " au "))
FRENCH_PLACES = ("", " en Wallonie", " à Liège", " à Namur", " à Charleroi", " à Bruxelles", " depuis 2020")


def _texts(language: str) -> Iterator[str]:
    """Every text of ``language`` once, in a fixed shuffled order: any slice is a like mix (bare
    topics, questions, places), so the floor's queries and each latency run's are alike."""
    places, angles, topics = (
        (FRENCH_PLACES, FRENCH_ANGLES, FRENCH) if language == "fr" else (PLACES, ANGLES, TOPICS)
    )
    texts = []
    for place, angle, topic in itertools.product(places, angles, topics):
        text = " ".join(f"{angle} {topic}{place}".split())
        for wrong, right in _CONTRACTIONS:
            text = text.replace(wrong, right)
        texts.append(text)
    random.Random(f"semsearch-bench-{language}").shuffle(texts)
    yield from texts


def distinct_queries(n: int, language: str = "fr") -> list[str]:
    """``n`` distinct query texts in ``language`` ('fr' or 'en')."""
    if language not in LANGUAGES:
        raise ValueError(f"no queries in {language!r}: {', '.join(LANGUAGES)}")
    out = list(itertools.islice(_texts(language), n))
    if len(out) < n:
        raise ValueError(f"only {len(out)} distinct {language} queries can be made, {n} asked")
    return out


class QueryPool:
    """Hands out each language's queries once: no text is sent twice in a run."""

    def __init__(self) -> None:
        self._left = {language: _texts(language) for language in LANGUAGES}

    def take(self, n: int, language: str = "fr") -> list[str]:
        out = list(itertools.islice(self._left[language], n))
        if len(out) < n:
            raise ValueError(f"the {language} queries ran out ({n} asked, {len(out)} left)")
        return out
