"""Committee pages: the list of committees, one committee with its rounds and ballots, and its members.
Views load, check, call one service, commit once and respond."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import permissions
from ..errors import InvalidInput, NotAllowed
from ..extensions import db
from ..links import external_url
from ..models.delphi import Committee, Membership
from . import committees
from . import results as delphi_results
from .ballots import queries as ballot_queries
from .ballots.views import bp as ballots_bp
from .blueprint import (
    bp,
    committee_link,
    committee_or_404,
    country_choices,
    manage,
    require,
    see,
)
from .forms import MemberForm, MembershipForm
from .rounds import queries as round_queries
from .rounds.forms import NewRoundForm


@bp.route("/")
def index():
    all_committees = committees.committees()
    visible = [c for c in all_committees if permissions.can_view_committee(current_user, c)]
    rounds = [r for c in visible for r in c.rounds]
    return render_template("delphi/index.html", committees=visible,
                           own_status=round_queries.member_rounds_status(current_user, rounds),
                           can_create=permissions.is_admin(current_user) and len(all_committees) < 4)


@bp.route("/setup", methods=["POST"])
def setup():
    require(permissions.is_admin(current_user))
    committees.ensure_committees(current_user)
    db.session.commit()
    flash(_("There is now one technical committee per planning model."), "success")
    return redirect(url_for("delphi.index"))


@bp.route("/<int:committee_id>/")
def committee_page(committee_id: int):
    committee = committee_or_404(committee_id)
    see(permissions.can_view_committee(current_user, committee))
    manage = permissions.can_manage_committee(current_user, committee)
    assigns = permissions.can_assign_facilitators(current_user)
    rounds = [r for r in committee.rounds if permissions.can_see_round(current_user, r)]
    members, countries = committees.committee_members_count(committee)
    return render_template("delphi/committee.html", committee=committee, rounds=rounds, manage=manage,
                           members_count=members, countries_count=countries,
                           own_status=round_queries.member_rounds_status(current_user, rounds),
                           submitted=round_queries.response_counts(rounds) if manage else {},
                           member_form=MemberForm(country_choices(), with_facilitator=assigns) if manage else None,
                           round_form=NewRoundForm() if manage else None,
                           ballots=[b for b in ballot_queries.committee_ballots(committee.id)
                                    if permissions.can_view_ballot(current_user, b)])


@bp.route("/<int:committee_id>/members", methods=["POST"])
def add_member(committee_id: int):
    committee = committee_or_404(committee_id)
    manage(committee)
    form = MemberForm(country_choices())
    if not form.validate_on_submit():
        raise InvalidInput(" ".join(str(e) for errors in form.errors.values() for e in errors))
    _require_facilitator_assignment(form.role.data)
    membership = committees.invite_to_committee(
        current_user, committee, email=form.email.data, name=form.name.data or "",
        country_iso3=form.country.data or None, role=form.role.data, expertise=form.expertise.data or "",
        is_voting_representative=form.is_voting_representative.data, committee_link=committee_link(committee),
        invitation_link_for=lambda raw: external_url("auth.accept_invitation", token=raw))
    db.session.commit()
    flash(_("%(email)s is on the committee; an invitation is in the outbox.", email=membership.user.email),
          "success")
    return redirect(url_for("delphi.committee_page", committee_id=committee.id) + "#members")


def _require_facilitator_assignment(role: str) -> None:
    """Who facilitates a committee is an administrator's decision (docs/design.md §1.2)."""
    if role == "facilitator" and not permissions.can_assign_facilitators(current_user):
        raise NotAllowed(_("Only an administrator assigns the facilitators of a committee."))


def _membership_or_404(committee: Committee, membership_id: int) -> Membership:
    membership = next((m for m in committee.memberships if m.id == membership_id), None)
    if membership is None:
        abort(404)
    return membership


@bp.route("/<int:committee_id>/members/<int:membership_id>", methods=["GET", "POST"])
def edit_member(committee_id: int, membership_id: int):
    committee = committee_or_404(committee_id)
    manage(committee)
    membership = _membership_or_404(committee, membership_id)
    form = MembershipForm(country_choices(), data=None if request.method == "POST" else {
        "country": membership.country.iso3 if membership.country else "", "expertise": membership.expertise,
        "is_voting_representative": membership.is_voting_representative})
    if form.validate_on_submit():
        committees.update_membership(current_user, membership, country_iso3=form.country.data or None,
                                   expertise=form.expertise.data or "",
                                   is_voting_representative=form.is_voting_representative.data)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("delphi.committee_page", committee_id=committee.id) + "#members")
    return render_template("delphi/membership_form.html", committee=committee, membership=membership, form=form), \
        400 if request.method == "POST" else 200


@bp.route("/<int:committee_id>/members/<int:membership_id>/remove", methods=["POST"])
def remove_member(committee_id: int, membership_id: int):
    committee = committee_or_404(committee_id)
    manage(committee)
    membership = _membership_or_404(committee, membership_id)
    _require_facilitator_assignment(membership.role)
    committees.remove_membership(current_user, membership)
    db.session.commit()
    flash(_("Removed from the committee."), "success")
    return redirect(url_for("delphi.committee_page", committee_id=committee.id) + "#members")


# --- the committee's results for the CRP (composed from rounds and ballots) -----------------------------


@ballots_bp.route("/committee/<int:committee_id>/results")
def committee_results(committee_id: int):
    committee = committee_or_404(committee_id)
    see(permissions.can_view_committee_results(current_user, committee))
    by_country = permissions.can_manage_committee(current_user, committee)  # else by subregion
    return render_template("ballots/committee_results.html", committee=committee,
                           committee_results=delphi_results.committee_results(committee, by_country=by_country))
