"""The access matrix: for every route of the app (endpoint and method, as in `app.url_map`) and every role, the
status it answers. tests/views/test_access_matrix.py runs it in the world of tests/views/access_world.py and fails
when a route is missing here, when a row names a route that no longer exists, or when a status differs.

Roles, in the order of the columns:
  anon   not logged in
  mem    a member of the sectoral committee (Argentina), not a voting representative
  rep    a member of the same committee, Uruguay's voting representative
  asr    an assessor of Costa Rica (the country of the draft assessment)
  as2    an assessor of Chile (the country of the published, public assessment)
  fac    a facilitator assigned to the sectoral committee and to Costa Rica
  fa2    a facilitator with no assignment
  obs    an observer
  adm    an administrator

The objects (access_world.py): the sectoral committee with round_open (an open round, answered and coded),
round_published (a closed round, published) and round_draft (a closed round in draft, with `item`);
ballot_closed (with a rejection to answer, `resolution`), ballot_open (one vote per country) and ballot_draft;
`draft` (Costa Rica's draft assessment, with the `evidence` file) and `published` (Chile's, published and public);
a finished CRP report `job`, the admin's API `token`, the observer's `invitation` and `password_reset` links.

Each row: (the nine statuses, the URL's variables | the fields a POST sends). A value is an object's name above
(replaced by its id, or by the link's token for `invitation` and `password_reset`) or taken as it is. GET
requests send nothing; POST requests send the fields given, else an empty form (CSRF is off in the tests), so
a POST that a role may make answers what the route does with an empty form (302 done, 400 invalid, 409 refused
by the object's state); a POST that a role may not make never changes anything (the test checks that it leaves
no trace in the audit trail, where every state change is recorded). What the statuses mean:
  200  shown (or done, for a POST that needs no form; or, on the account pages, the form shown again with its
       errors)
  302  for anon: sent to the login page; for others: done, or sent on to the page they may see
  400  allowed, but the empty form is invalid
  401  anon on the JSON API
  403  the user sees the object, or the area, but may not do this (docs/design.md §1.2); the JSON API of rounds
       and ballots still answers 403 to a logged-in reader who may not see them
  404  missing, or not theirs to see: the same answer (docs/design.md §1.2), for anon too on an assessment
  405  method not allowed
  409  allowed, but refused by the object's state (already open, closed, answered, …)
"""
from __future__ import annotations

ROLES = ("anon", "mem", "rep", "asr", "as2", "fac", "fa2", "obs", "adm")

