"""Demo self-evaluations, built through the same services as the pages (idempotent: an assessment that already
exists is left alone). The ratings, justifications and means of verification are invented for demonstration,
written the way a planning body would write them; they describe no country's real planning system.

- Costa Rica, national model: two published assessments (2015–2018 and 2019–2022), for the change over time;
- Chile, Colombia and Mexico, national model: published, so that the regional comparison shows;
- Jalisco (Mexico) and Región Huetar Norte (Costa Rica), subnational model: drafts, partly rated, with two
  workshop groups and a divergence between them;
- Yucatán (Mexico), subnational model: published and public, so that the coherence across levels shows beside
  Mexico's national assessment (a state plan weaker than the national one in places, as is common).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Optional

from sqlalchemy import select

from ..assessment import services
from ..assessment.forms import RatingData
from ..catalogue.queries import current_version, model_by_key, version_tree
from ..extensions import db
from ..models import Assessment, Country, Criterion, User, WorkshopGroup


@dataclass(frozen=True)
class Plan:
    iso3: str
    model: str
    scope: str  # empty: the country's name (national model)
    period: tuple[int, int]
    maturity: float  # 0..1: how developed the planning system looks in this demo
    body: str  # the planning governing body, as it appears in sentences
    plan: str  # the main planning instrument of the period
    sources: tuple[str, ...]  # typical means of verification
    is_public: bool = True
    draft: bool = False


CRI_SOURCES = ("Ley de Planificación Nacional (Ley 5525)", "Reglamento del Sistema Nacional de Planificación",
               "informes anuales de seguimiento de metas de MIDEPLAN", "matriz de articulación plan-presupuesto",
               "actas de los Consejos Regionales de Desarrollo", "lineamientos metodológicos de MIDEPLAN",
               "Índice de Gestión Institucional")

PLANS = (
    Plan("CRI", "national", "", (2015, 2018), 0.45, "MIDEPLAN",
         "Plan Nacional de Desarrollo 2015-2018 «Alberto Cañas Escalante»", CRI_SOURCES),
    Plan("CRI", "national", "", (2019, 2022), 0.62, "MIDEPLAN",
         "Plan Nacional de Desarrollo y de Inversión Pública del Bicentenario 2019-2022", CRI_SOURCES),
    Plan("CHL", "national", "", (2018, 2022), 0.55, "el Ministerio de Desarrollo Social y Familia",
         "Programa de Gobierno 2018-2022",
         ("Sistema Nacional de Inversiones", "Ley de Presupuestos del Sector Público",
          "informes de seguimiento de programas sociales", "estrategias regionales de desarrollo",
          "minutas del comité interministerial", "Balance de Gestión Integral"), is_public=False),
    Plan("COL", "national", "", (2018, 2022), 0.72, "el Departamento Nacional de Planeación",
         "Plan Nacional de Desarrollo 2018-2022",
         ("Ley 152 de 1994 (Ley Orgánica del Plan de Desarrollo)", "tablero de seguimiento de SINERGIA",
          "documentos CONPES", "Plan Plurianual de Inversiones", "informes al Congreso",
          "evaluaciones de política del DNP")),
    Plan("MEX", "national", "", (2019, 2024), 0.50, "la Secretaría de Hacienda y Crédito Público",
         "Plan Nacional de Desarrollo 2019-2024",
         ("Ley de Planeación", "programas sectoriales derivados del Plan Nacional de Desarrollo",
          "Presupuesto de Egresos de la Federación", "informes de gobierno",
          "lineamientos de la matriz de indicadores para resultados", "actas del comité de planeación")),
    Plan("MEX", "subnational", "Jalisco", (2019, 2024), 0.55,
         "la Secretaría de Planeación y Participación Ciudadana",
         "Plan Estatal de Gobernanza y Desarrollo de Jalisco 2018-2024",
         ("Ley de Planeación Participativa para el Estado de Jalisco y sus Municipios",
          "tablero estatal de indicadores", "actas del Consejo Estatal de Planeación", "planes regionales",
          "presupuesto estatal por programas"), is_public=False, draft=True),
    Plan("CRI", "subnational", "Región Huetar Norte", (2023, 2026), 0.48, "la Dirección Regional de MIDEPLAN",
         "Plan Regional de Desarrollo de la Región Huetar Norte",
         ("actas del Consejo Regional de Desarrollo", "Plan Regional de Desarrollo",
          "agendas municipales de inversión", "informes de seguimiento regional",
          "convenios con gobiernos locales"), is_public=False, draft=True),
    Plan("MEX", "subnational", "Yucatán", (2019, 2024), 0.30, "la Secretaría Técnica de Planeación y Evaluación",
         "Plan Estatal de Desarrollo de Yucatán 2018-2024",
         ("Ley Estatal de Planeación para el Desarrollo", "sistema estatal de indicadores del plan",
          "actas del Comité de Planeación para el Desarrollo del Estado", "presupuesto basado en resultados",
          "informes de gobierno del estado")),
)

ORGANIZATIONS = {
    "CRI": ["Ministerio de Planificación Nacional y Política Económica (MIDEPLAN)", "Ministerio de Hacienda",
            "Consejo Regional de Desarrollo", "Universidad de Costa Rica"],
    "CHL": ["Ministerio de Desarrollo Social y Familia", "Dirección de Presupuestos", "Gobierno Regional"],
    "COL": ["Departamento Nacional de Planeación", "Ministerio de Hacienda y Crédito Público",
            "Consejo Nacional de Planeación"],
    "MEX": ["Secretaría de Hacienda y Crédito Público", "Instituto Nacional de Estadística y Geografía",
            "Consejo Nacional de Evaluación de la Política de Desarrollo Social"],
}
PEOPLE = (("Laura Méndez", "Unidad de Planificación"), ("Jorge Salas", "Unidad de Planificación"),
          ("Marta Quesada", "Hacienda"), ("Diego Araya", "Consejo de Planificación Participativa"),
          ("Sofía Vargas", "Sociedad civil"), ("Andrés Rojas", "Academia"), ("Paula Jiménez", "Gobierno local"),
          ("Ricardo Castro", "Asociación de municipios"))

OPENINGS = {
    "low": ("El taller identificó debilidades importantes en «{title}».",
            "Hubo acuerdo en que «{title}» es todavía un punto débil del sistema.",
            "Los participantes coincidieron en que «{title}» está apenas en una etapa inicial.",
            "En «{title}» el grupo reconoció que la práctica real está lejos de lo que dicen las normas."),
    "mid": ("En «{title}» el taller reconoció avances parciales.",
            "Sobre «{title}» se observaron progresos, aunque desiguales entre instituciones.",
            "El taller valoró que «{title}» tiene bases formales, pero su aplicación no es homogénea.",
            "Para «{title}» se discutieron logros y vacíos; el consenso fue una valoración intermedia."),
    "high": ("El taller constató que «{title}» está consolidado en la práctica.",
             "Existe consenso en que «{title}» funciona de manera regular y verificable.",
             "Los participantes coincidieron en que «{title}» es una fortaleza del sistema.",
             "Se verificó que «{title}» se aplica de forma sistemática, no solo en la norma."),
}
EVIDENCE = {
    "instrument": {
        "low": "El {plan} lo aborda de manera general, sin metas ni responsables precisos.",
        "mid": "El {plan} lo incorpora, pero los instrumentos sectoriales no siempre lo retoman.",
        "high": "El {plan} y los instrumentos que de él se derivan lo desarrollan con metas y responsables.",
    },
    "process": {
        "low": "El proceso depende de iniciativas puntuales y no tiene un procedimiento establecido.",
        "mid": "Existe un procedimiento, conducido por {body}, pero su aplicación varía según el año y la "
               "institución.",
        "high": "El procedimiento está documentado, {body} lo conduce y se repite en cada ciclo de planificación.",
    },
    "system": {
        "low": "No hay una articulación estable entre las instituciones; cada una actúa por su cuenta.",
        "mid": "{body} articula a buena parte de las instituciones, con vacíos en los niveles subnacionales.",
        "high": "La articulación entre instituciones y niveles es estable y {body} la sostiene con recursos propios.",
    },
}
CLOSINGS = {
    "low": ("Se propone priorizarlo en el plan de mejora.", "Queda pendiente definir responsables y plazos.",
            "El grupo pidió revisar este criterio en la próxima autoevaluación."),
    "mid": ("El desafío es extender la práctica a todas las instituciones.",
            "Falta institucionalizar lo que hoy depende de personas concretas.",
            "Se acordó documentar mejor la evidencia disponible."),
    "high": ("El reto es sostenerlo ante cambios de gobierno.", "Conviene difundir esta práctica como referencia.",
             "No se identificaron brechas relevantes."),
}
ACTIONS = ("Elaborar una guía metodológica y capacitar a las unidades de planificación",
           "Crear una mesa técnica interinstitucional con reuniones trimestrales",
           "Incorporar indicadores y metas anuales en el sistema de seguimiento",
           "Aprobar un procedimiento formal y publicarlo en el sitio institucional",
           "Vincular las metas del plan con los programas presupuestarios")


def _h(*parts: object) -> int:
    return int(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:12], 16)


def _pick(options, *seed: object):
    return options[_h(*seed) % len(options)]


def _band(share: float) -> str:
    return "low" if share < 0.4 else ("mid" if share < 0.75 else "high")


def _share(plan: Plan, code: str, dimension: str) -> float:
    """How favourable this criterion looks, 0..1: the plan's maturity, a per-country dimension offset and a
    per-criterion variation that is stable across periods (so the second period mostly improves)."""
    dimension_offset = (_h(plan.iso3, dimension) % 21 - 10) / 100
    stable = (_h(plan.iso3, code) % 41 - 20) / 100
    jitter = (_h(plan.iso3, code, plan.period) % 11 - 5) / 100
    return min(max(plan.maturity + dimension_offset + stable + jitter, 0.0), 1.0)


def _justification(plan: Plan, criterion: Criterion, share: float, value: int, k: int) -> str:
    band = _band(share)
    title = criterion.title["es"]
    opening = _pick(OPENINGS[band], plan.iso3, plan.period, criterion.code, "o").format(title=title)
    evidence = EVIDENCE[criterion.scope][band].format(plan=plan.plan, body=plan.body)
    evidence = evidence[0].upper() + evidence[1:]
    if criterion.scoring == "elements":
        count = _pick(("De los {k} elementos de verificación, el taller consideró favorables {v}.",
                       "Se marcaron {v} de {k} elementos como favorables.",
                       "{v} de los {k} elementos se verificaron como favorables."),
                      criterion.code, plan.period, "c").format(v=value, k=k)
    else:
        count = _pick(("Se eligió el nivel {v} de {k} por ser el que mejor describe lo que existe hoy.",
                       "El nivel {v} (de {k}) fue el de mayor acuerdo.",
                       "Tras la discusión, el criterio se ubicó en el nivel {v} de {k}."),
                      criterion.code, plan.period, "c").format(v=value, k=k)
    closing = _pick(CLOSINGS[band], plan.iso3, criterion.code, plan.period, "z")
    return " ".join((opening, evidence, count, closing))


def _means(plan: Plan, criterion: Criterion) -> str:
    first = _pick(plan.sources, plan.iso3, criterion.code, "m1")
    second = _pick(plan.sources, plan.iso3, criterion.code, "m2")
    items = [plan.plan] if criterion.scope == "instrument" else []
    items += [first] + ([second] if second != first else [])
    return "; ".join(items) + "."


def _rating(plan: Plan, criterion: Criterion, dimension: str, share: float | None = None) -> RatingData:
    share = _share(plan, criterion.code, dimension) if share is None else share
    data = RatingData()
    if criterion.scoring == "levels":
        k = len(criterion.levels)
        data.kind, data.level = "value", 1 + round(share * (k - 1))
        value = data.level
    else:
        k = len(criterion.elements)
        value = round(share * k)
        order = sorted(criterion.elements, key=lambda e: _h(plan.iso3, plan.period, e.code))
        favourable = {e.id for e in order[:value]}
        data.kind = "value"
        data.marks = {e.id: (e.id in favourable) == (e.polarity == "positive") for e in criterion.elements}
    data.justification = _justification(plan, criterion, share, value, k)
    data.means_of_verification = _means(plan, criterion)
    if share < 0.45:
        data.action_what = _pick(ACTIONS, plan.iso3, criterion.code)
        data.action_who = plan.body.removeprefix("el ").removeprefix("la ")
        year = plan.period[1] + 1
        data.action_due = date(year, 6, 30) if _h(criterion.code) % 2 else date(year, 12, 31)
    return data


def _no_information(plan: Plan) -> RatingData:
    return RatingData(kind="no_information", justification=(
        "El taller no contó con información verificable para este criterio: los registros del período no se "
        f"conservaron y {plan.body} no pudo reconstruirlos a tiempo. Se registra como sin información."))


def _user(email: str) -> Optional[User]:
    return db.session.scalar(select(User).where(User.email == email))


def _existing(country: Country, model_id: int, scope: str, period: tuple[int, int]) -> Optional[Assessment]:
    return db.session.scalar(select(Assessment).where(
        Assessment.country_id == country.id, Assessment.planning_model_id == model_id,
        Assessment.scope_name == scope, Assessment.period_start == period[0], Assessment.period_end == period[1]))


def load() -> int:
    """Creates the demo assessments that are missing; returns how many were created. The caller commits."""
    assessor = _user("evaluadora@demo.cepal.org")
    admin = _user("admin@demo.cepal.org")
    facilitator = _user("facilitadora@demo.cepal.org")
    trees = {}
    created = 0
    for plan in PLANS:
        country = db.session.scalar(select(Country).where(Country.iso3 == plan.iso3))
        model = model_by_key(plan.model)
        version = current_version(model) if model else None
        if country is None or version is None or not version.is_usable_for_assessment:
            continue
        scope = plan.scope or country.name_es
        if _existing(country, model.id, scope, plan.period) is not None:
            continue
        if version.id not in trees:
            trees[version.id] = version_tree(version.id)
        tree = trees[version.id]
        author = assessor if (assessor is not None and assessor.country_id == country.id) else admin
        groups = ["Grupo 1", "Grupo 2"] if plan.draft else []
        people = [(name, org, groups[i % 2] if groups else "") for i, (name, org) in enumerate(PEOPLE)]
        assessment = services.create_assessment(
            author, country=country, version=version, scope_name=scope, period_start=plan.period[0],
            period_end=plan.period[1], organizations=ORGANIZATIONS.get(plan.iso3, []), people=people,
            groups=groups, is_public=plan.is_public)
        criteria = [(d.key, c) for d in tree.dimensions for c in d.criteria]
        if plan.draft:
            _rate_draft(author, assessment, plan, criteria)
        else:
            for index, (key, criterion) in enumerate(criteria):
                no_info = plan.iso3 == "CHL" and key == "outcomes" and criterion.code.endswith("7")
                services.save_rating(author, assessment, criterion,
                                     _no_information(plan) if no_info else _rating(plan, criterion, key))
            services.submit(author, assessment)
            services.validate(facilitator or admin, assessment, "Revisado: justificaciones y medios de "
                              "verificación completos.")
            services.publish(facilitator or admin, assessment, plan.is_public)
        created += 1
    db.session.flush()
    return created


def _rate_draft(author: Optional[User], assessment: Assessment, plan: Plan,
                criteria: list[tuple[str, Criterion]]) -> None:
    """About a third of the criteria rated by both groups and consolidated; the first criterion of the design
    dimension is divergent (the groups' levels differ by two) and its consolidated rating says how the
    workshop resolved it; a few more have only the groups' ratings."""
    groups = list(db.session.scalars(select(WorkshopGroup).where(WorkshopGroup.assessment_id == assessment.id)
                                     .order_by(WorkshopGroup.position)))
    divergent_done = False
    for index, (key, criterion) in enumerate(criteria[:15]):
        share = _share(plan, criterion.code, key)
        k = len(criterion.levels) if criterion.scoring == "levels" else len(criterion.elements)
        consolidated = _rating(plan, criterion, key, share)
        if key == "design" and not divergent_done and criterion.scoring == "levels" and k >= 3:
            divergent_done = True
            lows, highs = 1, 3
            for group, level in zip(groups, (lows, highs)):
                services.save_rating(author, assessment, criterion, RatingData(
                    kind="value", level=level, justification=_group_reason(level, k)), group=group)
            consolidated.level = 2
            consolidated.justification = (
                "Los grupos divergieron: el Grupo 1 eligió el nivel 1 y el Grupo 2 el nivel 3. En plenaria se "
                "acordó el nivel 2, porque existen espacios de validación ciudadana en el plan regional, pero no "
                "hay evidencia de que las propuestas de la ciudadanía se incorporen de forma sistemática.")
        else:
            for offset, group in enumerate(groups):
                group_share = min(max(share + (0.12 if offset else -0.12) * (_h(criterion.code) % 2), 0.0), 1.0)
                data = _rating(plan, criterion, key, group_share)
                services.save_rating(author, assessment, criterion, RatingData(
                    kind=data.kind, level=data.level, marks=data.marks,
                    justification=_group_reason(data.level or 0, k)), group=group)
        if index < 11:
            services.save_rating(author, assessment, criterion, consolidated)


def _group_reason(level: int, k: int) -> str:
    if level <= 1:
        return "El grupo no encontró prácticas establecidas; solo acciones aisladas."
    if level >= k:
        return "El grupo considera que la práctica está plenamente instalada."
    return "El grupo reconoce avances, pero sin continuidad entre períodos."
