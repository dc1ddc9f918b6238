"""What the faces show around a search, built on the service's public reading methods: what the
index holds and whether there is one to read (or it is damaged), the newest labelled results
(feeds), the likely addressees of a draft (``routing``) and answer times (``answer_times``).

A base class of :class:`semsearch.service.SearchService`, apart so that the facade stays small.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Literal, Unpack

from semsearch import closeness as closeness_filter
from semsearch import index_meta, routing
from semsearch.answer_times import AnswerTimes, Grouping, answer_times
from semsearch.errors import EmptyIndexError
from semsearch.filters import SearchFilter
from semsearch.integrity import probe
from semsearch.models import IndexStats, QuestionSummary, SearchHit
from semsearch.payload import summary_from_payload
from semsearch.query import check_page
from semsearch.results import Page, page
from semsearch.routing import Routing

if TYPE_CHECKING:
    from typing import Any

    from semsearch.service import Options
    from semsearch.store import Store

IndexState = Literal["missing", "empty", "ready"]


class ServiceViews:
    if TYPE_CHECKING:  # provided by SearchService
        store: Store

        def _meta(self) -> dict[str, Any] | None: ...

        def search(
            self, query: str, limit: int = 10, offset: int = 0, **options: Unpack[Options]
        ) -> list[SearchHit]: ...

        def related(
            self, question_id: str, limit: int = 10, offset: int = 0, **options: Unpack[Options]
        ) -> list[SearchHit]: ...

    def search_page(
        self,
        query: str,
        limit: int = 10,
        offset: int = 0,
        closeness: str | None = None,
        **options: Unpack[Options],
    ) -> Page:
        """:meth:`search`'s page and the offset of the next one (None on the last page); with
        ``closeness``, of the results with that precedent label or a closer one."""
        return _paged(lambda n, skip: self.search(query, n, skip, **options), limit, offset, closeness)

    def related_page(
        self,
        question_id: str,
        limit: int = 10,
        offset: int = 0,
        closeness: str | None = None,
        **options: Unpack[Options],
    ) -> Page:
        """:meth:`related`'s page, as :meth:`search_page`."""
        return _paged(lambda n, skip: self.related(question_id, n, skip, **options), limit, offset, closeness)

    def index_state(self) -> IndexState:
        """'missing' (nothing was ever indexed), 'empty' (no question left) or 'ready'."""
        if self._meta() is None:
            return "missing"
        return "ready" if self.store.has_questions() else "empty"

    def require_index(self, build: str = "semsearch index FILES_OR_FOLDERS") -> None:
        """Refuse to read a missing or empty index, saying how to build one (``build``)."""
        state = self.index_state()
        if state != "ready":
            raise EmptyIndexError(self.store.location, state == "missing", build)

    def newest(
        self, query: str, closeness: str, limit: int = 20, **options: Unpack[Options]
    ) -> list[SearchHit]:
        """The most recently asked questions among the results labelled ``closeness`` or closer."""
        return closeness_filter.newest(
            lambda n, skip: self.search(query, n, skip, **options), closeness, limit
        )

    def route(
        self, query: str | None, question_id: str | None = None, limit: int = 3, **options: Unpack[Options]
    ) -> Routing:
        """The likely addressees of a text, or of an indexed question (``question_id``)."""
        evidence = routing.EVIDENCE
        routing.route([], limit)  # refuses a bad limit before any search
        if question_id is not None:
            return routing.route(self.related(question_id, evidence, **options), limit)
        return routing.route(self.search(query or "", evidence, **options), limit)

    def answer_times(self, by: Grouping, as_of: date, flt: SearchFilter | None = None) -> list[AnswerTimes]:
        """Per addressee or portfolio, of the questions ``flt`` keeps."""
        heads = self.store.heads(None, flt).values()
        return answer_times((QuestionSummary(**summary_from_payload(p)) for p in heads), by, as_of)

    def probe(self) -> None:
        """Read what a search reads, or raise (``/health``; ``semsearch.integrity.probe``)."""
        probe(self.store, index_meta.dimension_of(self._meta()))

    def stats(self) -> IndexStats:
        meta = self.store.read_meta()
        return IndexStats(
            questions=self.store.count(heads_only=True),
            passages=self.store.count(),
            answered=self.store.count(SearchFilter(answered=True), heads_only=True),
            model=index_meta.model_of(meta),
            dimension=index_meta.dimension_of(meta),
            store=self.store.kind,
            location=self.store.location,
        )


def _paged(
    fetch: Callable[[int, int], list[SearchHit]], limit: int, offset: int, closeness: str | None
) -> Page:
    if closeness is None:
        return page(fetch, limit, offset)
    check_page(limit, offset)
    return closeness_filter.labelled_page(fetch, limit, offset, closeness)
