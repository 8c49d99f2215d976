"""The virtual votes: ballots per stage with their stored rule, eligibility, votes, the pure `tally`, comment
resolution and follow-up ballots, and the adoption of the resulting catalogue version."""
