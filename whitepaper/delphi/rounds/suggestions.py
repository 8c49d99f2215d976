"""Suggested codes for the systemizing workspace: the engine. Pure (no Flask, no database): it receives texts
and returns rankings, evidence and clusters; suggestion_service feeds it the round's answers and codings.

How it works. A `Suggester` turns two lists of texts into a matrix of similarities between 0 and 1. The default,
`TfidfSuggester`, runs on the server with nothing sent anywhere: the texts are lower-cased, stripped of accents
and of the most common function words of Spanish, English, Portuguese and French, then weighed by TF-IDF over
word unigrams and bigrams and over character n-grams inside words (which lets "presupuestaria" meet
"presupuesto"); the similarity is the cosine. An installation may name another class in the configuration key
CODE_SUGGESTER ("package.module:Class", e.g. one wrapping a sentence-embedding model): only `similarity` has to
be written, the ranking, the evidence, the clusters and the leave-one-out measure below work on any of them.

- `rank`: for a text, each code scores the similarity of its most similar coded example plus a third of the
  mean of its two most similar (a code with several close examples beats one lucky match); the code's own
  label and definition count as examples too (so a new code with no coding can already be suggested), but
  only a coded fragment is ever shown as evidence.
- `clusters`: the uncoded texts grouped by agglomerative clustering (average linkage on 1 - similarity), the
  groups of two or more proposed as candidate new codes, each with the words its texts share.
- `leave_one_out`: for each coded example, are its codes among the first 1 and 3 suggested from the others
  (the examples of the same answer left out too, so that a whole answer cannot vouch for its own fragment)?

scikit-learn is imported inside the functions that use it: the application starts without it."""
from __future__ import annotations

import importlib
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, Hashable, Iterable, Mapping, Sequence

DEFAULT_SUGGESTER = "whitepaper.delphi.rounds.suggestions:TfidfSuggester"
LIMIT = 3
MIN_SCORE = 0.02          # below this a code is not worth showing
CLUSTER_DISTANCE = 0.85   # average-linkage cut: texts further apart than this (1 - similarity) stay apart
SUPPORT_WEIGHT = 1 / 3

# Function words of the four languages of the region (accents already stripped): they say nothing about codes.
STOP_WORDS = frozenset("""
a al algo algunas algunos ante antes aqui asi aun cada como con contra cual cuales cuando de del desde donde dos
e el ella ellas ellos en entre era es esa esas ese eso esos esta estan estar estas este esto estos fue ha hace hay
la las le les lo los mas me mi mientras muy no nos o os otra otras otro otros para pero poco por porque que quien
se ser si sin sobre solo son su sus tambien tan tanto te tiene tienen todo todos tu un una unas uno unos y ya yo
the of and to in is are be been for on with as by at it its this that these those from or an not no but if so
was were will would can could should must has have had do does there their they we our you your which who what
also than then into about more most such other any each only very just all both
o os as um uma uns umas do da dos das no na nos nas ao aos pelo pela pelos pelas em com nao sao ser seu sua seus
suas mais muito pouco tambem isso isto esse essa este esta ou mas quando onde como ja ate sobre entre depois
le la les un une des du au aux et ou est sont dans pour par sur avec ce cette ces qui que quoi ne pas plus
leur leurs son sa ses nous vous ils elles il elle on se sans tres aussi comme mais donc car
""".split())
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)