MATRIX: dict[tuple[str, str], tuple[str, str]] = {
    #                                            anon mem rep asr as2 fac fa2 obs adm
    ("admin.anonymise_user", "POST"):          ("302 403 403 403 403 403 403 403 302", "user_id=user"),
    ("admin.assignments", "GET"):              ("302 403 403 403 403 403 403 403 200", ""),
    ("admin.audit_trail", "GET"):              ("302 403 403 403 403 403 403 403 200", ""),
    ("admin.countries", "GET"):                ("302 403 403 403 403 403 403 403 200", ""),
    ("admin.edit_assignments", "GET"):         ("302 403 403 403 403 403 403 403 200", "user_id=facilitator"),
    ("admin.edit_assignments", "POST"):        ("302 403 403 403 403 403 403 403 302", "user_id=facilitator"),
    ("admin.edit_user", "GET"):                ("302 403 403 403 403 403 403 403 200", "user_id=user"),
    ("admin.edit_user", "POST"):               ("302 403 403 403 403 403 403 403 400", "user_id=user"),
    ("admin.invite_user", "GET"):              ("302 403 403 403 403 403 403 403 200", ""),
    ("admin.invite_user", "POST"):             ("302 403 403 403 403 403 403 403 400", ""),
    ("admin.outbox", "GET"):                   ("302 403 403 403 403 403 403 403 200", ""),
    ("admin.users", "GET"):                    ("302 403 403 403 403 403 403 403 200", ""),
    ("api.assessment_detail", "GET"):          ("404 404 404 200 404 200 404 404 200", "assessment_id=draft"),
    ("api.assessment_scorecard", "GET"):       ("404 404 404 200 404 200 404 404 200", "assessment_id=draft"),
    ("api.assessments", "GET"):                ("200 200 200 200 200 200 200 200 200", ""),
    ("api.ballot_result", "GET"):              ("401 200 200 403 403 200 403 200 200", "ballot_id=ballot_closed"),
    ("api.committees", "GET"):                 ("401 200 200 200 200 200 200 200 200", ""),
    ("api.methods_report_json", "GET"):        ("401 200 200 403 403 200 403 200 200", "committee_id=committee"),
    ("api.model_detail", "GET"):               ("401 200 200 200 200 200 200 200 200", "key=sectoral"),
    ("api.models", "GET"):                     ("200 200 200 200 200 200 200 200 200", ""),
    ("api.round_results", "GET"):              ("401 200 200 403 403 200 403 200 200", "round_id=round_published"),
    ("assessment.autosave", "POST"):           ("302 404 404 409 404 403 404 404 409",
                                                "assessment_id=draft code=SUB-1-01"),
    # Chile has no published national assessment in this world: no coherence page for anyone (its own tests:
    # tests/assessment/test_coherence.py)
    ("assessment.coherence_page", "GET"):      ("404 404 404 404 404 404 404 404 404", "assessment_id=published"),
    ("assessment.create", "GET"):              ("302 403 403 200 200 403 403 403 200", ""),
    ("assessment.create", "POST"):             ("302 403 403 400 400 403 403 403 400", ""),
    ("assessment.criterion", "GET"):           ("302 404 404 200 404 200 404 404 200",
                                                "assessment_id=draft code=SUB-1-01"),
    ("assessment.criterion", "POST"):          ("302 404 404 409 404 403 404 404 409",
                                                "assessment_id=draft code=SUB-1-01"),
    ("assessment.delete_evidence", "POST"):    ("302 404 404 302 404 403 404 404 302",
                                                "assessment_id=draft evidence_id=evidence"),
    ("assessment.index", "GET"):               ("302 200 200 200 200 200 200 200 200", ""),
    ("assessment.public_detail", "GET"):       ("200 200 200 200 200 200 200 200 200", "assessment_id=published"),
    ("assessment.public_evidence", "GET"):     ("404 404 404 200 404 200 404 404 200",
                                                "assessment_id=draft evidence_id=evidence"),
    ("assessment.public_index", "GET"):        ("200 200 200 200 200 200 200 200 200", ""),
    ("assessment.public_scorecard", "GET"):    ("404 404 404 200 404 200 404 404 200", "assessment_id=draft"),
    ("assessment.publish", "POST"):            ("302 404 404 403 404 409 404 404 409", "assessment_id=draft"),
    ("assessment.rate", "GET"):                ("302 404 404 200 404 200 404 404 200",
                                                "assessment_id=draft dimension_key=design"),
    ("assessment.return_for_changes", "POST"): ("302 404 404 403 404 400 404 404 400", "assessment_id=draft"),
    ("assessment.review", "GET"):              ("302 404 404 403 404 200 404 404 200", "assessment_id=draft"),
    ("assessment.revise", "POST"):             ("302 403 403 403 302 403 403 403 302", "assessment_id=published"),
    ("assessment.settings", "GET"):            ("302 404 404 200 404 403 404 404 200", "assessment_id=draft"),
    ("assessment.settings", "POST"):           ("302 404 404 400 404 403 404 404 400", "assessment_id=draft"),
    ("assessment.submit", "POST"):             ("302 404 404 409 404 403 404 404 409", "assessment_id=draft"),
    ("assessment.validate", "POST"):           ("302 404 404 403 404 409 404 404 409", "assessment_id=draft"),
    ("assessment.workbook", "GET"):            ("302 404 404 200 404 403 404 404 200", "assessment_id=draft"),
    # no upload waiting under the (empty) token: 404, as for any upload that is not theirs
    ("assessment.workbook_apply", "POST"):     ("302 404 404 404 404 403 404 404 404", "assessment_id=draft"),
    ("assessment.workbook_download", "GET"):   ("302 404 404 200 404 403 404 404 200", "assessment_id=draft"),
    ("assessment.workbook_upload", "POST"):    ("302 404 404 400 404 403 404 404 400", "assessment_id=draft"),
    ("assessment.visibility", "POST"):         ("302 403 403 403 403 403 403 403 302", "assessment_id=published"),
    ("auth.accept_invitation", "GET"):         ("200 200 200 200 200 200 200 200 200", "token=invitation"),
    ("auth.accept_invitation", "POST"):        ("200 200 200 200 200 200 200 200 200", "token=invitation"),
    ("auth.change_password", "GET"):           ("302 200 200 200 200 200 200 200 200", ""),
    ("auth.change_password", "POST"):          ("302 400 400 400 400 400 400 400 400", ""),
    ("auth.login", "GET"):                     ("200 302 302 302 302 302 302 302 302", ""),
    ("auth.login", "POST"):                    ("400 302 302 302 302 302 302 302 302", ""),
    ("auth.logout", "POST"):                   ("302 302 302 302 302 302 302 302 302", ""),
    ("auth.my_data", "GET"):                   ("302 200 200 200 200 200 200 200 200", ""),
    ("auth.reset_password", "GET"):            ("200 200 200 200 200 200 200 200 200", "token=password_reset"),
    ("auth.reset_password", "POST"):           ("200 200 200 200 200 200 200 200 200", "token=password_reset"),
    ("auth.reset_request", "GET"):             ("200 200 200 200 200 200 200 200 200", ""),
    ("auth.reset_request", "POST"):            ("200 200 200 200 200 200 200 200 200", ""),
    ("auth.revoke_token", "POST"):             ("302 404 404 404 404 404 404 404 302", "token_id=token"),
    ("auth.tokens", "GET"):                    ("302 200 200 200 200 200 200 200 200", ""),
    ("auth.tokens", "POST"):                   ("302 200 200 200 200 200 200 200 200", ""),
    ("ballots.answer_comment", "POST"):        ("302 403 403 404 404 400 404 403 400",
                                                "ballot_id=ballot_closed resolution_id=resolution"),
    ("ballots.ballot_page", "GET"):            ("302 200 200 404 404 200 404 200 200", "ballot_id=ballot_open"),
    ("ballots.close", "POST"):                 ("302 403 403 404 404 302 404 403 302", "ballot_id=ballot_open"),
    ("ballots.comment_to_round", "POST"):      ("302 403 403 404 404 400 404 403 400",
                                                "ballot_id=ballot_closed resolution_id=resolution"),
    ("ballots.comments", "GET"):               ("302 200 200 404 404 200 404 200 200", "ballot_id=ballot_closed"),
    ("ballots.committee_ballots", "GET"):      ("302 200 200 404 404 200 404 200 200", "committee_id=committee"),
    ("ballots.committee_results", "GET"):      ("302 200 200 404 404 200 404 200 200", "committee_id=committee"),
    ("ballots.consultation", "GET"):           ("302 200 200 404 404 200 404 200 200", "committee_id=committee"),
    ("ballots.consultation", "POST"):          ("302 403 403 404 404 409 404 403 409", "committee_id=committee"),
    ("ballots.create", "POST"):                ("302 403 403 404 404 302 404 403 302", "committee_id=committee"),
    ("ballots.delete", "POST"):                ("302 404 404 404 404 302 404 404 302", "ballot_id=ballot_draft"),
    ("ballots.export", "GET"):                 ("302 200 200 404 404 200 404 200 200", "ballot_id=ballot_closed"),
    ("ballots.follow_up", "GET"):              ("302 403 403 404 404 200 404 403 200", "ballot_id=ballot_closed"),
    ("ballots.follow_up", "POST"):             ("302 403 403 404 404 400 404 403 400", "ballot_id=ballot_closed"),
    ("ballots.index", "GET"):                  ("302 200 200 200 200 200 200 200 200", ""),
    ("ballots.open_", "POST"):                 ("302 404 404 404 404 302 404 404 302", "ballot_id=ballot_draft"),
    ("ballots.participation", "GET"):          ("302 403 403 404 404 200 404 403 200", "ballot_id=ballot_open"),
    ("ballots.remind", "POST"):                ("302 403 403 404 404 302 404 403 302", "ballot_id=ballot_open"),
    ("ballots.results", "GET"):                ("302 200 200 404 404 200 404 200 200", "ballot_id=ballot_closed"),
    ("ballots.settings", "POST"):              ("302 404 404 404 404 302 404 404 302", "ballot_id=ballot_draft"),
    ("ballots.vote", "GET"):                   ("302 403 200 404 404 403 404 403 403", "ballot_id=ballot_open"),
    ("ballots.vote", "POST"):                  ("302 403 302 404 404 403 404 403 403", "ballot_id=ballot_open"),
    ("catalogue.approve", "GET"):              ("302 403 403 403 403 403 403 403 200", "key=sectoral label=2026-draft"),
    ("catalogue.approve", "POST"):             ("302 403 403 403 403 403 403 403 400", "key=sectoral label=2026-draft"),
    ("catalogue.browse", "GET"):               ("302 200 200 200 200 200 200 200 200", "key=vision label=2026-draft"),
    ("catalogue.compare_versions", "GET"):     ("302 200 200 200 200 200 200 200 200", "key=vision"),
    ("catalogue.criterion", "GET"):            ("302 200 200 200 200 200 200 200 200",
                                                "key=vision label=2026-draft code=VIS-1-01"),
    ("catalogue.index", "GET"):                ("200 200 200 200 200 200 200 200 200", ""),
    ("catalogue.piloting", "POST"):            ("302 403 403 403 403 403 403 403 409", "key=sectoral label=2026-draft"),
    ("catalogue.printable", "GET"):            ("302 200 200 200 200 200 200 200 200", "key=vision label=2026-draft"),
    ("catalogue.sdg_goal", "GET"):             ("200 200 200 200 200 200 200 200 200", "number=17"),
    ("catalogue.sdg_index", "GET"):            ("200 200 200 200 200 200 200 200 200", ""),
    ("delphi.add_agreement_item", "POST"):     ("302 404 404 404 404 400 404 404 400", "round_id=round_draft"),
    ("delphi.add_code", "POST"):               ("302 403 403 404 404 400 404 404 400", "round_id=round_open"),
    ("delphi.add_coding", "POST"):             ("302 403 403 404 404 302 404 404 302", "answer_id=answer | code=code"),
    ("delphi.add_member", "POST"):             ("302 403 403 404 404 400 404 403 400", "committee_id=committee"),
    ("delphi.add_ranking_item", "POST"):       ("302 404 404 404 404 400 404 404 400", "round_id=round_draft"),
    ("delphi.answer", "GET"):                  ("302 200 200 404 404 403 404 404 403", "round_id=round_open"),
    ("delphi.answer", "POST"):                 ("302 400 400 404 404 403 404 404 403", "round_id=round_open"),
    ("delphi.carry_over", "POST"):             ("302 404 404 404 404 302 404 404 302",
                                                "round_id=round_draft | from_round=round_published"),
    # comment moderation (tests/delphi/test_moderation.py): no comment has this key, so whoever may act gets 404
    ("delphi.comment_moderation", "GET"):      ("302 403 403 404 404 200 404 403 200", "round_id=round_published"),
    ("delphi.hide_comment", "POST"):           ("302 403 403 404 404 404 404 403 404",
                                                "round_id=round_published key=0000000000000000000000000000000000000000000000000000000000000000"),
    ("delphi.unhide_comment", "POST"):         ("302 403 403 404 404 404 404 403 404",
                                                "round_id=round_published key=0000000000000000000000000000000000000000000000000000000000000000"),
    ("delphi.flag_comment", "POST"):           ("302 404 404 404 404 403 404 403 403",
                                                "round_id=round_published key=0000000000000000000000000000000000000000000000000000000000000000"),
    ("delphi.committee_page", "GET"):          ("302 200 200 404 404 200 404 200 200", "committee_id=committee"),
    ("delphi.create_round", "POST"):           ("302 403 403 404 404 400 404 403 400", "committee_id=committee"),
    ("delphi.decide_suggestion", "POST"):      ("302 403 403 404 404 302 404 404 302",
                                                "answer_id=answer | code=code decision=reject"),
    ("delphi.delete_coding", "POST"):          ("302 403 403 404 404 302 404 404 302", "coding_id=coding"),
    ("delphi.delete_item", "POST"):            ("302 404 404 404 404 302 404 404 302", "item_id=item"),
    ("delphi.edit_code", "GET"):               ("302 403 403 404 404 200 404 404 200", "code_id=code"),
    ("delphi.edit_code", "POST"):              ("302 403 403 404 404 400 404 404 400", "code_id=code"),
    ("delphi.edit_item", "GET"):               ("302 404 404 404 404 200 404 404 200", "item_id=item"),
    ("delphi.edit_item", "POST"):              ("302 404 404 404 404 400 404 404 400", "item_id=item"),
    ("delphi.edit_member", "GET"):             ("302 403 403 404 404 200 404 403 200",
                                                "committee_id=committee membership_id=membership"),
    ("delphi.edit_member", "POST"):            ("302 403 403 404 404 400 404 403 400",
                                                "committee_id=committee membership_id=membership"),
    ("delphi.export", "GET"):                  ("302 403 403 404 404 200 404 403 200",
                                                "round_id=round_published kind=results"),
    ("delphi.feedback", "GET"):                ("302 200 200 404 404 200 404 200 200", "round_id=round_published"),
    ("delphi.index", "GET"):                   ("302 200 200 200 200 200 200 200 200", ""),
    ("delphi.items_from_codes", "POST"):       ("302 404 404 404 404 400 404 404 400", "round_id=round_draft"),
    ("delphi.merge_code", "POST"):             ("302 403 403 404 404 302 404 404 302",
                                                "code_id=code | target=code_other"),
    ("delphi.methods_report", "GET"):          ("302 200 200 404 404 200 404 200 200", "committee_id=committee"),
    ("delphi.methods_text", "POST"):           ("302 403 403 404 404 302 404 403 302",
                                                "committee_id=committee key=accord.funding | text_en=Funded"),
    ("delphi.move_item", "POST"):              ("302 404 404 404 404 302 404 404 302", "item_id=item"),
    ("delphi.not_codable", "POST"):            ("302 403 403 404 404 409 404 404 409", "answer_id=answer"),
    ("delphi.participation", "GET"):           ("302 403 403 404 404 200 404 404 200", "round_id=round_open"),
    ("delphi.remind", "POST"):                 ("302 403 403 404 404 302 404 404 302", "round_id=round_open"),
    ("delphi.remove_member", "POST"):          ("302 403 403 404 404 409 404 403 409",
                                                "committee_id=committee membership_id=membership"),
    ("delphi.results", "GET"):                 ("302 403 403 404 404 200 404 403 200", "round_id=round_published"),
    ("delphi.reveal", "POST"):                 ("302 403 403 404 404 403 404 404 200",
                                                "round_id=round_open pseudonym_id=pseudonym"),
    ("delphi.round_page", "GET"):              ("302 302 302 404 404 200 404 404 200", "round_id=round_open"),
    ("delphi.round_settings", "POST"):         ("302 404 404 404 404 302 404 404 302", "round_id=round_draft"),
    ("delphi.setup", "POST"):                  ("302 403 403 403 403 403 403 403 302", ""),
    ("delphi.split_code", "POST"):             ("302 403 403 404 404 400 404 404 400", "code_id=code"),
    ("delphi.suggest", "GET"):                 ("302 403 403 404 404 200 404 404 200", "answer_id=answer"),
    ("delphi.systemize", "GET"):               ("302 403 403 404 404 200 404 404 200", "round_id=round_open"),
    # REFI-QDA interchange and double coding (no second coding in the world: its forms answer 404 to those who
    # run the committee; the facilitator coded answers, so only the administrator may start one)
    ("delphi.codebook_qdc", "GET"):            ("302 403 403 404 404 200 404 404 200", "round_id=round_open"),
    ("delphi.coded_answers_qdpx", "GET"):      ("302 403 403 404 404 200 404 404 200", "round_id=round_open"),
    ("delphi.import_codebook", "GET"):         ("302 403 403 404 404 200 404 404 200", "round_id=round_open"),
    ("delphi.import_codebook", "POST"):        ("302 403 403 404 404 400 404 404 400", "round_id=round_open"),
    ("delphi.double_coding_page", "GET"):      ("302 403 403 404 404 200 404 404 200", "round_id=round_open"),
    ("delphi.start_double_coding", "POST"):    ("302 403 403 404 404 409 404 404 302", "round_id=round_open"),
    ("delphi.add_second_coding", "POST"):      ("302 403 403 404 404 404 404 404 404",
                                                "round_id=round_open answer_id=answer | code=code"),
    ("delphi.delete_second_coding", "POST"):   ("302 403 403 404 404 404 404 404 404",
                                                "round_id=round_open coding_id=coding"),
    ("delphi.second_not_codable", "POST"):     ("302 403 403 404 404 404 404 404 404",
                                                "round_id=round_open answer_id=answer"),
    ("delphi.finish_double_coding", "POST"):   ("302 403 403 404 404 404 404 404 404", "round_id=round_open"),
    ("delphi.discard_double_coding", "POST"):  ("302 403 403 404 404 404 404 404 404", "round_id=round_open"),
    ("delphi.settle_disagreement", "POST"):    ("302 403 403 404 404 404 404 404 404",
                                                "round_id=round_open | answer=answer code=code decision=apply"),
    ("delphi.transition", "POST"):             ("302 403 403 404 404 302 404 404 302",
                                                "round_id=round_open action=close"),
    ("main.healthz", "GET"):                   ("200 200 200 200 200 200 200 200 200", ""),
    ("main.home", "GET"):                      ("302 200 200 200 200 200 200 200 200", ""),
    ("main.set_language", "POST"):             ("302 302 302 302 302 302 302 302 302", ""),
    ("observability.metrics", "GET"):          ("404 404 404 404 404 404 404 404 404", ""),   # no METRICS_TOKEN
    ("reports.download", "GET"):               ("302 404 404 404 404 200 200 200 200", "job_id=job"),
    ("reports.index", "GET"):                  ("302 403 403 403 403 200 200 200 200", ""),
    ("reports.job", "GET"):                    ("302 404 404 404 404 200 200 200 200", "job_id=job"),
    ("reports.methods_pdf", "GET"):            ("302 200 200 404 404 200 404 200 200", "committee_id=committee"),
    ("reports.request_crp", "POST"):           ("302 403 403 403 403 302 302 302 302", "key=sectoral"),
    ("reports.scorecard_pdf", "GET"):          ("404 404 404 200 404 200 404 404 200", "assessment_id=draft"),
    ("static", "GET"):                         ("200 200 200 200 200 200 200 200 200", "filename=css/app.css"),
}
