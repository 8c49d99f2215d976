"""Demo committees, built through the same services the pages use; loading twice changes nothing.

- sectoral: a finished open round (answers from twelve countries, coded) and a finished closed round built from
  its codes, in which the Caribbean has a single respondent (Trinidad and Tobago: the round's subregion breakdown
  must stay hidden from members and observers, docs/methods.md §3.10), plus a draft third round carrying over the
  statements without consensus;
- vision: an open round in progress (the demo member has not answered it yet);
- national and subnational: members, no rounds yet.
The demo facilitator facilitates all four; the demo member (Chile) sits on the sectoral and vision committees."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from ..auth import services as accounts
from ..delphi import committees as delphi_committees
from ..delphi.rounds import answers as round_answers
from ..delphi.rounds import codebook
from ..delphi.rounds import items as round_items
from ..delphi.rounds import lifecycle as round_lifecycle
from ..delphi.rounds import queries as round_queries
from ..extensions import db
from ..models import User
from ..models.base import utcnow
from ..models.delphi import Answer, Committee, Response, Round
from .accounts import demo_password

FACILITATOR = "facilitadora@demo.cepal.org"
DEMO_MEMBER = "integrante@demo.cepal.org"

# e-mail, name, country, expertise
PEOPLE: dict[str, tuple[str, str, str]] = {
    DEMO_MEMBER: ("Iván Integrante", "CHL", "Planificación y evaluación de inversiones públicas"),
    "marcela.rios@demo.cepal.org": ("Marcela Ríos", "ARG", "Planificación sectorial en educación"),
    "andres.villamizar@demo.cepal.org": ("Andrés Villamizar", "COL", "Seguimiento de planes de desarrollo"),
    "rosa.quispe@demo.cepal.org": ("Rosa Quispe Huamán", "PER", "Planeamiento estratégico sectorial"),
    "diego.ferreira@demo.cepal.org": ("Diego Ferreira", "URY", "Presupuesto por resultados"),
    "paola.andrade@demo.cepal.org": ("Paola Andrade", "ECU", "Planificación en salud pública"),
    "hugo.benitez@demo.cepal.org": ("Hugo Benítez", "PRY", "Planificación agropecuaria"),
    "laura.mendez@demo.cepal.org": ("Laura Méndez Ortega", "MEX", "Evaluación de programas sociales"),
    "tomas.herrera@demo.cepal.org": ("Tomás Herrera Vidal", "MEX", "Planeación energética"),
    "gabriela.solis@demo.cepal.org": ("Gabriela Solís", "CRI", "Coordinación de sistemas de planificación"),
    "luis.cifuentes@demo.cepal.org": ("Luis Fernando Cifuentes", "GTM", "Planificación territorial y sectorial"),
    "carolina.pena@demo.cepal.org": ("Carolina Peña", "DOM", "Inversión pública sectorial"),
    "ximena.arce@demo.cepal.org": ("Ximena Arce", "BOL", "Planificación de largo plazo"),
    "mauricio.henriquez@demo.cepal.org": ("Mauricio Henríquez", "SLV", "Prospectiva y estudios de futuro"),
    "claudia.zelaya@demo.cepal.org": ("Claudia Zelaya", "HND", "Visión de país y plan de nación"),
    "sofia.lindo@demo.cepal.org": ("Sofía Lindo", "BRA", "Planejamento governamental e orçamento"),
    "ramon.duarte@demo.cepal.org": ("Ramón Duarte", "CUB", "Planificación económica y social"),
    "ana.castellanos@demo.cepal.org": ("Ana Castellanos", "NIC", "Planificación municipal"),
    "jerome.baptiste@demo.cepal.org": ("Jérôme Baptiste", "HTI", "Programación de la inversión"),
    "keisha.campbell@demo.cepal.org": ("Keisha Campbell", "JAM", "National development planning (Vision 2030 Jamaica)"),
    "ravi.persad@demo.cepal.org": ("Ravi Persad", "TTO", "Monitoring and evaluation"),
}

SECTORAL_MEMBERS = [DEMO_MEMBER, "marcela.rios@demo.cepal.org", "andres.villamizar@demo.cepal.org",
                    "rosa.quispe@demo.cepal.org", "diego.ferreira@demo.cepal.org", "paola.andrade@demo.cepal.org",
                    "hugo.benitez@demo.cepal.org", "laura.mendez@demo.cepal.org", "tomas.herrera@demo.cepal.org",
                    "gabriela.solis@demo.cepal.org", "luis.cifuentes@demo.cepal.org", "carolina.pena@demo.cepal.org",
                    "ravi.persad@demo.cepal.org"]
VISION_MEMBERS = [DEMO_MEMBER, "marcela.rios@demo.cepal.org", "ximena.arce@demo.cepal.org",
                  "mauricio.henriquez@demo.cepal.org", "claudia.zelaya@demo.cepal.org", "gabriela.solis@demo.cepal.org",
                  "laura.mendez@demo.cepal.org", "keisha.campbell@demo.cepal.org", "diego.ferreira@demo.cepal.org"]
NATIONAL_MEMBERS = ["sofia.lindo@demo.cepal.org", "andres.villamizar@demo.cepal.org", "ramon.duarte@demo.cepal.org",
                    "jerome.baptiste@demo.cepal.org", "keisha.campbell@demo.cepal.org", "ravi.persad@demo.cepal.org",
                    "gabriela.solis@demo.cepal.org", "rosa.quispe@demo.cepal.org"]
SUBNATIONAL_MEMBERS = ["ana.castellanos@demo.cepal.org", "luis.cifuentes@demo.cepal.org",
                       "hugo.benitez@demo.cepal.org", "sofia.lindo@demo.cepal.org", "laura.mendez@demo.cepal.org",
                       "ximena.arce@demo.cepal.org", "carolina.pena@demo.cepal.org"]
VOTING = {"sectoral": {DEMO_MEMBER, "marcela.rios@demo.cepal.org", "andres.villamizar@demo.cepal.org",
                       "rosa.quispe@demo.cepal.org", "diego.ferreira@demo.cepal.org", "paola.andrade@demo.cepal.org",
                       "hugo.benitez@demo.cepal.org", "laura.mendez@demo.cepal.org", "gabriela.solis@demo.cepal.org",
                       "luis.cifuentes@demo.cepal.org", "carolina.pena@demo.cepal.org",
                       "ravi.persad@demo.cepal.org"}}

# --- the sectoral committee's open round -------------------------------------------------------------

CODES: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "rectoria": ({"es": "Rectoría sectorial efectiva", "en": "Effective sectoral stewardship"},
                 {"es": "El ministerio o ente rector conduce al conjunto del sector, fija prioridades y ordena a las "
                        "entidades adscritas y descentralizadas.",
                  "en": "The ministry or governing body leads the whole sector, sets priorities and aligns its "
                        "attached and decentralized entities."}),
    "alineacion": ({"es": "Alineación con el plan nacional", "en": "Alignment with the national plan"},
                   {"es": "El plan sectorial traduce objetivos del plan nacional de desarrollo y muestra a cuáles "
                          "contribuye.",
                    "en": "The sectoral plan translates objectives of the national development plan and shows which "
                          "ones it serves."}),
    "presupuesto": ({"es": "Vínculo entre plan, presupuesto e inversión", "en": "Plan, budget and investment linked"},
                    {"es": "Las metas del plan se reflejan en el presupuesto plurianual y en la cartera de proyectos "
                           "de inversión pública.",
                     "en": "The plan's targets are reflected in the multi-year budget and in the public investment "
                           "portfolio."}),
    "intersectorial": ({"es": "Coordinación intersectorial", "en": "Intersectoral coordination"},
                       {"es": "Existen espacios y reglas para coordinarse con los sectores que inciden en los "
                              "resultados propios.",
                        "en": "There are forums and rules to coordinate with the sectors that affect the sector's "
                              "own results."}),
    "participacion": ({"es": "Participación de actores y territorios", "en": "Participation of stakeholders and territories"},
                      {"es": "Gobiernos subnacionales, sector privado, academia y sociedad civil intervienen en la "
                             "formulación y el seguimiento.",
                       "en": "Subnational governments, business, academia and civil society take part in drafting "
                             "and monitoring."}),
    "evidencia": ({"es": "Diagnóstico e información de calidad", "en": "Sound diagnosis and information"},
                  {"es": "El plan parte de un diagnóstico con datos confiables, oportunos y desagregados.",
                   "en": "The plan starts from a diagnosis based on reliable, timely and disaggregated data."}),
    "seguimiento": ({"es": "Seguimiento y evaluación que se usan", "en": "Monitoring and evaluation that are used"},
                    {"es": "Hay indicadores, informes periódicos y evaluaciones cuyos hallazgos se usan para ajustar "
                           "el plan.",
                     "en": "There are indicators, regular reports and evaluations whose findings are used to adjust "
                           "the plan."}),
    "capacidades": ({"es": "Capacidades técnicas y equipos estables", "en": "Technical capacities and stable teams"},
                    {"es": "Las unidades de planificación cuentan con personal calificado, suficiente y con "
                           "permanencia.",
                     "en": "Planning units have qualified, sufficient and lasting staff."}),
    "continuidad": ({"es": "Continuidad ante cambios de gobierno", "en": "Continuity across changes of government"},
                    {"es": "Las prioridades del sector sobreviven a los cambios de autoridades y de gobierno.",
                     "en": "The sector's priorities survive changes of authorities and of government."}),
    "agenda2030": ({"es": "Integración de la Agenda 2030", "en": "Integration of the 2030 Agenda"},
                   {"es": "Las metas sectoriales se vinculan con los ODS y con los compromisos internacionales del "
                          "país.",
                    "en": "Sectoral targets are linked to the SDGs and to the country's international "
                          "commitments."}),
}

# Per member (in SECTORAL_MEMBERS order): the answer to "characteristics", the answer to "obstacles", the ranking
# of the five dimensions (1 = most important) with its reason, and the codings of the two open answers
# ((code, fragment or None for the whole answer), …). None: the member did not answer.
OPEN_ANSWERS: list[dict[str, Any] | None] = [
    {  # CHL
        "good": "Un buen proceso de planificación sectorial parte de un diagnóstico serio de brechas, con datos "
                "comparables entre regiones. Además, el plan tiene que conversar con el Sistema Nacional de "
                "Inversiones: si los proyectos no se evalúan a la luz de las metas del plan, el plan queda en el "
                "papel.",
        "obstacles": "En Chile el principal obstáculo es que la formulación presupuestaria es anual e inercial, y "
                     "los ministerios negocian partidas sin referencia a sus planes. También hay poca coordinación "
                     "entre ministerios que comparten un mismo problema, como vivienda y transporte.",
        "ranking": ["implementation", "design", "institutional", "outcomes", "sustainable_agenda"],
        "reason": "Puse la implementación primero porque es donde se cae la mayoría de los planes: el vínculo con "
                  "presupuesto e inversión es lo que decide si un plan existe de verdad.",
        "good_codes": [("evidencia", "parte de un diagnóstico serio de brechas, con datos comparables entre regiones"),
                       ("presupuesto", "el plan tiene que conversar con el Sistema Nacional de Inversiones")],
        "obstacles_codes": [("presupuesto", "la formulación presupuestaria es anual e inercial"),
                            ("intersectorial", "hay poca coordinación entre ministerios que comparten un mismo "
                                               "problema")],
    },
    {  # ARG
        "good": "Debe haber un ministerio que ejerza la rectoría de verdad, con capacidad para ordenar a las "
                "jurisdicciones y a los organismos descentralizados. En educación, por ejemplo, sin acuerdos en el "
                "Consejo Federal ningún plan nacional llega a las aulas. La participación de las provincias en la "
                "formulación no es opcional.",
        "obstacles": "La inestabilidad macroeconómica obliga a reprogramar el presupuesto varias veces al año, lo "
                     "que vuelve muy difícil sostener metas plurianuales. A eso se suma que cada cambio de gestión "
                     "trae un plan nuevo y se descarta lo anterior.",
        "ranking": ["institutional", "implementation", "design", "outcomes", "sustainable_agenda"],
        "reason": "Sin un marco institucional que dé rectoría y reglas estables, las demás dimensiones dependen de "
                  "la voluntad de cada gestión.",
        "good_codes": [("rectoria", "Debe haber un ministerio que ejerza la rectoría de verdad"),
                       ("participacion", "La participación de las provincias en la formulación no es opcional.")],
        "obstacles_codes": [("presupuesto", "obliga a reprogramar el presupuesto varias veces al año"),
                            ("continuidad", "cada cambio de gestión trae un plan nuevo y se descarta lo anterior")],
    },
    {  # COL
        "good": "El plan sectorial debe estar alineado con el Plan Nacional de Desarrollo y tener indicadores con "
                "línea base y metas anuales que se puedan seguir en un sistema público. Lo que no se mide no se "
                "gestiona, y lo que no se publica no genera rendición de cuentas.",
        "obstacles": "Tenemos buenos sistemas de seguimiento, pero sus reportes casi no se usan para corregir el "
                     "rumbo: se reporta para cumplir. En los territorios, además, las entidades sectoriales "
                     "llegan con su propia oferta sin coordinarse con los planes de desarrollo departamentales.",
        "ranking": ["outcomes", "design", "implementation", "institutional", "sustainable_agenda"],
        "reason": "Los resultados son la prueba de todo lo demás; si no sabemos qué se logró, no podemos decir que "
                  "la planificación sea buena.",
        "good_codes": [("alineacion", "alineado con el Plan Nacional de Desarrollo"),
                       ("seguimiento", "tener indicadores con línea base y metas anuales que se puedan seguir en un "
                                       "sistema público")],
        "obstacles_codes": [("seguimiento", "sus reportes casi no se usan para corregir el rumbo"),
                            ("participacion", "las entidades sectoriales llegan con su propia oferta sin coordinarse "
                                              "con los planes de desarrollo departamentales")],
    },
    {  # PER
        "good": "Un buen proceso articula el plan estratégico sectorial multianual con el plan estratégico de "
                "desarrollo nacional y con los planes de los gobiernos regionales. Requiere también equipos de "
                "planeamiento con formación y permanencia, no consultorías que se van con el documento.",
        "obstacles": "La alta rotación de funcionarios: en algunos ministerios el equipo de planeamiento cambió "
                     "tres veces en dos años. Y los gobiernos regionales tienen competencias compartidas pero "
                     "pocos recursos para cumplirlas.",
        "ranking": ["institutional", "design", "implementation", "sustainable_agenda", "outcomes"],
        "reason": "El marco institucional define quién planifica y con qué capacidades; por eso lo considero la base.",
        "good_codes": [("alineacion", "articula el plan estratégico sectorial multianual con el plan estratégico de "
                                      "desarrollo nacional"),
                       ("capacidades", "Requiere también equipos de planeamiento con formación y permanencia")],
        "obstacles_codes": [("capacidades", None)],
    },
    {  # URY
        "good": "Metas claras, pocas y vinculadas al presupuesto nacional quinquenal. En Uruguay la ley de "
                "presupuesto es el verdadero plan de cada período, así que un plan sectorial que no se traduce "
                "en programas presupuestarios con indicadores no orienta nada.",
        "obstacles": "La planificación sectorial depende mucho de las personas: cuando cambia un director se pierde "
                     "memoria institucional. Tampoco hay una práctica extendida de evaluación independiente de los "
                     "planes.",
        "ranking": ["implementation", "outcomes", "design", "institutional", "sustainable_agenda"],
        "reason": "La traducción presupuestaria es lo que distingue un plan que se ejecuta de uno declarativo.",
        "good_codes": [("presupuesto", None)],
        "obstacles_codes": [("capacidades", "cuando cambia un director se pierde memoria institucional"),
                            ("seguimiento", "Tampoco hay una práctica extendida de evaluación independiente de los "
                                            "planes.")],
    },
    {  # ECU
        "good": "Que el plan se construya con participación real: mesas con los gobiernos autónomos "
                "descentralizados, con los gremios y con la academia. En salud, además, debe incorporar los "
                "determinantes sociales, lo que exige trabajar con agua, vivienda y educación.",
        "obstacles": "Las instancias de coordinación intersectorial existen en la norma pero se reúnen poco y sin "
                     "capacidad de decisión. La información de los distintos subsistemas de salud no es "
                     "interoperable.",
        "ranking": ["design", "institutional", "sustainable_agenda", "implementation", "outcomes"],
        "reason": "El diseño define si el plan tiene un enfoque integral; si se diseña mal, la implementación solo "
                  "reproduce el error.",
        "good_codes": [("participacion", "Que el plan se construya con participación real"),
                       ("intersectorial", "lo que exige trabajar con agua, vivienda y educación")],
        "obstacles_codes": [("intersectorial", "Las instancias de coordinación intersectorial existen en la norma "
                                               "pero se reúnen poco y sin capacidad de decisión."),
                            ("evidencia", "La información de los distintos subsistemas de salud no es "
                                          "interoperable.")],
    },
    {  # PRY
        "good": "Un plan agropecuario útil reconoce la diversidad de productores, de la agricultura familiar a la "
                "empresarial, y tiene metas diferenciadas para cada uno. Debe apoyarse en un censo y en registros "
                "actualizados; sin ellos se planifica a ciegas.",
        "obstacles": "Los datos: el último censo agropecuario tiene más de una década y los registros "
                     "administrativos no se cruzan entre instituciones. También pesa la baja ejecución de la "
                     "inversión en los departamentos.",
        "ranking": ["design", "implementation", "institutional", "outcomes", "sustainable_agenda"],
        "reason": "Con un buen diagnóstico y metas diferenciadas se evitan políticas de talla única.",
        "good_codes": [("participacion", "reconoce la diversidad de productores"),
                       ("evidencia", "Debe apoyarse en un censo y en registros actualizados")],
        "obstacles_codes": [("evidencia", "el último censo agropecuario tiene más de una década"),
                            ("presupuesto", "la baja ejecución de la inversión en los departamentos")],
    },
    {  # MEX (1)
        "good": "El programa sectorial debe derivar del Plan Nacional de Desarrollo y contar con una matriz de "
                "indicadores para resultados en cada programa presupuestario. La evaluación externa, como la que "
                "coordina el Coneval, es indispensable para aprender y no solo para auditar.",
        "obstacles": "Los programas sectoriales se publican tarde, a veces a mitad del sexenio, cuando el "
                     "presupuesto ya se asignó con otras prioridades. Y las recomendaciones de las evaluaciones se "
                     "atienden de forma muy desigual.",
        "ranking": ["outcomes", "implementation", "design", "institutional", "sustainable_agenda"],
        "reason": "Sin evaluación de resultados no hay forma de saber si la planificación sirve; por eso va primero.",
        "good_codes": [("alineacion", "debe derivar del Plan Nacional de Desarrollo"),
                       ("seguimiento", "La evaluación externa, como la que coordina el Coneval, es indispensable "
                                       "para aprender y no solo para auditar.")],
        "obstacles_codes": [("presupuesto", "cuando el presupuesto ya se asignó con otras prioridades"),
                            ("seguimiento", "las recomendaciones de las evaluaciones se atienden de forma muy "
                                            "desigual")],
    },
    {  # MEX (2)
        "good": "En energía la planificación tiene que mirar a veinte o treinta años, porque las inversiones son "
                "de larga maduración. Un buen plan sectorial fija una trayectoria de largo plazo y la revisa "
                "periódicamente, sin cambiarla de raíz con cada administración. Tiene que ser coherente con los "
                "compromisos climáticos del país.",
        "obstacles": "La planeación energética cambia de orientación con cada gobierno, lo que ahuyenta la "
                     "inversión y deja proyectos a medias. Los instrumentos de planeación del sector se "
                     "rehacen cada seis años en lugar de actualizarse.",
        "ranking": ["sustainable_agenda", "institutional", "design", "implementation", "outcomes"],
        "reason": "En mi sector la transición energética y los compromisos climáticos definen todo lo demás.",
        "good_codes": [("continuidad", "sin cambiarla de raíz con cada administración"),
                       ("agenda2030", "Tiene que ser coherente con los compromisos climáticos del país.")],
        "obstacles_codes": [("continuidad", None)],
    },
    {  # CRI
        "good": "El plan sectorial debe responder al Plan Nacional de Desarrollo e Inversión Pública y estar "
                "vinculado con los ODS, como pide Mideplan. Es clave que el rector sectorial tenga autoridad sobre "
                "las instituciones autónomas, que en Costa Rica manejan buena parte del presupuesto.",
        "obstacles": "La autonomía de muchas instituciones hace que la rectoría sea débil: el ministro rector "
                     "coordina, pero no puede ordenar. Además, la información de seguimiento llega tarde para "
                     "decidir.",
        "ranking": ["institutional", "implementation", "outcomes", "design", "sustainable_agenda"],
        "reason": "La rectoría es la condición para que el plan se ejecute en todas las instituciones del sector.",
        "good_codes": [("alineacion", "debe responder al Plan Nacional de Desarrollo e Inversión Pública"),
                       ("agenda2030", "estar vinculado con los ODS"),
                       ("rectoria", "Es clave que el rector sectorial tenga autoridad sobre las instituciones "
                                    "autónomas")],
        "obstacles_codes": [("rectoria", "La autonomía de muchas instituciones hace que la rectoría sea débil"),
                            ("seguimiento", "la información de seguimiento llega tarde para decidir")],
    },
    {  # GTM
        "good": "Que llegue al territorio: un plan sectorial que no se conecta con los consejos de desarrollo "
                "departamentales y municipales queda en la capital. También tiene que incluir la pertinencia "
                "cultural y lingüística de los servicios.",
        "obstacles": "Las prioridades cambian con cada gobierno y las unidades de planificación son pequeñas, con "
                     "personal temporal. Existe un sistema nacional de planificación, pero los ministerios lo "
                     "ven como un trámite.",
        "ranking": ["design", "institutional", "implementation", "sustainable_agenda", "outcomes"],
        "reason": "En el diseño se decide si el plan considera a los territorios y a los pueblos indígenas.",
        "good_codes": [("participacion", None)],
        "obstacles_codes": [("continuidad", "Las prioridades cambian con cada gobierno"),
                            ("capacidades", "las unidades de planificación son pequeñas, con personal temporal")],
    },
    {  # DOM
        "good": "Vincular la planificación con la inversión pública: cada proyecto del sector debería mostrar a "
                "qué meta de la Estrategia Nacional de Desarrollo contribuye. También ayuda una programación "
                "plurianual realista, que no prometa más de lo que el presupuesto permite.",
        "obstacles": "Sin comentarios adicionales a lo dicho en la pregunta anterior.",
        "ranking": ["implementation", "design", "outcomes", "institutional", "sustainable_agenda"],
        "reason": "Porque es donde se ve si el plan tiene recursos.",
        "good_codes": [("presupuesto", "Vincular la planificación con la inversión pública"),
                       ("alineacion", "a qué meta de la Estrategia Nacional de Desarrollo contribuye"),
                       ("marco_gasto", "una programación plurianual realista")],
        "obstacles_codes": None,  # not codable
    },
    None,  # TTO did not answer
]

# The closed round: statements drafted from codes and then edited, and the ratings of each respondent (in
# CLOSED_RESPONDENTS order; None: "don't know").
# Eleven respondents: seven from South America, three from Central America and Mexico, and Trinidad and Tobago,
# the Caribbean's only respondent (who had not answered the open round); Guatemala and the Dominican Republic
# sit this round out.
CLOSED_RESPONDENTS = [DEMO_MEMBER, "marcela.rios@demo.cepal.org", "andres.villamizar@demo.cepal.org",
                      "rosa.quispe@demo.cepal.org", "diego.ferreira@demo.cepal.org", "paola.andrade@demo.cepal.org",
                      "hugo.benitez@demo.cepal.org", "laura.mendez@demo.cepal.org", "tomas.herrera@demo.cepal.org",
                      "gabriela.solis@demo.cepal.org", "ravi.persad@demo.cepal.org"]
CLOSED_ITEMS: list[tuple[str, dict[str, str], list[int | None]]] = [
    ("rectoria", {"es": "El órgano rector sectorial debe tener atribuciones formales para fijar prioridades y ordenar "
                        "a todas las entidades del sector, incluidas las autónomas.",
                  "en": "The sectoral governing body must have formal powers to set priorities and direct every "
                        "entity of the sector, autonomous ones included."},
     [5, 4, 4, 3, 5, 2, 4, 3, 5, 4, 3]),
    ("alineacion", {"es": "Todo plan sectorial debe mostrar explícitamente a qué objetivos del plan nacional de "
                          "desarrollo contribuye.",
                    "en": "Every sectoral plan must show explicitly which objectives of the national development "
                          "plan it contributes to."},
     [5, 5, 4, 5, 4, 5, 4, 5, 5, 4, 3]),
    ("presupuesto", {"es": "Las metas del plan sectorial deben reflejarse en el presupuesto plurianual y en la "
                           "cartera de inversión pública del sector.",
                     "en": "The sectoral plan's targets must be reflected in the multi-year budget and in the "
                           "sector's public investment portfolio."},
     [5, 5, 5, 4, 5, 5, 4, 5, 4, 5, 5]),
    ("intersectorial", {"es": "Deben existir instancias formales de coordinación, con capacidad de decisión, con los "
                              "demás sectores que inciden en los resultados del sector.",
                        "en": "There must be formal coordination bodies, able to decide, with the other sectors "
                              "that affect the sector's results."},
     [4, 5, 4, 4, 5, 3, 4, 4, 5, 4, 4]),
    ("participacion", {"es": "La participación de los gobiernos subnacionales y de actores no estatales es "
                             "indispensable en la formulación del plan sectorial.",
                       "en": "The participation of subnational governments and non-state actors is indispensable "
                             "when the sectoral plan is drafted."},
     [4, 3, 5, 2, 4, 4, 3, 5, 3, 4, 2]),
    ("seguimiento", {"es": "El plan sectorial debe contar con un sistema de seguimiento cuyos informes se usen para "
                           "ajustarlo al menos una vez al año.",
                     "en": "The sectoral plan must have a monitoring system whose reports are used to adjust it at "
                           "least once a year."},
     [4, 4, 5, 4, None, 4, 5, 4, 4, 3, 5]),
    ("capacidades", {"es": "La estabilidad de los equipos técnicos de planificación pesa más que la existencia de "
                           "normas de planificación.",
                     "en": "Stable technical planning teams matter more than the existence of planning rules."},
     [2, 4, 5, 3, 4, 2, 3, 5, 4, 2, 3]),
    ("continuidad", {"es": "El horizonte del plan sectorial debe trascender el periodo de gobierno, aunque ello "
                           "reduzca su flexibilidad.",
                     "en": "The sectoral plan's horizon must go beyond the term of government, even at some cost "
                           "in flexibility."},
     [5, 2, 4, 4, 3, 5, 2, 4, 1, 3, 4]),
    ("agenda2030", {"es": "Las metas del plan sectorial deben vincularse explícitamente con metas de los Objetivos "
                          "de Desarrollo Sostenible.",
                    "en": "The sectoral plan's targets must be explicitly linked to targets of the Sustainable "
                          "Development Goals."},
     [4, 4, 3, 5, 4, 4, None, 4, 5, 4, 4]),
]
CLOSED_COMMENTS: dict[tuple[int, str], str] = {
    (1, "rectoria"): "Las atribuciones formales ayudan, pero sin presupuesto el rector sigue sin poder ordenar.",
    (5, "rectoria"): "En países con instituciones autónomas por mandato constitucional esto no es viable tal "
                     "como está redactado.",
    (2, "participacion"): "Depende del sector: en defensa o en energía nuclear la participación tiene límites.",
    (6, "capacidades"): "Ambas son necesarias; las normas sin equipos no sirven, pero los equipos sin normas "
                        "tampoco duran.",
    (8, "continuidad"): "Un horizonte largo sí, pero con revisiones obligatorias a mitad de período.",
    (0, "presupuesto"): "Es la condición más importante de todas.",
}
CLOSED_RANKING = {
    "text": {"es": "Ordene estos factores según cuánto limitan hoy la planificación sectorial en su país "
                   "(1 = el que más limita).",
             "en": "Rank these factors by how much they limit sectoral planning in your country today "
                   "(1 = the greatest limit)."},
    "codes": ["presupuesto", "intersectorial", "capacidades", "continuidad", "evidencia"],
    "rankings": [[1, 2, 4, 3, 5], [1, 4, 3, 2, 5], [3, 1, 4, 5, 2], [2, 3, 1, 4, 5], [1, 3, 2, 4, 5],
                 [3, 1, 4, 5, 2], [2, 4, 3, 5, 1], [1, 3, 4, 2, 5], [2, 4, 3, 1, 5], [2, 3, 4, 5, 1],
                 [3, 4, 2, 1, 5]],
}

# --- the vision committee's open round in progress ---------------------------------------------------

VISION_ANSWERS: dict[str, dict[str, Any]] = {
    "marcela.rios@demo.cepal.org": {
        "submit": True,
        "good": "Una visión de largo plazo tiene que ser construida con actores que trasciendan al gobierno de turno: "
                "partidos, sindicatos, empresas, universidades. Si solo la firma el Poder Ejecutivo, dura lo que dura "
                "ese gobierno.",
        "obstacles": "La polarización política hace difícil cualquier acuerdo a veinte años. Además, no existe un "
                     "organismo permanente que custodie la visión y rinda cuentas de su avance.",
        "ranking": ["institutional", "design", "implementation", "outcomes", "sustainable_agenda"],
        "reason": "Sin una institución que la custodie, la visión no sobrevive al siguiente cambio de gobierno.",
    },
    "ximena.arce@demo.cepal.org": {
        "submit": True,
        "good": "Debe partir de ejercicios prospectivos serios, con escenarios y no con una sola proyección "
                "optimista. Y tiene que recoger la diversidad del país, incluidas las visiones de los pueblos "
                "indígenas sobre el buen vivir.",
        "obstacles": "Los planes de mediano plazo se formulan sin mirar la agenda de largo plazo, así que la visión "
                     "no se traduce en programas ni en presupuesto.",
        "ranking": ["design", "implementation", "institutional", "sustainable_agenda", "outcomes"],
        "reason": "Una visión mal diseñada, sin escenarios ni participación, no convoca a nadie.",
    },
    "mauricio.henriquez@demo.cepal.org": {
        "submit": True,
        "good": "Que tenga metas verificables a diez y veinte años, y un mecanismo de revisión periódica que permita "
                "ajustarla sin abandonarla.",
        "obstacles": "Escasa cultura prospectiva en la administración pública y poca disponibilidad de series de "
                     "datos largas para construir escenarios.",
        "ranking": ["outcomes", "design", "institutional", "implementation", "sustainable_agenda"],
        "reason": "Si la visión no tiene metas que se puedan verificar, nadie puede exigir su cumplimiento.",
    },
    "claudia.zelaya@demo.cepal.org": {
        "submit": True,
        "good": "Una ley que le dé rango de política de Estado y una instancia de concertación que la revise con "
                "cada nuevo gobierno. La visión de país debe estar en el lenguaje de la ciudadanía, no solo de los "
                "técnicos.",
        "obstacles": "Tuvimos una visión de país con ley propia, pero los gobiernos posteriores dejaron de "
                     "reportar su avance y el consejo que la custodiaba dejó de sesionar.",
        "ranking": ["institutional", "outcomes", "design", "implementation", "sustainable_agenda"],
        "reason": "La experiencia muestra que sin un marco legal e institucional la visión se abandona.",
    },
    "gabriela.solis@demo.cepal.org": {
        "submit": False,
        "good": "Articulación clara entre la visión a 2050 y los planes nacionales de cada periodo.",
        "obstacles": "",
        "ranking": [],
        "reason": "",
    },
    "laura.mendez@demo.cepal.org": {
        "submit": False,
        "good": "",
        "obstacles": "La falta de continuidad entre administraciones.",
        "ranking": ["institutional", "design"],
        "reason": "",
    },
}


# --- building ----------------------------------------------------------------------------------------


def _user(email: str) -> User:
    user = accounts.user_by_email(email)
    if user is None:
        name, country, _expertise = PEOPLE[email]
        user = accounts.create_user(None, email, roles={"member"}, name=name, country_iso3=country,
                                    password=demo_password("member"))
    return user


def _seat(actor: User, committee: Committee, emails: list[str]) -> None:
    voting = VOTING.get(committee.planning_model.key, set())
    for email in emails:
        user = _user(email)
        if committee.membership_of(user) is None:
            _name, country, expertise = PEOPLE[email]
            delphi_committees.add_membership(actor, committee, user, country_iso3=country, expertise=expertise,
                                    is_voting_representative=email in voting, notify=False)


def _ranking_input(order: list[str]) -> dict[str, int]:
    return {key: position + 1 for position, key in enumerate(order)}


def _answer_open_round(round_: Round, emails: list[str], answers: list[dict[str, Any] | None], now) -> None:
    items = round_queries.round_detail(round_.id).items
    good, obstacles, ranking = items
    for email, data in zip(emails, answers):
        if data is None:
            continue
        inputs = {good.id: round_answers.AnswerInput(text=data["good"]),
                  obstacles.id: round_answers.AnswerInput(text=data["obstacles"]),
                  ranking.id: round_answers.AnswerInput(ranking=_ranking_input(data["ranking"]) or None,
                                                   comment=data["reason"])}
        round_answers.save_response(_user(email), round_, inputs, submit=data.get("submit", True), now=now)


def _code_open_round(facilitator: User, round_: Round) -> dict[str, int]:
    codes = {key: codebook.add_code(facilitator, round_, label_es=label["es"], label_en=label["en"],
                                    definition_es=definition["es"], definition_en=definition["en"])
             for key, (label, definition) in CODES.items()}
    # A narrower code the facilitators first opened, then merged into the broader one (kept for traceability).
    codes["marco_gasto"] = codebook.add_code(
        facilitator, round_, label_es="Programación plurianual", label_en="Multi-year programming",
        definition_es="Programación del gasto a varios años.", definition_en="Spending programmed over several years.")
    items = round_queries.round_detail(round_.id).items
    good, obstacles = items[0], items[1]
    answers = {(a.item_id, a.response.membership.user.email): a
               for a in db.session.scalars(select(Answer).join(Response).where(Response.round_id == round_.id))}
    for email, data in zip(SECTORAL_MEMBERS, OPEN_ANSWERS):
        if data is None:
            continue
        for item, key in ((good, "good_codes"), (obstacles, "obstacles_codes")):
            answer = answers[(item.id, email)]
            if data[key] is None:
                codebook.mark_not_codable(facilitator, answer, round_)
                continue
            for code_key, fragment in data[key]:
                codebook.assign_code(facilitator, answer, codes[code_key], fragment)
    codebook.merge_codes(facilitator, codes.pop("marco_gasto"), codes["presupuesto"])
    return {key: code.id for key, code in codes.items()}


def _sectoral(facilitator: User, committee: Committee) -> None:
    if committee.rounds:
        return
    now = utcnow()
    start = now - timedelta(days=120)
    first = round_lifecycle.create_open_round(facilitator, committee, closes_at=start + timedelta(days=30))
    round_lifecycle.open_round(facilitator, first, now=start)
    _answer_open_round(first, SECTORAL_MEMBERS, OPEN_ANSWERS, start + timedelta(days=10))
    round_lifecycle.close_round(facilitator, first, now=start + timedelta(days=30))
    code_ids = _code_open_round(facilitator, first)
    round_lifecycle.publish_round(facilitator, first, now=start + timedelta(days=38))

    second = round_lifecycle.create_closed_round(facilitator, committee, scale=5, rule="default",
                                          closes_at=start + timedelta(days=75))
    items = round_items.add_items_from_codes(facilitator, second, [code_ids[key] for key, _t, _r in CLOSED_ITEMS])
    for item, (_key, text, _ratings) in zip(items, CLOSED_ITEMS):
        round_items.update_item(facilitator, item, text, allow_dont_know=True)
    ranking = round_items.add_ranking_item(facilitator, second, CLOSED_RANKING["text"],
                                        code_ids=[code_ids[key] for key in CLOSED_RANKING["codes"]])
    round_lifecycle.open_round(facilitator, second, now=start + timedelta(days=45))
    for index, email in enumerate(CLOSED_RESPONDENTS):
        inputs = {}
        for item, (key, _text, ratings) in zip(items, CLOSED_ITEMS):
            rating = ratings[index]
            inputs[item.id] = round_answers.AnswerInput(rating=rating, dont_know=rating is None,
                                                   comment=CLOSED_COMMENTS.get((index, key)))
        order = CLOSED_RANKING["rankings"][index]
        inputs[ranking.id] = round_answers.AnswerInput(
            ranking={option: order[i] for i, option in enumerate(ranking.option_keys)})
        round_answers.save_response(_user(email), second, inputs, submit=True, now=start + timedelta(days=50 + index))
    round_lifecycle.close_round(facilitator, second, now=start + timedelta(days=75))
    round_lifecycle.publish_round(facilitator, second, now=start + timedelta(days=80))

    third = round_lifecycle.create_closed_round(facilitator, committee, scale=5, rule="default")
    round_items.carry_over(facilitator, third, second)


def _vision(facilitator: User, committee: Committee) -> None:
    if committee.rounds:
        return
    now = utcnow()
    round_ = round_lifecycle.create_open_round(facilitator, committee, closes_at=now + timedelta(days=21))
    round_lifecycle.open_round(facilitator, round_, now=now - timedelta(days=7))
    emails = list(VISION_ANSWERS)
    _answer_open_round(round_, emails, [VISION_ANSWERS[e] for e in emails], now - timedelta(days=3))


def load() -> None:
    """Called by whitepaper.demo.load() after the demo accounts exist; commits."""
    facilitator = accounts.user_by_email(FACILITATOR)
    committees = {c.planning_model.key: c for c in delphi_committees.ensure_committees(facilitator)}
    for committee in committees.values():
        if committee.membership_of(facilitator) is None:
            delphi_committees.add_membership(facilitator, committee, facilitator, role="facilitator", notify=False)
    members = {"sectoral": SECTORAL_MEMBERS, "vision": VISION_MEMBERS, "national": NATIONAL_MEMBERS,
               "subnational": SUBNATIONAL_MEMBERS}
    for key, emails in members.items():
        if key in committees:
            _seat(facilitator, committees[key], emails)
    db.session.flush()
    if "sectoral" in committees:
        _sectoral(facilitator, delphi_committees.committee(committees["sectoral"].id))
    if "vision" in committees:
        _vision(facilitator, delphi_committees.committee(committees["vision"].id))
    db.session.commit()
