"""The comparability fingerprint (docs/design.md, "Comparability fingerprint"): a stable short hash of the
catalogue version, scoring mode, rules, per-dimension counts and groups; fixed at submission, shown in the API
and on the scorecard; and regional comparisons (the CRP report) that leave out incompatible assessments and say
how many and why."""
from __future__ import annotations

import hashlib
import json
import re
from html import unescape

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from whitepaper.assessment import comparability, fingerprint, scoring, services
from whitepaper.assessment.forms import RatingData

from .conftest import level_rating

DOCUMENTED_KEYS = {"catalogue_version", "scoring_mode", "rules", "not_applicable", "no_information", "groups",
                   "hash"}
BASE = dict(catalogue_version="2017", scoring_mode="elements", rules="2026.1",
            not_applicable={"design": 1, "institutional": 0}, no_information={"design": 0, "institutional": 2},
            groups=3)


# --- the pure part -------------------------------------------------------------------------------------------

def test_the_same_fields_give_the_same_hash_whatever_the_order_of_the_dimensions():
    first = fingerprint.make(**BASE)
    reordered = dict(BASE, not_applicable=dict(reversed(list(BASE["not_applicable"].items()))),
                     no_information=dict(reversed(list(BASE["no_information"].items()))))
    assert list(reordered["not_applicable"]) != list(BASE["not_applicable"])
    again = fingerprint.make(**reordered)
    assert again == first and again.hash == fingerprint.make(**BASE).hash
    assert re.fullmatch(r"[0-9a-f]{12}", first.hash)


@pytest.mark.parametrize("change", [
    {"catalogue_version": "2030"},
    {"scoring_mode": "levels"},
    {"rules": "2027.1"},
    {"groups": 2},
    {"groups": 0},
    {"not_applicable": {"design": 2, "institutional": 0}},
    {"no_information": {"design": 0, "institutional": 1}},
    # the same totals, in other dimensions
    {"not_applicable": {"design": 0, "institutional": 1}},
    {"no_information": {"design": 2, "institutional": 0}},
    # one more dimension with nothing in it
    {"not_applicable": {"design": 1, "institutional": 0, "outcomes": 0},
     "no_information": {"design": 0, "institutional": 2, "outcomes": 0}},
])
def test_any_change_of_a_field_changes_the_hash(change):
    assert fingerprint.make(**dict(BASE, **change)).hash != fingerprint.make(**BASE).hash


def test_the_hash_can_be_recomputed_from_the_published_fields():
    """The documented recipe: SHA-256 of the compact JSON of the other fields with sorted keys, 12 hex digits."""
    api = fingerprint.make(**BASE).as_api()
    assert set(api) == DOCUMENTED_KEYS
    fields = {k: v for k, v in api.items() if k != "hash"}
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert hashlib.sha256(text.encode()).hexdigest()[:12] == api["hash"]


@pytest.mark.parametrize("methods, mode", [
    (["levels", "levels"], "levels"), (["elements"], "elements"), (["levels", "elements", "levels"], "mixed"),
    ([], "none"),
])
def test_the_scoring_mode_of_a_version(methods, mode):
    assert fingerprint.scoring_mode(methods) == mode


@pytest.mark.parametrize("change, message", [
    ({"catalogue_version": ""}, "catalogue_version"),
    ({"scoring_mode": None}, "scoring_mode"),
    ({"rules": 1}, "rules"),
    ({"groups": -1}, "groups"),
    ({"groups": True}, "groups"),
    ({"not_applicable": {"design": -1, "institutional": 0}}, r"not_applicable\[design\]"),
    ({"no_information": {"design": 0, "institutional": 1.5}}, r"no_information\[institutional\]"),
    ({"no_information": {"design": 0, "institutional": False}}, r"no_information\[institutional\]"),
    ({"not_applicable": {"": 1, "institutional": 0}}, "dimension key"),
    ({"not_applicable": {"design": 1}}, "same dimensions"),
])
def test_malformed_fields_are_refused(change, message):
    with pytest.raises(ValueError, match=message):
        fingerprint.make(**dict(BASE, **change))


