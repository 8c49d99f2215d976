"""How good the suggested codes are (issue 20): leave-one-out top-1 and top-3 accuracy of the default suggester
(TF-IDF, whitepaper/delphi/rounds/suggestions.py) — for each coded text, is its code the first, or among the
first three, suggested from all the other codings (those of the same answer left out) and the codes' labels and
definitions?

Two sets: the demo's coded open round (the sectoral committee's, whitepaper/demo/committees.py: loaded into a
scratch database through the demo loader, read back through the workspace query, as the page does); and a
generated set of 300 fragments over 12 codes, built from phrase templates with noise (other codes' phrases
mixed in, filler words, dropped letters, accents dropped, four languages), seeded so every run sees the same
texts. Beside the accuracy: the time to compute the suggestions, candidate codes and accuracy of a workspace
of that size (`suggest_ms`), once the model's libraries are loaded."""
from __future__ import annotations

import random
import time
from typing import Any

from . import pages
from .results import entry

TARGET_TOP3 = 70.0
SEED = 20
FRAGMENTS = 300

# code key -> (label, phrases that express it)
GENERATED_CODES: dict[str, tuple[str, tuple[str, ...]]] = {
    "budget": ("Plan y presupuesto", (
        "el presupuesto no refleja las metas del plan", "la asignación presupuestaria es inercial",
        "the budget ignores the plan's targets", "o orçamento não acompanha o plano",
        "vincular la inversión pública con las prioridades", "falta un marco de gasto plurianual")),
    "coordination": ("Coordinación intersectorial", (
        "los ministerios no se coordinan entre sí", "las mesas intersectoriales no deciden nada",
        "poor coordination across ministries", "la coordination entre secteurs est faible",
        "cada sector trabaja aislado de los demás", "no hay instancias de articulación entre sectores")),
    "participation": ("Participación", (
        "la sociedad civil no participa en la formulación", "consultas con gremios y academia",
        "participation of local governments and communities", "a participação social é limitada",
        "los territorios no son escuchados", "mesas participativas con actores locales")),
    "data": ("Información y diagnóstico", (
        "faltan datos confiables y desagregados", "el censo está desactualizado",
        "the diagnosis lacks reliable statistics", "os registros administrativos não se cruzam",
        "no hay línea de base para los indicadores", "la información estadística llega tarde")),
    "monitoring": ("Seguimiento y evaluación", (
        "los informes de seguimiento no se usan", "las evaluaciones no corrigen el rumbo",
        "monitoring reports are filed and forgotten", "l'évaluation des résultats est rare",
        "los indicadores se reportan solo para cumplir", "no se evalúan los resultados del plan")),
    "staff": ("Capacidades y equipos", (
        "alta rotación del personal técnico", "las unidades de planificación son pequeñas",
        "planning teams lack trained staff", "falta de capacitação das equipes",
        "se pierde memoria institucional con cada cambio de director", "personal temporal y sin formación")),
    "continuity": ("Continuidad", (
        "cada gobierno cambia las prioridades", "los planes se rehacen con cada administración",
        "priorities change with every new government", "a descontinuidade entre governos",
        "no hay políticas de Estado de largo plazo", "se descarta lo anterior al cambiar la gestión")),
    "stewardship": ("Rectoría", (
        "el ministerio rector no tiene autoridad real", "la rectoría sectorial es débil",
        "the lead ministry cannot steer agencies", "les agences autonomes ignorent le ministère",
        "las entidades autónomas no responden al rector", "falta conducción del ente rector")),
    "alignment": ("Alineación con el plan nacional", (
        "el plan sectorial no se alinea con el plan nacional", "derivar del plan nacional de desarrollo",
        "sector plans do not follow the national plan", "alinhamento com o plano nacional",
        "articular los objetivos sectoriales con la estrategia nacional", "coherencia con el plan de desarrollo")),
    "sdg": ("Agenda 2030", (
        "vincular las metas con los ODS", "la agenda 2030 no se integra en el plan",
        "targets are not linked to the SDGs", "les objectifs de développement durable",
        "compromisos climáticos e internacionales", "reportar avances de los ODS")),
    "territory": ("Enfoque territorial", (
        "el plan no llega a los municipios", "las brechas entre regiones no se consideran",
        "regional governments lack resources", "a desigualdade entre territórios",
        "los gobiernos subnacionales tienen competencias sin recursos", "el centralismo en la capital")),
    "transparency": ("Transparencia y rendición de cuentas", (
        "los avances del plan no se publican", "falta rendición de cuentas a la ciudadanía",
        "citizens cannot see plan progress", "a transparência das metas é baixa",
        "no hay portal público con los resultados", "la información del plan es opaca")),
}
OPENERS = ("", "En mi país", "Creo que", "Lo principal es que", "Sobre todo,", "In our experience,", "Na prática,",
           "À mon avis,", "El problema es que", "Además,")
