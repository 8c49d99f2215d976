"""The reporting checklist of the methods report: the items of two reporting guidelines for consensus studies
(ACCORD, 2024, and DELPHISTAR, 2024), each in a short paraphrase of our own. An item the data can answer gets a
generated text; the others are left to the committee's facilitators, who write them (MethodsText)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ... import formatting
from ...navigation import subregion_label
from .. import stats
from .facts import MethodsFacts, RoundFacts

ACCORD = "ACCORD (2024)"
DELPHISTAR = "DELPHISTAR (2024)"


def day(value) -> str:
    return value.strftime("%Y-%m-%d") if value else formatting.DASH


def minute(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else formatting.DASH


def round_name(r: RoundFacts) -> str:
    kind = _("open round") if r.round.kind == "open" else _("rating round")
    return _("Round %(number)d (%(kind)s)", number=r.round.number, kind=kind)


def rule_text(rule: str, scale: int, band: Optional[tuple[int, int]]) -> str:
    low, high = band or stats.DEFAULT_BANDS.get(scale, (scale, scale))
    texts = {
        "default": _("at least 75 percent of the valid ratings in the agreement band (%(low)d to %(high)d on a "
                     "%(scale)d-point scale) and an interquartile range of at most 1", low=low, high=high, scale=scale),
        "70_15": _("70/15 rule on a %(scale)d-point scale: at least 70 percent rate 7 to 9 and under 15 percent rate "
                   "1 to 3 (or the reverse, for consensus against)", scale=scale),
        "rand_ucla": _("RAND/UCLA appropriateness method on a %(scale)d-point scale (median and the interpercentile "
                       "range adjusted for symmetry)", scale=scale),
        "iqr1_sd15": _("interquartile range at most 1 or standard deviation at most 1.5 on a %(scale)d-point scale",
                       scale=scale),
    }
    return texts.get(rule, rule)


def _rated(facts: MethodsFacts) -> list[RoundFacts]:
    return [r for r in facts.rounds if r.round.kind == "closed"]


def _method(facts: MethodsFacts) -> str:
    open_rounds = sum(1 for r in facts.rounds if r.round.kind == "open")
    return _("A modified Delphi run online on this platform. Rounds so far: %(n)d (open rounds, whose answers were "
             "coded into themes: %(open)d; rounds rating statements written from those themes: %(closed)d).",
             n=len(facts.rounds), open=open_rounds, closed=len(facts.rounds) - open_rounds)


def _composition(facts: MethodsFacts) -> str:
    p = facts.panel
    regions = "; ".join(f"{subregion_label(k) if k else _('no country')}: {n}" for k, n in p.subregions)
    return _("Members: %(members)d, from %(countries)d countries (%(regions)s). Facilitators: %(facilitators)d. "
             "Counts by country and by expertise are in the panel section; groups of fewer than %(k)d members are "
             "only counted together.", members=p.members, countries=p.countries, regions=regions or formatting.DASH,
             facilitators=p.facilitators, k=p.by_country.minimum)


def _item_generation(facts: MethodsFacts) -> Optional[str]:
    parts = []
    for r in facts.rounds:
        if r.coding is not None:
            c = r.coding
            parts.append(_("%(round)s: %(answers)d open answers, %(codings)d codings (%(fragments)d of them on a part "
                           "of an answer), %(codes)d codes (%(merged)d merged into others), %(derived)d closed items "
                           "derived from them.", round=round_name(r), answers=c.open_answers, codings=c.codings,
                           fragments=c.fragments, codes=c.codes, merged=c.merged_codes, derived=c.derived_items))
            if r.suggestions and r.suggestions["shown"]:
                parts.append(_("The platform suggested codes (similarity to the answers already coded, computed on "
                               "its server); the facilitators accepted %(accepted)d and rejected %(rejected)d of "
                               "the %(shown)d they acted on.", **r.suggestions))
    return " ".join(parts) or None


def _rounds(facts: MethodsFacts) -> str:
    lines = [_("%(round)s: opened %(opened)s, closed %(closed)s, results published %(published)s.",
               round=round_name(r), opened=day(r.round.opened_at), closed=day(r.round.closed_at),
               published=day(r.round.published_at)) for r in facts.rounds]
    return " ".join([_("Rounds: %(n)d.", n=len(facts.rounds))] + lines)


def _consensus(facts: MethodsFacts) -> Optional[str]:
    lines = [_("%(round)s: %(rule)s; fixed when the round opened, on %(locked)s.", round=round_name(r),
               rule=rule_text(r.round.rule, r.round.scale, r.round.band), locked=minute(r.round.opened_at))
             for r in _rated(facts)]
    return " ".join(lines) or None


def _analysis(_facts: MethodsFacts) -> str:
    return _("For each statement: number of valid ratings, median, quartiles and interquartile range, mean, standard "
             "deviation and coefficient of variation, percent agreement and the distribution over the scale; "
             "rankings by Kendall's W. 'Don't know' answers and drafts are not counted. With fewer than %(n)d valid "
             "ratings only the number is shown to members and observers.", n=stats.SMALL_NUMBER_LIMIT)


def _feedback(_facts: MethodsFacts) -> str:
    return _("Once a round's results were published, each member saw, per statement, the group's distribution, "
             "median and interquartile range, whether consensus was reached, their own earlier rating highlighted, "
             "the anonymous comments under pseudonyms, and the codes drawn from the open answers.")


def _anonymity(_facts: MethodsFacts) -> str:
    return _("Members answered anonymously to each other. Facilitators saw the answers under a pseudonym drawn at "
             "random for each round (with the member's country), never a name; only an administrator may reveal a "
             "pseudonym, and that is recorded. Answers are listed in an order unrelated to who answered first.")


def _response(facts: MethodsFacts) -> str:
    lines = []
    for r in facts.rounds:
        line = _("%(round)s: %(answered)d of %(invited)d members answered (%(rate)s %%).", round=round_name(r),
                 answered=r.answered, invited=r.invited, rate=formatting.number(r.rate))
        if r.answered_next is not None:
            line += " " + _("%(n)d of them also answered the next round.", n=r.answered_next)
        lines.append(line)
    return " ".join(lines)


def _outcome(facts: MethodsFacts) -> Optional[str]:
    lines = [_("%(round)s: %(consensus)d of %(rated)d statements reached consensus.", round=round_name(r),
               consensus=r.items_consensus, rated=r.items_rated)
             for r in _rated(facts) if r.items_consensus is not None]
    return " ".join(lines) or None


def _changes(facts: MethodsFacts) -> Optional[str]:
    lines = [_("%(round)s, from round %(previous)d: %(added)d items added (%(derived)d built from codes), %(carried)d "
               "carried over (%(reworded)d reworded), %(dropped)d dropped.", round=round_name(r),
               previous=r.changes.previous, added=r.changes.added, derived=r.changes.derived,
               carried=r.changes.carried, reworded=r.changes.reworded, dropped=r.changes.dropped)
             for r in facts.rounds if r.changes is not None]
    return " ".join(lines) or None


def _stability(facts: MethodsFacts) -> Optional[str]:
    lines = []
    for r in facts.rounds:
        if r.stability_assessed is None:
            continue
        line = _("%(round)s: %(stable)d of %(assessed)d carried statements were stable (at most 15 percent of the "
                 "members who rated them in both rounds changed their rating).", round=round_name(r),
                 stable=r.stability_stable, assessed=r.stability_assessed)
        if r.stability_kappa is not None:
            line += " " + _("Mean weighted kappa between the two ratings: %(kappa)s.",
                            kappa=formatting.number(r.stability_kappa, 2))
        lines.append(line)
    lines += [_("%(round)s: mean group stability (100 minus the coefficient of variation in percent) %(value)s.",
                round=round_name(r), value=formatting.number(r.cv_stability, 1))
              for r in facts.rounds if r.cv_stability is not None]
    return " ".join(lines) or None


def _moderation(facts: MethodsFacts) -> Optional[str]:
    lines = [_("%(round)s: %(hidden)d comments hidden by moderation, %(flagged)d flagged.", round=round_name(r),
               hidden=r.hidden_comments, flagged=r.flagged_comments)
             for r in facts.rounds]
    return " ".join(lines) or None


def _double_coding(facts: MethodsFacts) -> Optional[str]:
    """From delphi.rounds.double_coding.double_coding_summary: {"finished", "alpha", "units", "disagreements",
    "settled", …}, or None when the round had no second coder."""
    lines = []
    for r in facts.rounds:
        summary = r.double_coding
        if not summary:
            continue
        if not summary.get("finished"):
            lines.append(_("%(round)s: a second, blind coding is under way.", round=round_name(r)))
            continue
        lines.append(_("%(round)s: a second coder coded the answers blind; over %(units)d answers Krippendorff's "
                       "alpha was %(alpha)s; %(disagreements)d disagreements, %(settled)d of them settled together.",
                       round=round_name(r), units=summary.get("units", 0),
                       alpha=formatting.number(summary.get("alpha"), 2),
                       disagreements=summary.get("disagreements", 0), settled=summary.get("settled", 0)))
    return " ".join(lines) or None


def _realtime(facts: MethodsFacts) -> Optional[str]:
    if all(r.realtime is None for r in facts.rounds) or not facts.rounds:
        return None
    lines = [_("%(round)s: %(mode)s.", round=round_name(r),
               mode=_("real-time (members saw the group's answers while answering)") if r.realtime
               else _("conventional (feedback after the round closed)")) for r in facts.rounds]
    return " ".join(lines)


def _platform(_facts: MethodsFacts) -> str:
    return _("The White Paper Platform (ILPES, CEPAL): invitations, answers, coding, statistics and feedback all ran "
             "on it, and every change by a facilitator was recorded in its audit trail.")


def _attrition(facts: MethodsFacts) -> Optional[str]:
    pairs = [(r, r.answered - r.answered_next) for r in facts.rounds if r.answered_next is not None]
    lines = [_("%(round)s: %(lost)d of its %(answered)d respondents did not answer the next round.",
               round=round_name(r), lost=lost, answered=r.answered) for r, lost in pairs]
    return " ".join(lines) or None


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    guideline: str
    item: object                                          # a lazy string: what the item asks for
    generate: Optional[Callable[[MethodsFacts], Optional[str]]] = None


ITEMS: tuple[ChecklistItem, ...] = (
    ChecklistItem("accord.aim", ACCORD, _l("Aim of the exercise and the question it set out to answer")),
    ChecklistItem("accord.method", ACCORD, _l("Which consensus method was used, and how it was adapted"), _method),
    ChecklistItem("accord.steering", ACCORD, _l("Who organised and ran the process, and their role")),
    ChecklistItem("accord.selection", ACCORD, _l("How panel members were identified, chosen and invited")),
    ChecklistItem("accord.panel", ACCORD, _l("Size and make-up of the panel"), _composition),
    ChecklistItem("accord.items", ACCORD, _l("How the statements to rate were produced"), _item_generation),
    ChecklistItem("accord.consensus", ACCORD, _l("How consensus was defined beforehand, and when the rule was fixed"),
                  _consensus),
    ChecklistItem("accord.rounds", ACCORD, _l("Number of rounds and their dates"), _rounds),
    ChecklistItem("accord.analysis", ACCORD, _l("How the ratings were summarised"), _analysis),
    ChecklistItem("accord.feedback", ACCORD, _l("What participants were shown between rounds"), _feedback),
    ChecklistItem("accord.anonymity", ACCORD, _l("Whether participants were anonymous, and to whom"), _anonymity),
    ChecklistItem("accord.response", ACCORD, _l("Participants and response rate in each round"), _response),
    ChecklistItem("accord.outcome", ACCORD, _l("Statements reaching consensus in each round"), _outcome),
    ChecklistItem("accord.limitations", ACCORD, _l("Limitations of the process")),
    ChecklistItem("accord.funding", ACCORD, _l("Who paid for the work, and what part the funder played")),
    ChecklistItem("accord.conflicts", ACCORD, _l("Conflicts of interest of participants and organisers, and how they "
                                                 "were handled")),
    ChecklistItem("accord.ethics", ACCORD, _l("Ethical approval or exemption, and how participants consented")),
    ChecklistItem("delphistar.expert", DELPHISTAR, _l("What counted as expertise for this panel")),
    ChecklistItem("delphistar.questionnaire", DELPHISTAR, _l("How the first questionnaire was built and tried out")),
    ChecklistItem("delphistar.changes", DELPHISTAR, _l("Items added, reworded, carried over or dropped between "
                                                       "rounds"), _changes),
    ChecklistItem("delphistar.attrition", DELPHISTAR, _l("Drop-out from round to round"), _attrition),
    ChecklistItem("delphistar.stability", DELPHISTAR, _l("Whether answers were checked for stability between rounds"),
                  _stability),
    ChecklistItem("delphistar.stopping", DELPHISTAR, _l("When the process was to stop (stopping criteria)")),
    ChecklistItem("delphistar.mode", DELPHISTAR, _l("Conventional or real-time rounds"), _realtime),
    ChecklistItem("delphistar.moderation", DELPHISTAR, _l("How participants' comments were moderated"), _moderation),
    ChecklistItem("delphistar.coding", DELPHISTAR, _l("How reliably the open answers were coded"), _double_coding),
    ChecklistItem("delphistar.tool", DELPHISTAR, _l("Software or platform used to run the rounds"), _platform),
)
KEYS = frozenset(i.key for i in ITEMS)


@dataclass
class ChecklistEntry:
    key: str
    guideline: str
    item: str
    generated_text: Optional[str]     # None: the data cannot answer it
    facilitator_text: str             # what the facilitators wrote ("" if nothing)

    @property
    def generated(self) -> bool:
        return self.generated_text is not None

    @property
    def text(self) -> Optional[str]:
        """The answer: the generated text, else the facilitators' own, else None (still to be written)."""
        return self.generated_text if self.generated_text is not None else (self.facilitator_text or None)


def checklist(facts: MethodsFacts, written: dict[str, dict[str, str]]) -> list[ChecklistEntry]:
    """Every item with its answer in the current language; `written`: the facilitators' texts by item key."""
    return [ChecklistEntry(i.key, i.guideline, str(i.item), i.generate(facts) if i.generate else None,
                           formatting.text(written.get(i.key))) for i in ITEMS]