def test_an_unknown_scoring_method_is_refused():
    with pytest.raises(ValueError, match="bogus"):
        fingerprint.scoring_mode(["levels", "bogus"])


def test_compatibility_is_the_same_version_and_mode_only():
    base = fingerprint.make(**BASE)
    other_counts = fingerprint.make(**dict(BASE, groups=0, rules="2027.1", not_applicable={"design": 0,
                                                                                          "institutional": 0}))
    assert fingerprint.compatible(base, other_counts) and base.hash != other_counts.hash
    other_version = fingerprint.make(**dict(BASE, catalogue_version="2030"))
    other_both = fingerprint.make(**dict(BASE, catalogue_version="2030", scoring_mode="levels"))
    assert not fingerprint.compatible(base, other_version)
    assert fingerprint.incompatibilities(base, other_both) == ("catalogue_version", "scoring_mode")
    assert base.total_not_applicable() == 1 and base.total_no_information() == 2

    wanted = fingerprint.Reference("2017", "elements")
    split = fingerprint.partition(wanted, [("a", base), ("b", other_version), ("c", None), ("d", other_counts),
                                           ("e", other_both)])
    assert split.kept == ("a", "d")
    assert [(item.key, item.reasons) for item in split.left_out] == [
        ("b", ("catalogue_version",)), ("c", ("no_fingerprint",)), ("e", ("catalogue_version", "scoring_mode"))]
    assert split.reason_counts() == {"catalogue_version": 2, "no_fingerprint": 1, "scoring_mode": 1}


# --- stored at submission, in the API and on the scorecard -------------------------------------------------

def mixed_kinds(criterion) -> RatingData:
    """Some criteria not applicable, some without information, the rest at their optimum."""
    number = int(criterion.code.rsplit("-", 1)[-1])
    if number % 3 == 1:
        return RatingData(kind="not_applicable", justification="No corresponde en este país.")
    if number % 4 == 2:
        return RatingData(kind="no_information", justification="No se encontró información.")
    return level_rating(criterion)


def independent_counts(client, assessment_id: int) -> tuple[dict, dict]:
    """N/A and no information per dimension from the API's ratings and the scorecard's criteria."""
    detail = client.get(f"/api/v1/assessments/{assessment_id}").get_json()
    card = client.get(f"/api/v1/assessments/{assessment_id}/scorecard").get_json()
    dimension_of = {c["code"]: c["dimension"] for c in card["criteria"]}
    na = {d["key"]: 0 for d in card["dimensions"]}
    ni = dict(na)
    for rating in detail["ratings"]:
        if rating["not_applicable"]:
            na[dimension_of[rating["criterion"]]] += 1
        if rating["no_information"]:
            ni[dimension_of[rating["criterion"]]] += 1
    return na, ni


def test_a_submitted_assessment_carries_its_fingerprint_in_the_api(client, db, make_user, login_as,
                                                                   make_assessment):
    assessment = make_assessment("CRI", status="submitted", rate=mixed_kinds, groups=("Norte", "Sur"))
    login_as(make_user("admin"))
    body = client.get(f"/api/v1/assessments/{assessment.id}").get_json()
    found = body["fingerprint"]
    assert set(found) == DOCUMENTED_KEYS
    assert found["catalogue_version"] == body["version"] == "2017"
    assert found["scoring_mode"] == "elements" and found["rules"] == scoring.RULES_VERSION
    assert found["groups"] == 2
    na, ni = independent_counts(client, assessment.id)
    assert (found["not_applicable"], found["no_information"]) == (na, ni)
    assert sum(na.values()) > 0 and sum(ni.values()) > 0 and len(na) == 5
    fields = {k: v for k, v in found.items() if k != "hash"}
    assert fingerprint.digest(fields) == found["hash"]