FILLER = ("plan", "sector", "gobierno", "proceso", "institucional", "nivel", "gestión", "público", "política",
          "año", "programa", "país", "ministerio", "desarrollo")
ACCENTS = str.maketrans("áéíóúãõçâêô", "aeiouaocaeo")


def _noisy(phrase: str, rng: random.Random) -> str:
    """A window of three to five words of the phrase, letters dropped here and there, accents dropped at times."""
    words = phrase.split()
    width = min(len(words), rng.randint(3, 5))
    start = rng.randrange(len(words) - width + 1)
    kept = []
    for word in words[start:start + width]:
        if len(word) > 4 and rng.random() < 0.08:   # a dropped letter
            cut = rng.randrange(len(word))
            word = word[:cut] + word[cut + 1:]
        kept.append(word)
    text = " ".join(kept)
    return text.translate(ACCENTS) if rng.random() < 0.3 else text


def generated_set(seed: int = SEED, size: int = FRAGMENTS) -> tuple[list[Any], dict[str, str]]:
    """`size` coded fragments (Example) over the 12 codes, and the codes' labels as their descriptions."""
    from whitepaper.delphi.rounds.suggestions import Example
    rng = random.Random(seed)
    keys = sorted(GENERATED_CODES)
    examples = []
    for index in range(size):
        code = keys[index % len(keys)]
        parts = [rng.choice(OPENERS), _noisy(rng.choice(GENERATED_CODES[code][1]), rng)]
        if rng.random() < 0.35:   # part of another code's phrase, in passing
            other = rng.choice([k for k in keys if k != code])
            parts.append(rng.choice(("y también", "aunque", "and", "e")) + " "
                         + _noisy(rng.choice(GENERATED_CODES[other][1]), rng))
        parts.extend(rng.sample(FILLER, rng.randint(2, 6)))
        examples.append(Example(index, code, " ".join(p for p in parts if p), index))
    return examples, {key: label for key, (label, _phrases) in GENERATED_CODES.items()}


def _figures(name: str, size: str, at1: int, at3: int, cases: int, suggest_ms: float, **extra: Any) -> list[dict]:
    top1, top3 = 100 * at1 / cases, 100 * at3 / cases
    return [entry(f"suggestions_top1_{name}", size, top1, "%", cases=cases, right=at1, target=None, met=None),
            entry(f"suggestions_top3_{name}", size, top3, "%", cases=cases, right=at3, suggest_ms=round(suggest_ms, 1),
                  target=f"value >= {TARGET_TOP3:g}", met=top3 >= TARGET_TOP3, **extra)]


def _demo_round(app) -> tuple[tuple[int, int, int], float, int, int]:
    """The leave-one-out of the demo's coded open round, as the workspace computes it."""
    from sqlalchemy import select

    from whitepaper.delphi.rounds import queries, suggestion_service
    from whitepaper.demo import accounts, committees
    from whitepaper.extensions import db
    from whitepaper.models import Committee, PlanningModel, Round

    with app.app_context():
        accounts.load()
        committees.load()
        round_ = db.session.scalar(select(Round).join(Committee).join(PlanningModel).where(
            PlanningModel.key == "sectoral", Round.kind == "open").order_by(Round.number))
        work = queries.workspace(queries.round_detail(round_.id))
        scores = suggestion_service.leave_one_out(work)
        started = time.perf_counter()
        suggestion_service.for_workspace(round_, work)
        elapsed = (time.perf_counter() - started) * 1000
        codings = sum(len(e.codings) for _item, entries in work.items for e in entries)
        codes = len(work.codes)
        db.session.remove()
        db.engine.dispose()
    return scores, elapsed, codings, codes


def run() -> list[dict[str, Any]]:
    from whitepaper.delphi.rounds import suggestions as engine

    model = engine.TfidfSuggester()
    examples, descriptions = generated_set()
    engine.leave_one_out(model, examples[:20], descriptions=descriptions)   # loads the libraries
    at1, at3, cases = engine.leave_one_out(model, examples, descriptions=descriptions)
    started = time.perf_counter()
    coded, uncoded = examples[: FRAGMENTS * 2 // 3], examples[FRAGMENTS * 2 // 3:]
    engine.rank(model, coded, [e.text for e in uncoded], descriptions=descriptions)
    engine.clusters(model, [(e.key, e.text) for e in uncoded])
    engine.leave_one_out(model, coded, descriptions=descriptions)
    generated_ms = (time.perf_counter() - started) * 1000
    bare = engine.leave_one_out(model, examples)
    figures = _figures("generated", f"{FRAGMENTS}x{len(GENERATED_CODES)}", at1, at3, cases, generated_ms,
                       top3_without_definitions=round(100 * bare[1] / bare[2], 1))
    with pages.scratch("wp-bench-suggestions-") as folder:
        app = pages.make_app(folder)
        (d1, d3, dcases), demo_ms, codings, codes = _demo_round(app)
    figures += _figures("demo", f"{codings}x{codes}", d1, d3, dcases, demo_ms)
    return figures