def normalize(text: str) -> str:
    """Lower case, accents stripped, function words and digits dropped: what every suggester may start from."""
    decomposed = unicodedata.normalize("NFKD", (text or "").lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(w for w in WORD.findall(plain) if w not in STOP_WORDS and len(w) > 1)


class Suggester:
    """The interface: similarities between 0 and 1 of each query text to each document text (a list of lists or
    a 2-D array). Subclasses may fit on both lists together (TF-IDF does: the weights come from the round)."""

    def similarity(self, queries: Sequence[str], documents: Sequence[str]) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError


class TfidfSuggester(Suggester):
    """TF-IDF over word 1-2-grams and character 3-5-grams of the normalized texts, cosine similarity."""

    def similarity(self, queries: Sequence[str], documents: Sequence[str]) -> Any:
        import numpy as np
        from scipy.sparse import hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.preprocessing import normalize as unit

        texts = [normalize(t) for t in [*queries, *documents]]
        if not queries or not documents:
            return np.zeros((len(queries), len(documents)))
        blocks = []
        for options in ({"analyzer": "word", "ngram_range": (1, 2), "token_pattern": r"\S+"},
                        {"analyzer": "char_wb", "ngram_range": (3, 5)}):
            vectorizer = TfidfVectorizer(sublinear_tf=True, lowercase=False, **options)
            try:
                blocks.append(vectorizer.fit_transform(texts))
            except ValueError:  # nothing left to weigh (only function words, digits or punctuation)
                continue
        if not blocks:
            return np.zeros((len(queries), len(documents)))
        matrix = unit(hstack(blocks).tocsr())
        left, right = matrix[:len(queries)], matrix[len(queries):]
        return np.clip((left @ right.T).toarray(), 0.0, 1.0)


def load_suggester(name: str | None) -> Suggester:
    """The suggester a configuration names ("package.module:Class"); the TF-IDF one when none is named."""
    module_name, _, class_name = (name or DEFAULT_SUGGESTER).partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ValueError(f"CODE_SUGGESTER names no importable class: {name!r}") from exc
    if not (isinstance(cls, type) and issubclass(cls, Suggester)):
        raise ValueError(f"CODE_SUGGESTER must name a subclass of Suggester: {name!r}")
    return cls()


@dataclass(frozen=True)
class Example:
    """A coded text: `key` identifies it (a coding id), `group` the answer it comes from."""
    key: Hashable
    code: Hashable
    text: str
    group: Hashable = None


@dataclass(frozen=True)
class Ranked:
    """A suggested code, its score and the most similar coded example of it (None: only its definition matched)."""
    code: Hashable
    score: float
    evidence: Example | None
    evidence_score: float


@dataclass(frozen=True)
class Cluster:
    """Uncoded texts similar enough to be one candidate new code, with the words they share most."""
    keys: tuple[Hashable, ...]
    terms: tuple[str, ...]


class _Index:
    """The documents texts are compared with ((code, example or None for a code's description)), grouped by code
    once; scoring is then a few array operations per code for all the rows together."""

    def __init__(self, documents: Sequence[tuple[Hashable, Example | None]]):
        import numpy as np
        by_code: dict[Hashable, list[int]] = defaultdict(list)
        for index, (code, _example) in enumerate(documents):
            by_code[code].append(index)
        self.documents = documents
        self.codes = [(code, np.array(indices)) for code, indices in by_code.items()]
        self.is_example = np.array([example is not None for _code, example in documents], dtype=bool)

    def score(self, rows: Any, skips: Sequence[Sequence[int]] | None = None) -> list[list[Ranked]]:
        """The codes ranked for each row of similarities to the documents (`skips[i]`: documents row i must
        not use)."""
        import numpy as np
        matrix = np.array(rows, dtype=float).reshape(-1, len(self.documents))
        for position, skip in enumerate(skips or ()):
            matrix[position, list(skip)] = -1.0        # left out: below every similarity
        evidence_matrix = np.where(self.is_example[None, :], matrix, -1.0)
        out: list[list[Ranked]] = [[] for _ in range(matrix.shape[0])]
        for code, indices in self.codes:
            values = matrix[:, indices]
            top = -np.sort(-values, axis=1)[:, :2]
            second = top[:, 1] if top.shape[1] > 1 else np.full(len(top), -1.0)
            scores = top[:, 0] + SUPPORT_WEIGHT * (top[:, 0] + np.maximum(second, 0.0)) / 2
            evidence_values = evidence_matrix[:, indices]
            best = evidence_values.argmax(axis=1)
            for position in np.nonzero((top[:, 0] >= 0) & (scores >= MIN_SCORE))[0]:
                value = float(evidence_values[position, best[position]])
                evidence = self.documents[indices[best[position]]][1] if value >= 0 else None
                out[position].append(Ranked(code, round(float(scores[position]), 4), evidence,
                                            round(max(value, 0.0), 4)))
        for ranked in out:
            ranked.sort(key=lambda r: (-r.score, str(r.code)))
        return out


def _documents(examples: Sequence[Example], descriptions: Mapping[Hashable, str]
               ) -> tuple[list[tuple[Hashable, Example | None]], list[str]]:
    documents: list[tuple[Hashable, Example | None]] = [(e.code, e) for e in examples]
    texts = [e.text for e in examples]
    for code, description in descriptions.items():
        documents.append((code, None))
        texts.append(description)
    return documents, texts


def _ranked(rows: Any, documents: Sequence[tuple[Hashable, Example | None]], count: int, limit: int,
            exclude: Sequence[Iterable[Hashable]] | None) -> list[list[Ranked]]:
    if not documents:
        return [[] for _ in range(count)]
    out = []
    for position, ranked in enumerate(_Index(documents).score(rows)):
        banned = set(exclude[position]) if exclude is not None else set()
        out.append([r for r in ranked if r.code not in banned][:limit])
    return out


def rank(suggester: Suggester, examples: Sequence[Example], queries: Sequence[str], *,
         descriptions: Mapping[Hashable, str] | None = None, limit: int = LIMIT,
         exclude: Sequence[Iterable[Hashable]] | None = None) -> list[list[Ranked]]:
    """For each query text, up to `limit` codes ranked by similarity, each with its evidence. `descriptions`:
    {code: label and definition}; a code with neither examples nor description is never suggested.
    `exclude[i]`: codes not to suggest for query i (already assigned, or rejected)."""
    documents, texts = _documents(examples, descriptions or {})
    if not queries:
        return []
    rows = suggester.similarity(list(queries), texts) if documents else None
    return _ranked(rows, documents, len(queries), limit, exclude)


def _case(example: Example) -> Hashable:
    return example.group if example.group is not None else ("key", example.key)


def _leave_one_out(rows: Any, examples: Sequence[Example],
                   documents: Sequence[tuple[Hashable, Example | None]]) -> tuple[int, int, int]:
    if len(set(e.code for e in examples)) < 2:
        return 0, 0, 0   # one code (or none): being right says nothing
    cases: dict[tuple[Hashable, str], set[Hashable]] = defaultdict(set)
    first: dict[tuple[Hashable, str], int] = {}
    by_group: dict[Hashable, list[int]] = defaultdict(list)
    for index, e in enumerate(examples):
        cases[(_case(e), e.text)].add(e.code)
        first.setdefault((_case(e), e.text), index)
        by_group[_case(e)].append(index)
    order = list(cases)
    scored = _Index(documents).score([rows[first[case]] for case in order], [by_group[case[0]] for case in order])
    at1 = at3 = 0
    for case, ranked in zip(order, scored):
        codes = [r.code for r in ranked]
        at1 += bool(cases[case] & set(codes[:1]))
        at3 += bool(cases[case] & set(codes[:3]))
    return at1, at3, len(cases)


def leave_one_out(suggester: Suggester, examples: Sequence[Example], *,
                  descriptions: Mapping[Hashable, str] | None = None) -> tuple[int, int, int]:
    """(hits at 1, hits at 3, cases): each coded example is suggested codes from all the others (not those of
    its own answer); a hit when one of its answer-and-text's codes is among the first 1 or 3. Texts coded with
    several codes count once, right when any of them comes up."""
    if len(set(e.code for e in examples)) < 2:
        return 0, 0, 0
    documents, texts = _documents(examples, descriptions or {})
    return _leave_one_out(suggester.similarity(texts[:len(examples)], texts), examples, documents)


def _shared_terms(texts: Sequence[str], count: int = 3) -> tuple[str, ...]:
    """The words found in most of the texts (then the longest), as a hint for naming the candidate code."""
    seen: Counter[str] = Counter()
    for text in texts:
        seen.update(set(normalize(text).split()))
    ordered = sorted(seen.items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0]))
    return tuple(word for word, n in ordered if n >= 2)[:count]