@pytest.mark.parametrize("status", ["draft", "returned"])
def test_an_assessment_that_can_still_change_has_no_fingerprint(client, db, make_user, login_as, make_assessment,
                                                                status):
    assessment = make_assessment("CRI", status=status, rate="all")
    login_as(make_user("admin"))
    assert client.get(f"/api/v1/assessments/{assessment.id}").get_json()["fingerprint"] is None
    client.set_cookie("lang", "en", domain="localhost")
    page = client.get(f"/assessments/{assessment.id}/scorecard").get_data(as_text=True)
    assert 'id="fingerprint-none"' in page and 'id="fingerprint-hash"' not in page


def test_the_fingerprint_is_fixed_at_submission_and_fixed_again_at_resubmission(client, db, make_user, login_as,
                                                                                make_assessment, criterion_of):
    from whitepaper.assessment import queries
    from whitepaper.models import AssessmentFingerprint
    assessment = make_assessment("CRI", status="returned", rate="all")
    login_as(make_user("admin"))
    stored = db.session.get(AssessmentFingerprint, assessment.id)
    first = (stored.hash, stored.not_applicable)   # stored at the first submission, not shown while returned
    assert sum(first[1].values()) == 0

    criterion = criterion_of(assessment, "NAC-1-01")
    data = RatingData(kind="not_applicable", justification="No corresponde.")
    data.loaded_version = queries.rating_for_update(assessment, criterion.id).version
    services.save_rating(None, assessment, criterion, data)
    services.submit(None, assessment)
    db.session.commit()
    again = client.get(f"/api/v1/assessments/{assessment.id}").get_json()["fingerprint"]
    assert again["not_applicable"]["institutional"] == 1 and again["hash"] != first[0]
    db.session.refresh(stored)
    assert stored.hash == again["hash"]
    assert db.session.scalar(select(AssessmentFingerprint.assessment_id).where(
        AssessmentFingerprint.assessment_id == assessment.id)) == assessment.id   # replaced, not added


def test_a_stored_fingerprint_is_read_as_stored_and_an_old_submission_gets_one_computed(client, db, make_user,
                                                                                        login_as, make_assessment):
    from whitepaper.models import AssessmentFingerprint
    assessment = make_assessment("CRI", status="published", rate=mixed_kinds, groups=("Único",))
    login_as(make_user("admin"))
    url = f"/api/v1/assessments/{assessment.id}"
    computed = comparability.compute([assessment])[assessment.id].as_api()
    assert client.get(url).get_json()["fingerprint"] == computed

    row = db.session.get(AssessmentFingerprint, assessment.id)
    row.rules = "2025.9"   # as fixed under older rules: shown as it was fixed, hash included
    db.session.commit()
    shown = client.get(url).get_json()["fingerprint"]
    assert shown["rules"] == "2025.9" and shown["hash"] == computed["hash"]

    db.session.delete(row)   # submitted before fingerprints were stored: computed from its ratings
    db.session.commit()
    assert client.get(url).get_json()["fingerprint"] == computed


def test_the_scorecard_shows_the_fingerprint(client, db, make_user, login_as, make_assessment):
    assessment = make_assessment("CRI", status="validated", rate=mixed_kinds, groups=("Norte", "Sur", "Este"))
    login_as(make_user("admin"))
    found = client.get(f"/api/v1/assessments/{assessment.id}").get_json()["fingerprint"]
    for lang, words in (("en", ("Comparability fingerprint", "by verification elements")),
                        ("es", ("Huella de comparabilidad", "por elementos de análisis"))):
        client.set_cookie("lang", lang, domain="localhost")
        page = client.get(f"/assessments/{assessment.id}/scorecard").get_data(as_text=True)
        section = page.split('id="fingerprint"')[1].split("</section>")[0]
        assert all(w in section for w in words)
        assert f'<code id="fingerprint-hash">{found["hash"]}</code>' in section
        assert '<dd id="fingerprint-groups">3</dd>' in section
        cells = re.findall(r'<td class="num">(\d+)</td><td class="num">(\d+)</td>', section)
        assert [(int(a), int(b)) for a, b in cells] == [
            (found["not_applicable"][k], found["no_information"][k])
            for k in ("institutional", "design", "implementation", "outcomes", "sustainable_agenda")]


# --- regional comparisons ----------------------------------------------------------------------------------

def _other_version(db, label: str = "2030"):
    """A second version of the national model (a copy of the current one), open for piloting."""
    from whitepaper.catalogue import queries as catalogue_queries
    from whitepaper.catalogue import services as catalogue_services
    model = catalogue_queries.model_by_key("national")
    source = catalogue_queries.current_version(model)
    content = catalogue_queries.version_content(catalogue_queries.version_tree(source.id))
    version = catalogue_services.build_version(model, content, label=label, status="draft", source="test")
    version.is_open_for_piloting = True
    db.session.commit()
    return version


def _published_on(db, make_user, version, iso3: str):
    """A published assessment of `iso3` on `version`, every criterion at its optimum."""
    from whitepaper.assessment import queries
    from whitepaper.models import Country
    admin, facilitator = make_user("admin"), make_user("facilitator")
    assessment = services.create_assessment(
        admin, country=db.session.scalar(select(Country).where(Country.iso3 == iso3)), version=version,
        scope_name="", period_start=2019, period_end=2022)
    for dimension in queries.version_tree(version.id).dimensions:
        for criterion in dimension.criteria:
            services.save_rating(admin, assessment, criterion, level_rating(criterion))
    services.submit(admin, assessment)
    services.validate(facilitator, assessment)
    services.publish(facilitator, assessment, True)
    db.session.commit()
    return assessment


def _crp(lang: str = "en") -> str:
    from whitepaper.reports import crp
    return re.sub(r"\s+", " ", crp.crp_html("national", lang))


def _side_by_side(html: str) -> str:
    return html.split('id="side-by-side"')[1].split("</table>")[0]


def test_another_catalogue_version_makes_two_equal_assessments_incompatible_and_the_report_says_so(
        app, db, make_user, make_assessment):
    chile = make_assessment("CHL", status="published", rate="all")
    mexico = _published_on(db, make_user, _other_version(db), "MEX")
    found = comparability.fingerprints_for([chile, mexico])
    same_but_version = fingerprint.make(**dict(found[chile.id].fields(), catalogue_version="2030"))
    assert found[mexico.id] == same_but_version                     # equal in everything but the version
    assert not fingerprint.compatible(found[chile.id], found[mexico.id])

    with app.test_request_context():
        html = _crp("en")
        assert "Chile" in _side_by_side(html) and "Mexico" not in _side_by_side(html)
        left_out = html.split('id="left-out"')[1].split("</div>")[0]
        assert "1 published assessment was left out of this comparison" in left_out
        assert "Mexico (2019–2022): catalogue version 2030, not 2017" in left_out
        es = _crp("es")
        assert "1 evaluación publicada quedó fuera de esta comparación" in es
        assert "México (2019–2022): versión del catálogo 2030, no 2017" in es


def test_without_incompatible_assessments_the_report_says_nothing_is_left_out(app, db, make_assessment):
    make_assessment("CHL", status="published", rate="all")
    with app.test_request_context():
        html = _crp("en")
    assert "Chile" in _side_by_side(html) and 'id="left-out"' not in html