def _clusters(similarity: Any, texts: Sequence[tuple[Hashable, str]], distance: float) -> list[Cluster]:
    if len(texts) < 2:
        return []
    import numpy as np
    from sklearn.cluster import AgglomerativeClustering

    similarity = np.asarray(similarity, dtype=float)
    distances = np.clip(1.0 - (similarity + similarity.T) / 2, 0.0, 1.0)
    np.fill_diagonal(distances, 0.0)
    labels = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="average",
                                     distance_threshold=distance).fit_predict(distances)
    groups: dict[int, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        groups[int(label)].append(index)
    out = [Cluster(tuple(texts[i][0] for i in members), _shared_terms([texts[i][1] for i in members]))
           for members in groups.values() if len(members) >= 2]
    out.sort(key=lambda c: (-len(c.keys), str(c.keys[0])))
    return out


def clusters(suggester: Suggester, texts: Sequence[tuple[Hashable, str]], *,
             distance: float = CLUSTER_DISTANCE) -> list[Cluster]:
    """Groups of two or more similar texts ((key, text)), largest first: candidate new codes."""
    if len(texts) < 2:
        return []
    plain = [t for _k, t in texts]
    return _clusters(suggester.similarity(plain, plain), texts, distance)


@dataclass(frozen=True)
class Analysis:
    ranked: list[list[Ranked]]
    clusters: list[Cluster]
    right_at_1: int
    right_at_3: int
    cases: int


def analyse(suggester: Suggester, examples: Sequence[Example], uncoded: Sequence[tuple[Hashable, str]], *,
            descriptions: Mapping[Hashable, str] | None = None, limit: int = LIMIT,
            exclude: Sequence[Iterable[Hashable]] | None = None, distance: float = CLUSTER_DISTANCE) -> Analysis:
    """What the workspace shows, from one similarity matrix of every text with every other: `rank` of the
    uncoded texts, their `clusters` and the `leave_one_out` of the coded ones."""
    import numpy as np
    documents, texts = _documents(examples, descriptions or {})
    everything = texts + [t for _k, t in uncoded]
    if not everything:
        return Analysis([], [], 0, 0, 0)
    matrix = np.asarray(suggester.similarity(everything, everything), dtype=float)
    n = len(documents)
    ranked = _ranked(matrix[n:, :n], documents, len(uncoded), limit, exclude)
    at1, at3, cases = _leave_one_out(matrix[:len(examples), :n], examples, documents)
    return Analysis(ranked, _clusters(matrix[n:, n:], uncoded, distance), at1, at3, cases)