def test_a_member_whose_fixed_scoring_mode_differs_is_left_out_of_the_regional_figures(app, db, make_assessment):
    """A version open for piloting may still change; the fingerprint fixed at submission tells."""
    from whitepaper.models import AssessmentFingerprint
    from whitepaper.reports import crp
    low = lambda c: level_rating(c, 0)   # noqa: E731  (national criteria are scored by elements)
    members = [make_assessment(iso3, status="published", rate="all") for iso3 in ("CHL", "COL", "MEX")]
    odd = make_assessment("CRI", status="published", rate=low)
    with app.test_request_context(), force_locale("en"):
        before = crp.build("national")
        assert before.regional.countries == 4 and before.regional.overall.minimum == 0
        db.session.get(AssessmentFingerprint, odd.id).scoring_mode = "levels"
        db.session.commit()
        # A published assessment's fingerprint never changes in use; the figures kept for the unchanged
        # published set are forgotten here to read the edited row.
        app.extensions.pop("whitepaper.regional_figures")
        after = crp.build("national")
        assert [r.assessment.id for r in after.rows] == [m.id for m in members]
        assert after.regional.countries == 3 and after.regional.overall.minimum == 100
        assert [(item.key.id, item.reasons) for item in after.left_out] == [(odd.id, ("scoring_mode",))]
        html = _crp("en")
    assert "Costa Rica (2019–2022): scored by achievement levels, not by verification elements" in html


def test_the_scorecard_s_regional_comparison_says_how_many_it_left_out_and_why(client, db, make_user, login_as,
                                                                              make_assessment):
    from whitepaper.models import AssessmentFingerprint
    members = [make_assessment(iso3, status="published", rate="all") for iso3 in ("CHL", "COL", "MEX")]
    odd = make_assessment("CRI", status="published", rate=lambda c: level_rating(c, 0))
    db.session.get(AssessmentFingerprint, odd.id).scoring_mode = "levels"   # before any figures are kept
    db.session.commit()
    _published_on(db, make_user, _other_version(db), "PER")
    login_as(make_user("admin"))
    card = client.get(f"/api/v1/assessments/{members[0].id}/scorecard").get_json()
    assert (card["regional"]["countries"], card["regional"]["overall"]["min"]) == (3, 100.0)   # Costa Rica out
    assert card["regional_left_out"] == {"count": 2, "reasons": {"catalogue_version": 1, "scoring_mode": 1}}
    for lang, text in (
            ("en", "2 published assessments of this model were left out of the regional comparison, as their "
                   "comparability fingerprints differ from this version's: 1 on another catalogue version; "
                   "1 scored in another mode."),
            ("es", "2 evaluaciones publicadas de este modelo quedaron fuera de la comparación regional, porque sus "
                   "huellas de comparabilidad difieren de la de esta versión: 1 en otra versión del catálogo; "
                   "1 con otro modo de calificación.")):
        client.set_cookie("lang", lang, domain="localhost")
        page = unescape(re.sub(r"\s+", " ", client.get(f"/assessments/{members[0].id}/scorecard")
                                    .get_data(as_text=True)))
        note = page.split('id="regional-left-out">')[1].split("</p>")[0]
        assert text in note and "Peru" not in note and "Costa Rica" not in note   # counts only, no names


def test_a_comparison_with_nothing_left_out_says_nothing(client, db, make_user, login_as, make_assessment):
    chile = make_assessment("CHL", status="published", rate="all")
    login_as(make_user("admin"))
    assert client.get(f"/api/v1/assessments/{chile.id}/scorecard").get_json()["regional_left_out"] == {
        "count": 0, "reasons": {}}
    assert 'id="regional-left-out"' not in client.get(f"/assessments/{chile.id}/scorecard").get_data(as_text=True)


def test_the_words_for_each_reason(app):
    with app.test_request_context(), force_locale("en"):
        assert comparability.reason_text("no_fingerprint", None, "2017", "elements") == "no fingerprint"
        assert comparability.mode_label("mixed") == "by levels and by elements"
        assert comparability.mode_label("none") == "no criteria"
        assert comparability.left_out_summary(1, {"no_fingerprint": 1}) == (
            "1 published assessment of this model was left out of the regional comparison, as its comparability "
            "fingerprint differs from this version's: 1 without a fingerprint.")
